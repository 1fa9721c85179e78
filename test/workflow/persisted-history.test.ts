/**
 * `restact dev` keeps its history on disk: after the dev server restarts, a trajectory it ran can still be
 * replayed and shown (`restact replay ID --show`), with no worker and no model or search index configured.
 */
import net from 'node:net';
import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { startDevServer } from '../../client/dev-server';
import { createWorker } from '../../worker';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { ScriptedModel } from '../helpers/scripted-model';
import { TWO_SEARCHES } from '../helpers/scripts';
import { TWO_SEARCHES_QUESTION } from '../replay/fixtures';
import { restact } from '../helpers/cli';
import { installQuietRuntime, sampleSearchEngine, tempDir, testConfig } from '../helpers/temporal';

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });

jest.setTimeout(120_000);

test('after the dev server restarts on its history file, a trajectory replays and shows from that history', async () => {
  installQuietRuntime();
  const dir = tempDir('persisted');
  const options = { port: await freePort(), uiPort: await freePort(), dbFile: path.join(dir, 'temporal.sqlite') };
  const config = testConfig();
  let server = await startDevServer(options);
  const search = sampleSearchEngine();
  try {
    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await createWorker({ connection, config, deps: { models: new ScriptedModel(TWO_SEARCHES), search, store: new LocalDirStore(path.join(dir, 'artifacts')), agent: config.agent } });
    const clientConnection = await Connection.connect({ address: server.address });
    await worker.runUntil(new Client({ connection: clientConnection }).workflow.execute('trajectoryWorkflow', { taskQueue: config.temporal.taskQueue, workflowId: 'traj-persisted', args: [{ questionId: 'q1', question: TWO_SEARCHES_QUESTION }] }));
    await clientConnection.close();
    await connection.close();
  } finally {
    await server.stop();
    await search.close();
  }

  server = await startDevServer(options);
  try {
    const env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, RESTACT_MODEL: path.join(dir, 'none.gguf'), RESTACT_SEARCH_DB: path.join(dir, 'none.sqlite') };
    const r = await restact(['replay', 'traj-persisted', '--show'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('traj-persisted  answered  10 steps, from the history');
    expect(r.stdout).toMatch(/ 1\. decision +Search\(query="Scott Derrickson nationality"\)/);
    // 74 events, not the two-searches fixture's 72: this run records patched('stop-when-nothing-new') (its marker).
    expect(r.stdout).toContain('ok: traj-persisted (trajectoryWorkflow, 74 events, from the server)');
    // No worker polls the run's task queue any more: the history alone is shown, and the command says why.
    expect(r.stderr).toContain(`no worker polls task queue ${config.temporal.taskQueue}`);
  } finally {
    await server.stop();
  }
});
