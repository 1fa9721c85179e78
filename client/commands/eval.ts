/**
 * `restact eval --dataset FILE [--corpus FILE.jsonl | --db PATH] [--model REF ...] [--runs N] [--judge REF] [--limit N]`:
 * loads a question set (JSONL, HotpotQA JSON or CSV), picks or builds its search index, starts `evalWorkflow`,
 * shows its progress, and prints the table with CIs (and paired differences with two or more models).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Config } from '../../lib/config';
import { DATASET_FORMATS, DatasetError, loadDataset, type LoadedDataset } from '../../lib/eval/datasets';
import { describeJudge } from '../../lib/eval/judge';
import { judgeLine, metricRows, pairedRows, textTable } from '../../lib/eval/report';
import { evalWorkflowId } from '../../lib/workflow-ids';
import { EVAL_ID, MODEL, modelLabel, PHASE } from '../../lib/search-attributes';
import { evalSummary, runLabel } from '../../lib/run-summary';
import { hash53 } from '../../lib/hash';
import type { evalWorkflow, EvalInput } from '../../workflows/eval';
import { evalProgressQuery, type EvalProgress } from '../../workflows/signals';
import { evalPrefix, evalQuestionsKey } from '../../lib/artifact-keys';
import type { EvalOutcome } from '../../lib/eval/report';
import { artifactLocation, writeArtifact } from '../artifacts';
import { commandConfig, UsageError } from '../command-line';
import { calibrateCommand } from './calibrate';
import { evalCompareCommand } from './eval-compare';
import { buildSqliteIndex } from '../../adapters/search/sqlite-fts';
import { followWorkflow } from '../progress';
import { withTemporal } from '../runtime';
import { resolveModelRef } from '../trajectories';
import { withLocalSteps } from '../../lib/trajectory';

type Out = (line: string) => void;

const FlagsSchema = z.object({
  dataset: z.string({ error: '--dataset FILE is required' }).min(1),
  format: z.enum(DATASET_FORMATS).optional(),
  corpus: z.string().min(1).optional(),
  db: z.string().min(1).optional(),
  model: z.array(z.string().min(1)).optional(),
  runs: z.coerce.number().int().min(1).max(20).optional(),
  judge: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  concurrency: z.coerce.number().int().min(1).max(64).optional(),
  temperature: z.coerce.number().min(0).max(2).optional(),
  seed: z.string().min(1).optional(),
  json: z.boolean().optional(),
  config: z.string().optional(),
});
export type EvalFlags = z.infer<typeof FlagsSchema>;

/** `restact eval ...` and `restact eval calibrate ...`. */
export async function evalCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'calibrate') return calibrateCommand(argv.slice(1));
  if (argv[0] === 'compare') return evalCompareCommand(argv.slice(1));
  const flags = parseEvalFlags(argv);
  return runEval(flags, commandConfig(flags.config), (l) => process.stdout.write(l + '\n'), (l) => process.stderr.write(l + '\n'));
}

