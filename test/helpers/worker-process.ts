/**
 * A worker in its own process, with the ReST test doubles, for the worker-restart test:
 *   tsx test/helpers/worker-process.ts   (env: TEMPORAL_ADDRESS, TASK_QUEUE, ARTIFACT_DIR, SEARCH_DB, WORK_DIR, DELAY_MS)
 */
import { NativeConnection } from '@temporalio/worker';
import { createWorker } from '../../worker';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { SqliteSearchEngines } from '../../adapters/search/sqlite-fts';
import { AGENT_RULES, RecordingFineTuner, RuleModel } from './rule-model';
import { testConfig } from './temporal';

async function main() {
  const config = testConfig({}, process.env.TASK_QUEUE!);
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await createWorker({
    connection,
    config,
    deps: {
      models: new RuleModel(AGENT_RULES, Number(process.env.DELAY_MS ?? 0)),
      search: new SqliteSearchEngines(process.env.SEARCH_DB!),
      store: new LocalDirStore(process.env.ARTIFACT_DIR!),
      agent: config.agent,
      fineTuner: new RecordingFineTuner(),
      workDir: process.env.WORK_DIR!,
    },
  });
  process.stdout.write('worker ready\n');
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
