/**
 * The `restact` command line: dispatches to one file per command (client/commands/). Commands parse and validate
 * flags, build a client, and print; the agent's logic lives in workflows and activities.
 */
import { ConfigFileError } from './config-loader';
import { err, out, UsageError } from './command-line';
import { askCommand } from './commands/ask';
import { campaignCommand } from './commands/campaign';
import { demoCommand } from './commands/demo';
import { devCommand } from './commands/dev';
import { indexCommand } from './commands/index-cmd';
import { workerCommand } from './commands/worker';
import { evalCommand } from './commands/eval';
import { reportCommand } from './commands/report';

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

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  campaign: campaignCommand,
  index: indexCommand,
  ask: askCommand,
  demo: demoCommand,
  worker: workerCommand,
  dev: devCommand,
  eval: evalCommand,
  report: reportCommand,
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
    if (e instanceof UsageError || e instanceof ConfigFileError || (e as Error)?.name === 'NonRetryableError') {
      err(`restact ${name}: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
}