export function parseEvalFlags(argv: string[]): EvalFlags {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        dataset: { type: 'string' }, format: { type: 'string' }, corpus: { type: 'string' }, db: { type: 'string' },
        model: { type: 'string', multiple: true }, runs: { type: 'string' }, judge: { type: 'string' }, limit: { type: 'string' },
        offset: { type: 'string' }, concurrency: { type: 'string' }, temperature: { type: 'string' }, seed: { type: 'string' },
        json: { type: 'boolean' }, config: { type: 'string' },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const r = FlagsSchema.safeParse(values);
  if (!r.success) throw new UsageError(r.error.issues.map((i) => (i.path.length ? `--${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
  if (r.data.corpus && r.data.db) throw new UsageError('give --corpus or --db, not both');
  return r.data;
}

export function readDataset(file: string, format?: (typeof DATASET_FORMATS)[number]): LoadedDataset {
  if (!fs.existsSync(file)) throw new UsageError(`dataset not found: ${file}`);
  try {
    return loadDataset(fs.readFileSync(file, 'utf8'), file, format);
  } catch (err) {
    if (err instanceof DatasetError) throw new UsageError(err.message);
    throw err;
  }
}

const sha = (text: string | Buffer) => crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);

/** An index for a corpus file, built once and reused while the file's content is the same. */
export function indexForCorpus(corpusFile: string, stateDir: string, log: Out): string {
  if (!fs.existsSync(corpusFile)) throw new UsageError(`corpus not found: ${corpusFile}`);
  const db = path.join(stateDir, 'indexes', `${sha(fs.readFileSync(corpusFile))}.sqlite`);
  if (fs.existsSync(db)) {
    log(`Reusing the index of ${corpusFile}: ${db}`);
    return db;
  }
  const built = buildSqliteIndex({ corpusPath: corpusFile, dbPath: db });
  log(`Indexed ${built.indexed} passages of ${corpusFile} into ${db} (${built.rejected.length} rejected line(s)).`);
  if (!built.indexed) throw new UsageError(`${corpusFile}: no valid passages`);
  return db;
}

/**
 * The index an evaluation searches: --db; --corpus (indexed by content); the corpus a HotpotQA file carries;
 * a `corpus.jsonl` beside the dataset (the shipped data); else the configured index.
 */
export function chooseIndex(flags: EvalFlags, dataset: LoadedDataset, cfg: Config, log: Out): string {
  const stateDir = path.dirname(path.resolve(cfg.artifacts.dir));
  if (flags.db) {
    if (!fs.existsSync(flags.db)) throw new UsageError(`no search index at ${flags.db}; build one with restact index, or pass --corpus`);
    return path.resolve(flags.db);
  }
  if (flags.corpus) return indexForCorpus(flags.corpus, stateDir, log);
  if (dataset.corpus?.length) {
    const file = path.join(stateDir, 'corpora', `${sha(JSON.stringify(dataset.corpus.map((p) => p.id)))}.jsonl`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (!fs.existsSync(file)) fs.writeFileSync(file, dataset.corpus.map((p) => JSON.stringify(p)).join('\n') + '\n');
    log(`Built a corpus of ${dataset.corpus.length} passages from the dataset's context paragraphs: ${file}`);
    return indexForCorpus(file, stateDir, log);
  }
  const beside = path.join(path.dirname(path.resolve(flags.dataset)), 'corpus.jsonl');
  if (fs.existsSync(beside)) return indexForCorpus(beside, stateDir, log);
  if (!fs.existsSync(cfg.search.dbPath)) throw new UsageError(`no search index at ${cfg.search.dbPath}: pass --corpus FILE.jsonl or --db PATH`);
  return path.resolve(cfg.search.dbPath);
}

function evalStamp(now: Date, seed: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${stamp}-${(hash53(seed + now.getTime()) >>> 0).toString(16).padStart(8, '0').slice(0, 6)}`;
}

export async function runEval(flags: EvalFlags, cfg: Config, out: Out, err: Out): Promise<number> {
  const dataset = readDataset(flags.dataset, flags.format);
  const questions = dataset.questions.slice(flags.offset, flags.limit ? flags.offset + flags.limit : undefined);
  if (!questions.length) throw new UsageError(`${flags.dataset}: no questions selected (offset ${flags.offset}, limit ${flags.limit ?? 'none'})`);
  const unlabelled = questions.filter((q) => !q.answers.length);
  if (unlabelled.length) throw new UsageError(`${flags.dataset}: ${unlabelled.length} question(s) have no reference answer (first: ${unlabelled[0].id})`);
  const refs = flags.model?.length ? flags.model : [undefined];
  const models = refs.map((ref) => ({ label: ref ?? (cfg.llm.provider === 'llama' ? 'base' : cfg.llm.model), ref: resolveModelRef(ref) }));
  if (new Set(models.map((m) => m.label)).size !== models.length) throw new UsageError('each --model may be given once');
  const runs = flags.runs ?? cfg.eval.runs;
  const temperature = flags.temperature ?? cfg.agent.temperature;
  // Not identical: the embedded model's greedy steps break near-ties by batching (docs/eval/dev50-closed-revisions.md).
  if (runs > 1 && temperature === 0) err('Note: with temperature 0 the runs of a question differ only where batched decoding breaks near-ties; pass --temperature to sample.');
  const items = questions.length * runs * models.length;
  if (items > 2000) throw new UsageError(`${items} trajectories in one evaluation is more than its workflow history holds well (2,000); use --limit or fewer --runs`);

  const searchDb = chooseIndex(flags, dataset, cfg, err);
  const judge = describeJudge(cfg.llm, resolveModelRef(flags.judge ?? cfg.eval.judge));
  const seed = flags.seed ?? cfg.eval.seed;
  const evalId = evalStamp(new Date(), flags.dataset);
  const outPrefix = evalPrefix(evalId);
  const questionsKey = evalQuestionsKey(outPrefix);
  const input: EvalInput = {
    evalId,
    title: `${path.basename(flags.dataset)} (${questions.length} questions)`,
    questionsKey,
    questionCount: questions.length,
    models,
    runs,
    judge,
    searchDb,
    maxSearches: cfg.agent.maxSearches,
    temperature,
    stepSamples: cfg.agent.stepSamples,
    concurrency: flags.concurrency ?? cfg.eval.concurrency,
    ...withLocalSteps(cfg.temporal),
    outPrefix,
    seed,
    resamples: cfg.eval.resamples,
  };
  err(`Evaluating ${models.map((m) => m.label).join(', ')} on ${questions.length} question(s) of ${flags.dataset} (${dataset.format}), ${runs} run(s) each.`);
  err(judgeLine(judge));
  const { outcome, where } = await withTemporal(cfg, { worker: 'embedded', log: err }, async (session) => {
    // The questions go to the workers' store through a worker: the CLI may run on another machine.
    await writeArtifact(session, questionsKey, questions.map((q) => JSON.stringify(q)).join('\n') + '\n');
    const workflowId = evalWorkflowId(evalId);
    await session.client.workflow.start<typeof evalWorkflow>('evalWorkflow', {
      taskQueue: cfg.temporal.taskQueue,
      workflowId,
      args: [input],
      typedSearchAttributes: [{ key: EVAL_ID, value: evalId }, { key: PHASE, value: 'eval' }, ...(input.models.length === 1 ? [{ key: MODEL, value: modelLabel(input.models[0].ref) }] : [])],
      ...runLabel(evalSummary({ title: input.title, models: input.models.map((m) => m.label), questions: input.questionCount, runs: input.runs })),
    });
    err(`Started ${workflowId}`);
    return { outcome: await watchEval(session.client, workflowId, err), where: (key: string) => artifactLocation(session, key) };
  });
  if (flags.json) out(JSON.stringify(outcome, null, 2));
  else printEvalOutcome(outcome, where, out);
  return 0;
}

export function printEvalOutcome(outcome: EvalOutcome, where: (key: string) => string, out: Out): void {
  out('');
  out(judgeLine(outcome.judge));
  out('Values: mean [95% bootstrap CI over questions]' + (outcome.models.some((m) => m.runs > 1) ? ' ±sd across runs' : '') + '; rates in %.');
  out('');
  out(textTable(metricRows(outcome.models)));
  if (outcome.paired.length) {
    out('\nPaired differences (questions resampled in pairs):');
    out(textTable(pairedRows(outcome.paired)));
  }
  out(`\nReport: ${where(outcome.files.markdown)}\nJSON:   ${where(outcome.files.json)}\nCharts: ${where(outcome.files.accuracyChart)}, ${where(outcome.files.behaviourChart)}`);
}

export function formatEvalProgress(p: EvalProgress): string {
  const scores = p.models.map((m) => `${m.model}: EM ${(100 * m.em).toFixed(1)}% auto-eval ${(100 * m.autoEval).toFixed(1)}%`).join('; ');
  return `questions ${p.questionsDone}/${p.questionsTotal}  trajectories ${p.trajectoriesDone}/${p.trajectoriesTotal} (${p.failed} failed)  ${scores}${p.phase === 'reporting' ? '  writing the report' : ''}`;
}

/** A progress bar from the `progress` query (lines when not on a terminal) until the evaluation ends. */
export async function watchEval(client: Client, workflowId: string, log: Out, intervalMs = 1000): Promise<EvalOutcome> {
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'questions [{bar}] {value}/{total} {info}', hideCursor: true }, Presets.shades_classic) : undefined;
  let started = false;
  let last = '';
  const show = (p: EvalProgress) => {
    if (bar) {
      if (!started) bar.start(p.questionsTotal, 0, { info: '' });
      started = true;
      bar.update(p.questionsDone, { info: formatEvalProgress(p).replace(/^questions \S+\s+/, '') });
    } else {
      const line = formatEvalProgress(p);
      if (line !== last) log(line);
      last = line;
    }
  };
  try {
    return await followWorkflow<EvalOutcome, EvalProgress>(client.workflow.getHandle(workflowId), evalProgressQuery, show, intervalMs);
  } finally {
    bar?.stop();
  }
}
