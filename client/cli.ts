/**
 * The `restact` command line. It parses and validates flags (zod), builds a client, and prints; the agent's
 * logic lives in workflows and activities.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig, ConfigFileError } from './config-loader';
import { withTemporal, withProjectDefaults, installRuntime, devServerDbFile } from './runtime';
import { askOne, AskOutcome } from './trajectories';
import { formatTrajectory, bold, dim } from './print';
import { runIndex } from './commands/index-cmd';
import { projectRoot, startDevServer } from './dev-server';
import { adHocQuestionId } from '../lib/workflow-ids';
import { parseJsonl, QuestionSchema, Question } from '../lib/corpus';
import { NativeConnection } from '@temporalio/worker';
import { temporalConnectionOptions } from './config-loader';
import { createWorker, createWorkerDeps, fitModelContext, llmConcurrency, memoryUsageMb } from '../worker';
import type { Config } from '../lib/config';
import {
  CampaignIdArg,
  formatProgress,
  formatRoundSummary,
  isWorkflowFailure,
  loadCampaignSettings,
  printCampaignResult,
  startCampaign,
  watchCampaign,
} from './commands/campaign';
import { progressQuery, stopSignal } from '../workflows/rest';
import { parseEvalFlags, runEval } from './commands/eval';
import { parseCalibrateFlags, runCalibrate } from './commands/calibrate';
import { runReport } from './commands/report';

const USAGE = `restact: a self-improving ReAct search agent on Temporal

Usage:
  restact demo [--questions N]                 index the sample corpus, answer N sample questions, print them
  restact index --corpus FILE.jsonl [--db PATH] build the local BM25 search index
  restact ask "QUESTION" [--model REF] [--db PATH] [--json] [--id QUESTION_ID] [--worker]
                                               run one trajectory workflow and print it
  restact worker                               run a worker against the configured server (TEMPORAL_ADDRESS)
  restact dev                                  run the embedded dev server (Web UI) and a worker until Ctrl-C
  restact campaign start --config FILE [--wait] start a ReST self-improvement campaign (FILE has a "campaign" section)
  restact campaign status ID                   print a campaign's progress (or result)
  restact campaign watch ID                    progress bars until the campaign ends
  restact campaign stop ID                     stop a campaign after its current round
  restact eval --dataset FILE [--corpus FILE.jsonl | --db PATH] [--model REF ...] [--runs N] [--judge REF] [--limit N]
               [--format jsonl|hotpotqa|csv] [--offset N] [--concurrency N] [--temperature T] [--seed S] [--json]
                                               evaluate models on a question set: EM, F1, auto-eval, behaviour, 95% CIs
  restact eval calibrate [--labels FILE] [--judge REF]
                                               the auto-eval judge against human labels (default: the shipped sample)
  restact report CAMPAIGN_ID                   a Markdown page with per-round scores, behaviour and charts

Common options:
  --config FILE   config file (default: ./restact.config.json if present); environment variables override it
  -h, --help      this help

With no TEMPORAL_ADDRESS (or temporal.address) the embedded Temporal dev server is started for the command.
`;

/** A user error: printed without a stack trace, exit code 2. */
class UsageError extends Error {}

const COMMON = { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function validate<T>(schema: z.ZodType<T>, value: unknown, _what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.map((i) => {
      const flag = i.path.length ? `--${i.path.join('.')}` : 'argument';
      const missing = i.code === 'invalid_type' && /received undefined/.test(i.message);
      return missing ? `${flag} is required` : `${flag}: ${i.message}`;
    });
    throw new UsageError(issues.join('; '));
  }
  return r.data;
}

function config(configPath: string | undefined, overrides: object = {}): Config {
  return withProjectDefaults(loadConfig({ configPath, overrides }));
}

const out = (line = '') => process.stdout.write(line + '\n');
const err = (line = '') => process.stderr.write(line + '\n');

function requireIndex(dbPath: string): void {
  if (!fs.existsSync(dbPath)) {
    throw new UsageError(`No search index at ${dbPath}. Build one: restact index --corpus FILE.jsonl --db ${dbPath}`);
  }
}

function sampleQuestions(): Question[] {
  const file = path.join(projectRoot(), 'data', 'hotpotqa-dev50', 'questions.jsonl');
  const { rows, errors } = parseJsonl(fs.readFileSync(file, 'utf8'), QuestionSchema, 'question');
  if (errors.length) throw new Error(`${file}: line ${errors[0].line}: ${errors[0].message}`);
  return rows;
}

// ---------------------------------------------------------------------------------------------- commands

async function cmdIndex(argv: string[]): Promise<number> {
  const { values } = parse(argv, { corpus: { type: 'string' }, db: { type: 'string' } });
  const flags = validate(z.object({ corpus: z.string().min(1, 'required'), db: z.string().optional(), config: z.string().optional() }), values, 'restact index');
  const cfg = config(flags.config, flags.db ? { search: { provider: 'sqlite', dbPath: flags.db } } : {});
  return runIndex({ corpus: flags.corpus, db: cfg.search.dbPath }, out);
}

