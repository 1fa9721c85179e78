/**
 * A worker in its own process, with the ReST test doubles, for tests that kill it or stop it (worker restarts and
 * shutdown, the reliability suite) and for the scale benchmark, which measures its memory:
 *   node --import tsx test/helpers/worker-process.ts
 * Environment: TEMPORAL_ADDRESS, TASK_QUEUE, ARTIFACT_DIR, SEARCH_DB, WORK_DIR, DELAY_MS (the rule model's delay
 * per call); optional GRACE_SECONDS (the shutdown grace), ACTIVITY_SLOTS (concurrent activities, default 8) and
 * FINE_TUNE_URL (fine-tune through the real OpenAI fine-tuning adapter against this URL, a test double of the API,
 * instead of the recording fine-tuner).
 * It prints `worker ready`, then `step started` / `step done` around each model call, and `worker stopped` when a
 * shutdown signal has drained it.
 */
import { NativeConnection } from '@temporalio/worker';
import { createWorker } from '../../worker';
import type { ChatRequest } from '../../ports/chat-model';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { SqliteSearchEngines } from '../../adapters/search/sqlite-fts';
import { OpenAiFineTuner } from '../../adapters/finetune/openai-finetune';
import { AGENT_RULES, RecordingFineTuner, RuleModel } from './rule-model';
import { testConfig } from './temporal';

async function main() {
  const env = process.env;
  const config = testConfig({}, env.TASK_QUEUE!);
  if (env.GRACE_SECONDS) config.worker = { ...config.worker, shutdownGraceSeconds: Number(env.GRACE_SECONDS) };
  if (env.ACTIVITY_SLOTS && config.llm.provider === 'llama') config.llm.sequences = Number(env.ACTIVITY_SLOTS);
  const rules = new RuleModel(AGENT_RULES, Number(env.DELAY_MS ?? 0));
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS! });
  const fineTuner = env.FINE_TUNE_URL ? new OpenAiFineTuner({ baseURL: env.FINE_TUNE_URL, apiKey: 'test', pollIntervalMs: 200, eventsPerPoll: 0 }) : new RecordingFineTuner();
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
      search: new SqliteSearchEngines(env.SEARCH_DB!),
      store: new LocalDirStore(env.ARTIFACT_DIR!),
      agent: config.agent,
      fineTuner,
      workDir: env.WORK_DIR!,
    },
  });
  process.stdout.write(`worker ready ${process.pid}\n`);
  await worker.run();
  await connection.close();
  process.stdout.write('worker stopped\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
