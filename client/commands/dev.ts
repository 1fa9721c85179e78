/** `restact dev`: the embedded dev server (Web UI, history kept on disk) and a worker, until Ctrl-C. */
import { NativeConnection } from '@temporalio/worker';
import { createWorkerDeps, createWorkers } from '../../worker';
import { commandConfig, out, parseFlags } from '../command-line';
import { startDevServer } from '../dev-server';
import { devServerDbFile, installRuntime, requireModelFile } from '../runtime';

export async function devCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {});
  const cfg = commandConfig(values.config);
  requireModelFile(cfg);
  installRuntime('WARN');
  const { port, uiPort } = cfg.temporal.devServer;
  // Stopped below, after the worker has drained: its running activities still report to it.
  const server = await startDevServer({ port, uiPort, dbFile: devServerDbFile(cfg), namespace: cfg.temporal.namespace, stoppedByOwner: true });
  const connection = await NativeConnection.connect({ address: server.address });
  const deps = createWorkerDeps(cfg);
  try {
    const workers = await createWorkers({ connection, config: cfg, deps, queue: 'all' });
    const uiUrl = server.uiUrl.replace('127.0.0.1', 'localhost');
    out(`Temporal dev server: ${server.address}`);
    out(`Web UI:              ${uiUrl}`);
    out(`Worker:              task queue ${cfg.temporal.taskQueue}${cfg.temporal.trainingTaskQueue ? ` and training task queue ${cfg.temporal.trainingTaskQueue}` : ''}`);
    // Other commands link to the configured UI port; when it was taken, tell them where the UI really is.
    const uiHint = new URL(server.uiUrl).port === String(uiPort) ? '' : ` TEMPORAL_UI_URL=${uiUrl}`;
    out(`In another terminal: TEMPORAL_ADDRESS=${server.address}${uiHint} npx restact ask "..."`);
    out('Ctrl-C stops both (running activities finish first; Ctrl-C again stops at once).');
    await Promise.all(workers.map((w) => w.run())); // return after SIGINT/SIGTERM (the SDK's shutdown signals)
  } finally {
    await deps.close();
    await connection.close();
    await server.stop();
  }
  return 0;
}
