/**
 * A command's session on the embedded dev server with an in-process worker (client/runtime.ts `withTemporal`), with
 * test doubles, in its own process, for the shutdown-order test:
 *   tsx test/helpers/embedded-session.ts   (env: ARTIFACT_DIR, SEARCH_DB, DELAY_MS)
 * It prints `server <pid>`, `step started` / `step done` around each model call, and how the session ended.
 */
import { InterruptedError, withTemporal } from '../../client/runtime';
import type { ChatRequest } from '../../ports/chat-model';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { SqliteSearchEngines } from '../../adapters/search/sqlite-fts';
import { AGENT_RULES, RuleModel } from './rule-model';
import { testConfig } from './temporal';

const say = (line: string) => process.stdout.write(line + '\n');

async function main(): Promise<number> {
  const config = testConfig();
  config.worker = { ...config.worker, shutdownGraceSeconds: 20 };
  const rules = new RuleModel(AGENT_RULES, Number(process.env.DELAY_MS ?? 0));
  const search = new SqliteSearchEngines(process.env.SEARCH_DB!);
  const createDeps = () => ({
    models: {
      get: async () => ({
        generate: async (request: ChatRequest) => {
          say('step started');
          const result = await rules.generate(request);
          say('step done');
          return result;
        },
      }),
      close: async () => undefined,
    },
    search,
    store: new LocalDirStore(process.env.ARTIFACT_DIR!),
    agent: config.agent,
    close: () => search.close(),
  });
  try {
    await withTemporal(config, { worker: 'always', createDeps, log: (line) => process.stderr.write(line + '\n') }, async (session) => {
      say(`server ${session.address}`);
      return session.client.workflow.execute('trajectoryWorkflow', {
        taskQueue: config.temporal.taskQueue,
        workflowId: 'traj-shutdown',
        args: [{ questionId: 'q1', question: 'Were Scott Derrickson and Ed Wood of the same nationality?', maxSearches: 2 }],
      });
    });
    say('session completed');
    return 0;
  } catch (e) {
    say(`session ended: ${(e as Error).name}: ${(e as Error).message}`);
    return e instanceof InterruptedError ? 130 : 1;
  }
}

main().then((code) => process.exit(code));
