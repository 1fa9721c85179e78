/**
 * Server restart: `restact dev` (the built CLI: the embedded Temporal server with its history in SQLite, and its own
 * idle worker) is stopped with Ctrl-C in the middle of a campaign round and started again on the same file; the
 * round's worker (a separate process with the test doubles) keeps running. The round continues from where it was
 * and completes with exactly the trajectories and ranked steps its settings imply.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { campaignWorkflow } from '../../workflows/campaign';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { buildSqliteIndex } from '../../adapters/search/sqlite-fts';
import { CampaignSchema } from '../../lib/rest/campaign-settings';
import { campaignWorkflowId } from '../../lib/workflow-ids';
import { installQuietRuntime, tempDir } from '../helpers/temporal';
import { killWorker, startWorkerProcess } from '../helpers/spawn-worker';
import { bySize } from '../helpers/reliability';

const ROOT = path.join(__dirname, '../..');
const DATA = path.join(ROOT, 'data/hotpotqa-dev50');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** `restact dev --config FILE`; resolves with the process and the server address once it prints them. */
function startDev(configFile: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/restact.js'), 'dev', '--config', configFile], { cwd: path.dirname(configFile), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let errText = '';
  child.stderr!.on('data', (d) => (errText = (errText + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /Temporal dev server:\s+(\S+)/.exec(out);
      if (m && out.includes('Ctrl-C stops both')) resolve({ child, address: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`restact dev exited (${code}): ${errText}`)));
  });
}

/** Ctrl-C, and wait until the command has exited (it stops its server first). */
async function stopDev(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  await exited;
}

jest.setTimeout(bySize(300_000, 600_000));

test('a round continues after `restact dev` (its server, history in SQLite) is stopped and started again mid-round', async () => {
  installQuietRuntime();
  const dir = tempDir('server-restart');
  const db = path.join(dir, 'index.sqlite');
  buildSqliteIndex({ corpusPath: path.join(DATA, 'corpus.jsonl'), dbPath: db });
  const store = new LocalDirStore(path.join(dir, 'artifacts'));
  const questions = fs.readFileSync(path.join(DATA, 'questions.jsonl'), 'utf8').trim().split('\n');
  const nq = bySize(6, 16);
  await store.put('q.jsonl', questions.slice(0, nq).join('\n') + '\n');
  await store.put('eval.jsonl', questions.slice(40, 42).join('\n') + '\n');
  const configFile = path.join(dir, 'restact.config.json');
  const config = {
    temporal: { taskQueue: 'restact-dev-idle', devServer: { port: await freePort(), uiPort: await freePort(), dbFile: path.join(dir, 'temporal.sqlite') } },
    // `restact dev`'s own worker idles on its queue; a model it never calls loads nothing.
    llm: { provider: 'openai', baseURL: 'http://127.0.0.1:9/v1', model: 'unused' },
    search: { provider: 'sqlite', dbPath: db },
    artifacts: { dir: path.join(dir, 'dev-artifacts'), workDir: path.join(dir, 'dev-work') },
  };
  fs.writeFileSync(configFile, JSON.stringify(config));

  let dev = await startDev(configFile);
  const taskQueue = `server-restart-${process.pid}`;
  const worker = await startWorkerProcess({ TEMPORAL_ADDRESS: dev.address, TASK_QUEUE: taskQueue, ARTIFACT_DIR: store.location, SEARCH_DB: db, WORK_DIR: path.join(dir, 'work'), DELAY_MS: '200' });
  const connection = await Connection.connect({ address: dev.address });
  try {
    const client = new Client({ connection });
    const settings = CampaignSchema.parse({
      name: 'restart', rounds: 1, questions: { file: 'x' }, evalQuestions: { file: 'x' },
      samplesPerQuestion: [1], stepSamples: 1, maxSearches: 2, concurrency: 2, batchSize: 3,
    });
    const workflowId = campaignWorkflowId('server-restart');
    const handle = await client.workflow.start(campaignWorkflow, {
      taskQueue,
      workflowId,
      args: [{ campaignId: 'server-restart', questionsKey: 'q.jsonl', questionCount: nq, evalQuestionsKey: 'eval.jsonl', evalQuestionCount: 2, settings }],
    });
    const { runId } = await handle.describe();

    const trajDir = path.join(store.location, 'trajectories');
    const finished = () => (fs.existsSync(trajDir) ? fs.readdirSync(trajDir).filter((d) => fs.existsSync(path.join(trajDir, d, 'trajectory.json'))).length : 0);
    for (let i = 0; i < 600 && finished() < 2; i++) await sleep(100);
    await stopDev(dev.child);
    const atStop = finished();
    expect(atStop).toBeLessThan(nq); // mid-round
    await sleep(3_000); // the worker's polls fail meanwhile
    dev = await startDev(configFile);

    const result = await handle.result();
    const [round] = result.rounds;
    expect(round).toMatchObject({ questions: nq, trajectories: nq, failedTrajectories: 0, rankedSteps: 6 * nq });
    expect(round.eval).toMatchObject({ n: 2, answered: 2 });
    expect(finished()).toBe(nq + 2);
    // The same run, continued: not started over.
    expect((await handle.describe()).runId).toBe(runId);
    process.stdout.write(`server stopped with ${atStop}/${nq} trajectories done; the round completed after the restart\n`);
  } finally {
    await killWorker(worker);
    await connection.close();
    await stopDev(dev.child);
  }
});