async function cmdAsk(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    model: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean' },
    id: { type: 'string' },
    worker: { type: 'boolean' },
  });
  const question = positionals.join(' ').trim();
  if (!question) throw new UsageError('restact ask needs a question: restact ask "Who wrote ...?"');
  const flags = validate(
    z.object({ model: z.string().min(1).optional(), db: z.string().min(1).optional(), json: z.boolean().optional(), id: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only').optional(), worker: z.boolean().optional(), config: z.string().optional() }),
    values,
    'restact ask',
  );
  const cfg = config(flags.config);
  // With a worker in this process the index must be here; a remote worker checks its own machine (the path
  // travels in the workflow input, so --db is never silently replaced by the worker's configured index).
  const localWorker = flags.worker || !cfg.temporal.address;
  if (localWorker) requireIndex(flags.db ?? cfg.search.dbPath);
  const outcome = await withTemporal(cfg, { worker: flags.worker ? 'always' : 'embedded', log: err }, (session) =>
    askOne(session, { questionId: flags.id ?? adHocQuestionId(question), question }, { model: flags.model, searchDb: flags.db }),
  );
  if (flags.json) out(JSON.stringify(askJson(outcome), null, 2));
  else out(formatTrajectory(outcome.trajectory, { uiLink: outcome.uiLink }));
  return outcome.result.status === 'answered' ? 0 : 1;
}

function askJson(o: AskOutcome) {
  return { ...o.trajectory, runId: o.runId, trajectoryRef: o.result.trajectoryRef, webUiUrl: o.uiLink };
}

async function cmdDemo(argv: string[]): Promise<number> {
  const { values } = parse(argv, { questions: { type: 'string' } });
  const flags = validate(z.object({ questions: z.coerce.number().int().min(1).max(50).default(3), config: z.string().optional() }), values, 'restact demo');
  const cfg = config(flags.config);
  const corpus = path.join(projectRoot(), 'data', 'hotpotqa-dev50', 'corpus.jsonl');
  out(bold('1. Search index'));
  runIndex({ corpus, db: cfg.search.dbPath }, out);
  const questions = sampleQuestions().slice(0, flags.questions);
  out(bold(`\n2. Answering ${questions.length} HotpotQA questions with ${cfg.llm.provider === 'llama' ? path.basename(cfg.llm.modelPath) : cfg.llm.model}`));
  const started = Date.now();
  const outcomes = await withTemporal(cfg, { worker: 'always', log: out }, async (session) => {
    let done = 0;
    return Promise.all(
      questions.map(async (q) => {
        const o = await askOne(session, { questionId: q.id, question: q.question });
        done++;
        out(dim(`   [${done}/${questions.length}] ${o.result.workflowId}: ${o.result.status}`));
        return { o, q };
      }),
    );
  });
  out(bold('\n3. Trajectories'));
  for (const { o, q } of outcomes) out('\n' + formatTrajectory(o.trajectory, { uiLink: o.uiLink, gold: q.answers }));
  const answered = outcomes.filter(({ o }) => o.result.status === 'answered').length;
  out(`\n${answered} answered, ${outcomes.length - answered} failed, in ${((Date.now() - started) / 1000).toFixed(0)} s. Trajectories are in ${cfg.artifacts.dir}/trajectories/.`);
  if (!cfg.temporal.address) out(dim('The embedded dev server has stopped with this command. For a Web UI that stays up, run `npx restact dev` and set TEMPORAL_ADDRESS.'));
  return 0;
}

async function cmdWorker(argv: string[]): Promise<number> {
  const { values } = parse(argv, {});
  const cfg = config(values.config);
  if (!cfg.temporal.address) throw new UsageError('restact worker needs a server: set TEMPORAL_ADDRESS (or temporal.address), or run `restact dev` for the embedded one.');
  installRuntime('INFO');
  const connection = await NativeConnection.connect(temporalConnectionOptions(cfg.temporal));
  const deps = createWorkerDeps(cfg);
  try {
    // Load the model and reserve its context now, so the start-up line shows the memory the worker will hold.
    const fit = await fitModelContext(deps, cfg);
    if (fit) await deps.models.get();
    const worker = await createWorker({ connection, config: cfg, deps });
    const model = cfg.llm.provider === 'llama'
      ? `${path.basename(cfg.llm.modelPath)}, ${fit!.sequences} sequences x ${fit!.contextSize} tokens (longest prompt: ${fit!.longest.kind}, ${fit!.longest.promptTokens}+${fit!.longest.maxTokens} tokens)`
      : `${cfg.llm.model} at ${cfg.llm.baseURL ?? 'api.openai.com'}`;
    err(
      `Worker polling task queue ${cfg.temporal.taskQueue} on ${cfg.temporal.address} (namespace ${cfg.temporal.namespace}); ` +
        `model ${model}; ${llmConcurrency(cfg.llm)} concurrent activities; RSS ${memoryUsageMb().rssMb} MB. Ctrl-C stops it.`,
    );
    await worker.run();
  } finally {
    await deps.close();
    await connection.close();
  }
  return 0;
}

async function cmdDev(argv: string[]): Promise<number> {
  const { values } = parse(argv, {});
  const cfg = config(values.config);
  installRuntime('WARN');
  const server = await startDevServer({ port: cfg.temporal.devServer.port, uiPort: cfg.temporal.devServer.uiPort, dbFile: devServerDbFile(cfg), namespace: cfg.temporal.namespace });
  const connection = await NativeConnection.connect({ address: server.address });
  const deps = createWorkerDeps(cfg);
  try {
    const worker = await createWorker({ connection, config: cfg, deps });
    out(`Temporal dev server: ${server.address}`);
    out(`Web UI:              ${server.uiUrl.replace('127.0.0.1', 'localhost')}`);
    out(`Worker:              task queue ${cfg.temporal.taskQueue}`);
    out(`In another terminal: TEMPORAL_ADDRESS=${server.address} npx restact ask "..."`);
    out('Ctrl-C stops both.');
    await worker.run(); // returns after SIGINT/SIGTERM (the SDK's shutdown signals)
  } finally {
    await deps.close();
    await connection.close();
    await server.stop();
  }
  return 0;
}

async function cmdCampaign(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, { wait: { type: 'boolean' } });
  if (sub === 'start') {
    if (!values.config) throw new UsageError('restact campaign start needs --config FILE (see examples/sample-campaign.json)');
    const settings = loadCampaignSettings(values.config);
    const cfg = config(values.config);
    if (settings.corpus && !fs.existsSync(cfg.search.dbPath)) runIndex({ corpus: settings.corpus, db: cfg.search.dbPath }, err);
    requireIndex(cfg.search.dbPath);
    // The embedded server lives only as long as this command, so without a configured server we wait.
    const wait = values.wait || !cfg.temporal.address;
    return withTemporal(cfg, { worker: 'embedded', log: err }, async (session) => {
      const started = await startCampaign(session, settings);
      out(`Started ${started.workflowId}`);
      if (started.uiLink) out(`Web UI: ${started.uiLink}`);
      if (!wait) return 0;
      try {
        printCampaignResult(await watchCampaign(session.client, started.workflowId, out), out);
        return 0;
      } catch (e) {
        if (!isWorkflowFailure(e)) throw e;
        err(`Campaign ${started.workflowId} failed: ${e.cause?.message ?? e.message}`);
        return 1;
      }
    });
  }
  if (sub === 'status' || sub === 'watch' || sub === 'stop') {
    const id = validate(CampaignIdArg, positionals[0], `restact campaign ${sub} ID`);
    const cfg = config(values.config);
    if (!cfg.temporal.address) throw new UsageError(`restact campaign ${sub} talks to a running server: set TEMPORAL_ADDRESS (restact dev prints it).`);
    return withTemporal(cfg, { worker: 'never', log: err }, async ({ client }) => {
      const handle = client.workflow.getHandle(id);
      if (sub === 'stop') {
        await handle.signal(stopSignal);
        out(`Asked ${id} to stop after its current round.`);
        return 0;
      }
      if (sub === 'watch') {
        try {
          printCampaignResult(await watchCampaign(client, id, out), out);
          return 0;
        } catch (e) {
          if (!isWorkflowFailure(e)) throw e;
          err(`Campaign ${id} failed: ${e.cause?.message ?? e.message}`);
          return 1;
        }
      }
      const description = await handle.describe();
      const progress = await handle.query(progressQuery);
      out(`${id}: ${description.status.name}`);
      out(formatProgress(progress));
      for (const r of progress.summaries) out(formatRoundSummary(r));
      return description.status.name === 'FAILED' ? 1 : 0;
    });
  }
  throw new UsageError('restact campaign start|status|watch|stop');
}

async function cmdEval(argv: string[]): Promise<number> {
  if (argv[0] === 'calibrate') {
    const flags = parseCalibrateFlags(argv.slice(1));
    return runCalibrate(flags, config(flags.config), out, err);
  }
  const flags = parseEvalFlags(argv);
  return runEval(flags, config(flags.config), out, err);
}

async function cmdReport(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {});
  const id = validate(CampaignIdArg, positionals[0], 'restact report CAMPAIGN_ID');
  return runReport(id, config(values.config), out);
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  campaign: cmdCampaign,
  eval: cmdEval,
  report: cmdReport,
  index: cmdIndex,
  ask: cmdAsk,
  demo: cmdDemo,
  worker: cmdWorker,
  dev: cmdDev,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    out(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    err(`Unknown command "${name}".\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(USAGE);
    return 0;
  }
  try {
    return await command(rest);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigFileError) {
      err(`restact ${name}: ${e.message}`);
      return 2;
    }
    if ((e as Error)?.name === 'NonRetryableError') {
      err(`restact ${name}: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
}
