/**
 * Graceful shutdown on SIGTERM: running activities finish (and report to the server) before the worker exits.
 *  - `restact worker`-style worker process: the step it was running completes in the history, the process exits 0,
 *    and a new worker finishes the trajectory.
 *  - a command with the embedded dev server and an in-process worker (`campaign start --wait`, `ask`): the server
 *    stays up until the worker has drained, then stops; the command says it was interrupted and exits.
 */
import net from 'node:net';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { buildSqliteIndex } from '../../adapters/search/sqlite-fts';
import { startTestEnv, tempDir } from '../helpers/temporal';

const ROOT = path.join(__dirname, '../..');
let env: TestWorkflowEnvironment;
let db: string;

beforeAll(async () => {
  db = path.join(tempDir('shutdown-index'), 'index.sqlite');
  buildSqliteIndex({ corpusPath: path.join(ROOT, 'data/hotpotqa-dev50/corpus.jsonl'), dbPath: db });
  env = await startTestEnv();
}, 60_000);
afterAll(async () => {
  await env?.teardown();
});

jest.setTimeout(180_000);

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  waitFor: (text: string) => Promise<void>;
  exited: Promise<number | null>;
}

function start(script: string, vars: Record<string, string>): Proc {
  // `node --import tsx` (not the tsx wrapper script), so the signal reaches the process under test itself.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../helpers', script)], { cwd: ROOT, env: { ...process.env, ...vars }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (d) => {
    stdout += d;
    waiters.forEach((w) => w());
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => stdout.includes(text) && resolve();
      waiters.push(check);
      check();
      void exited.then(() => reject(new Error(`process exited before printing "${text}":\n${stdout}\n${stderr.slice(-3000)}`)));
    });
  return { child, stdout: () => stdout, stderr: () => stderr, waitFor, exited };
}

const eventsOf = async (workflowId: string) => (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
const { EventType } = temporal.api.enums.v1;

test('SIGTERM: the worker finishes its running activity, reports it, and exits; another worker completes the run', async () => {
  const dir = tempDir('shutdown');
  const taskQueue = `shutdown-${Math.random().toString(36).slice(2)}`;
  const vars = { TEMPORAL_ADDRESS: env.address, TASK_QUEUE: taskQueue, ARTIFACT_DIR: path.join(dir, 'artifacts'), SEARCH_DB: db, WORK_DIR: path.join(dir, 'work'), DELAY_MS: '4000', GRACE_SECONDS: '20' };
  const first = start('worker-process.ts', vars);
  await first.waitFor('worker ready');
  const handle = await env.client.workflow.start('trajectoryWorkflow', { taskQueue, workflowId: 'traj-sigterm', args: [{ questionId: 'q1', question: 'Were Scott Derrickson and Ed Wood of the same nationality?', maxSearches: 2 }] });
  await first.waitFor('step started');
  const signalled = Date.now();
  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);
  expect(first.stdout()).toMatch(/step started\nstep done\n(.|\n)*worker stopped/);
  expect(Date.now() - signalled).toBeLessThan(20_000);
  // The step it was running completed on that worker: no timeout, no failure, no second attempt.
  const events = await eventsOf('traj-sigterm');
  const decide = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'decide')!;
  const completed = events.find((e) => e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === decide.eventId!.toString());
  expect(completed).toBeDefined();
  expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT || e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)).toEqual([]);

  const second = start('worker-process.ts', { ...vars, DELAY_MS: '0' });
  try {
    expect(await handle.result()).toMatchObject({ status: 'answered' });
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
});

const listening = (address: string) =>
  new Promise<boolean>((resolve) => {
    const [host, port] = address.split(':');
    const socket = net.connect(Number(port), host, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

test('SIGTERM to a command on the embedded server: the worker drains first, then the server stops, and the command exits', async () => {
  const dir = tempDir('shutdown-embedded');
  const session = start('embedded-session.ts', { ARTIFACT_DIR: path.join(dir, 'artifacts'), SEARCH_DB: db, DELAY_MS: '4000', TEMPORAL_ADDRESS: '' });
  await session.waitFor('step started');
  const address = /server (\S+)/.exec(session.stdout())![1];
  session.child.kill('SIGTERM');
  const code = await session.exited;
  if (code !== 130) throw new Error(`exit ${code}\n${session.stdout()}\n${session.stderr().slice(-4000)}`);
  expect(session.stdout()).toMatch(/step started\nstep done\nsession ended: InterruptedError: interrupted/);
  // The finished step reached the server: no failed heartbeats or completions (the server used to be killed first).
  expect(session.stderr()).not.toMatch(/heartbeat|Failed to complete|transport error|Connection refused/i);
  expect(await listening(address)).toBe(false);
});
