/** `restact worker`: a worker for the configured server, until Ctrl-C; start more of them to scale out. */
import { NativeConnection } from '@temporalio/worker';
import { createWorker, createWorkerDeps } from '../../worker';
import { commandConfig, err, parseFlags, UsageError } from '../command-line';
import { temporalConnectionOptions } from '../config-loader';
import { installRuntime } from '../runtime';

export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {});
  const cfg = commandConfig(values.config);
  if (!cfg.temporal.address) throw new UsageError('restact worker needs a server: set TEMPORAL_ADDRESS (or temporal.address), or run `restact dev` for the embedded one.');
  installRuntime('INFO');
  const connection = await NativeConnection.connect(temporalConnectionOptions(cfg.temporal));
  const deps = createWorkerDeps(cfg);
  try {
    const worker = await createWorker({ connection, config: cfg, deps });
    err(`Worker polling task queue ${cfg.temporal.taskQueue} on ${cfg.temporal.address} (namespace ${cfg.temporal.namespace}); artifacts in ${cfg.artifacts.dir}; Ctrl-C stops it.`);
    await worker.run();
  } finally {
    await deps.close();
    await connection.close();
  }
  return 0;
}
