/**
 * A worker in its own process, with the ReST test doubles, for the worker-restart and worker-shutdown tests:
 *   tsx test/helpers/worker-process.ts   (env: TEMPORAL_ADDRESS, TASK_QUEUE, ARTIFACT_DIR, SEARCH_DB, WORK_DIR, DELAY_MS,
 *                                         GRACE_SECONDS)
 * It prints `worker ready`, then `step started` / `step done` around each model call, and `worker stopped` when a
 * shutdown signal has drained it.
 */
import { NativeConnection } from '@temporalio/worker';
import { createWorker } from '../../worker';
import type { ChatRequest } from '../../ports/chat-model';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { SqliteSearchEngines } from '../../adapters/search/sqlite-fts';
import { AGENT_RULES, RecordingFineTuner, RuleModel } from './rule-model';
import { testConfig } from './temporal';

async function main() {
  const config = testConfig({}, process.env.TASK_QUEUE!);
  if (process.env.GRACE_SECONDS) config.worker = { ...config.worker, shutdownGraceSeconds: Number(process.env.GRACE_SECONDS) };
  const rules = new RuleModel(AGENT_RULES, Number(process.env.DELAY_MS ?? 0));
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await createWorker({
    connection,
    config,
    deps: {
      models: {
        get: async (ref?: string) => {
          const model = await rules.get(ref);
          return {
            generate: async (request: ChatRequest) => {
              process.stdout.write('step started\n');
              const result = await model.generate(request);
              process.stdout.write('step done\n');
              return result;
            },
          };
        },
        close: async () => undefined,
      },
      search: new SqliteSearchEngines(process.env.SEARCH_DB!),
      store: new LocalDirStore(process.env.ARTIFACT_DIR!),
      agent: config.agent,
      fineTuner: new RecordingFineTuner(),
      workDir: process.env.WORK_DIR!,
    },
  });
  process.stdout.write('worker ready\n');
  await worker.run();
  await connection.close();
  process.stdout.write('worker stopped\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
