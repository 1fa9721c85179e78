/**
 * Durability: the worker process is killed in the middle of a round and a new one is started; the round
 * completes with no trajectory lost or duplicated (counts and artifact files).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, ChildProcess } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { campaignWorkflow } from '../../workflows/campaign';
import { progressQuery } from '../../workflows/signals';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { buildSqliteIndex } from '../../adapters/search/sqlite-fts';
import { CampaignSchema } from '../../lib/rest/campaign-settings';
import { startTestEnv, tempDir } from '../helpers/temporal';

const ROOT = path.join(__dirname, '../..');
const DATA = path.join(ROOT, 'data/hotpotqa-dev50');
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startTestEnv();
}, 60_000);
afterAll(async () => {
  await env?.teardown();
});

function startWorker(vars: Record<string, string>): Promise<ChildProcess> {
  // `node --import tsx` (not the tsx wrapper script), so the PID we kill is the worker itself.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../helpers/worker-process.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('worker ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`worker exited early (${code}): ${stderr.slice(-2000)}`)));
  });
}

jest.setTimeout(240_000);

test('a round survives its worker being killed mid-collection, with no trajectory lost or duplicated', async () => {
  const dir = tempDir('restart');
  const db = path.join(dir, 'index.sqlite');
  buildSqliteIndex({ corpusPath: path.join(DATA, 'corpus.jsonl'), dbPath: db });
  const store = new LocalDirStore(path.join(dir, 'artifacts'));
  const questions = fs.readFileSync(path.join(DATA, 'questions.jsonl'), 'utf8').trim().split('\n');
  await store.put('q.jsonl', questions.slice(0, 6).join('\n') + '\n');
  await store.put('eval.jsonl', questions.slice(20, 21).join('\n') + '\n');
  const taskQueue = `restart-${Math.random().toString(36).slice(2)}`;
  const vars = { TEMPORAL_ADDRESS: env.address, TASK_QUEUE: taskQueue, ARTIFACT_DIR: store.location, SEARCH_DB: db, WORK_DIR: path.join(dir, 'work'), DELAY_MS: '150' };

  let worker = await startWorker(vars);
  const settings = CampaignSchema.parse({
    name: 'restart', rounds: 1, questions: { file: 'x' }, evalQuestions: { file: 'x' },
    samplesPerQuestion: [1], stepSamples: 1, maxSearches: 2, concurrency: 2, batchSize: 3,
  });
  const handle = await env.client.workflow.start(campaignWorkflow, {
    taskQueue,
    workflowId: 'campaign-restart',
    args: [{ campaignId: 'restart', questionsKey: 'q.jsonl', questionCount: 6, evalQuestionsKey: 'eval.jsonl', evalQuestionCount: 1, settings }],
  });

  // Kill the worker once some, but not all, trajectories are done.
  const trajDir = path.join(store.location, 'trajectories');
  const finished = () => (fs.existsSync(trajDir) ? fs.readdirSync(trajDir).filter((d) => fs.existsSync(path.join(trajDir, d, 'trajectory.json'))).length : 0);
  for (let i = 0; i < 300 && finished() < 2; i++) await new Promise((r) => setTimeout(r, 100));
  worker.kill('SIGKILL');
  await new Promise((r) => worker.once('exit', r));
  // Mid-round: some trajectories are done, not all, and the campaign is still open.
  expect(finished()).toBeGreaterThanOrEqual(2);
  expect(finished()).toBeLessThan(6);
  expect((await handle.describe()).status.name).toBe('RUNNING');

  worker = await startWorker(vars);
  try {
    const result = await handle.result();
    expect((await handle.query(progressQuery)).phase).toBe('done');
    const [round] = result.rounds;
    expect(round).toMatchObject({ questions: 6, trajectories: 6, failedTrajectories: 0, rankedSteps: 36 });
    // One trajectory file per (question, sample) of collection plus one for the evaluation question; one ranking each.
    const collected = fs.readdirSync(trajDir).filter((d) => d.includes('.collect.'));
    expect(collected.sort()).toEqual(questions.slice(0, 6).map((l) => `campaign-restart.r0.collect.traj-${JSON.parse(l).id}-0`).sort());
    expect(await store.list('campaigns/restart/round-0/ranked/')).toHaveLength(6);
    const lines = (await store.get(round.dataset.trainKey)).toString().trim().split('\n').length + round.dataset.validation;
    expect(lines).toBe(36);
  } finally {
    worker.kill('SIGKILL');
  }
});
