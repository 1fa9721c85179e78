/**
 * Durability of evalWorkflow: its worker process is killed mid-evaluation and a new one started; the evaluation
 * completes without running any finished trajectory or judgement again (its history shows each once).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, ChildProcess } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { evalWorkflow } from '../../workflows/eval';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { buildSqliteIndex } from '../../adapters/search/sqlite-fts';
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
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../helpers/worker-process.ts')], { cwd: ROOT, env: { ...process.env, ...vars }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('worker ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`worker exited early (${code}): ${stderr.slice(-2000)}`)));
  });
}

jest.setTimeout(240_000);

test('an evaluation survives its worker being killed, without re-running finished questions', async () => {
  const dir = tempDir('eval-restart');
  const db = path.join(dir, 'index.sqlite');
  buildSqliteIndex({ corpusPath: path.join(DATA, 'corpus.jsonl'), dbPath: db });
  const store = new LocalDirStore(path.join(dir, 'artifacts'));
  const questions = fs.readFileSync(path.join(DATA, 'questions.jsonl'), 'utf8').trim().split('\n').slice(0, 6);
  await store.put('q.jsonl', questions.join('\n') + '\n');
  const taskQueue = `eval-restart-${Math.random().toString(36).slice(2)}`;
  const vars = { TEMPORAL_ADDRESS: env.address, TASK_QUEUE: taskQueue, ARTIFACT_DIR: store.location, SEARCH_DB: db, DELAY_MS: '150' };

  let worker = await startWorker(vars);
  const handle = await env.client.workflow.start(evalWorkflow, {
    taskQueue,
    workflowId: 'eval-restart',
    args: [{
      evalId: 'restart', title: 'restart', questionsKey: 'q.jsonl', questionCount: 6, models: [{ label: 'base' }], runs: 1,
      judge: { label: 'rules', weak: false }, maxSearches: 2, temperature: 0, concurrency: 2, outPrefix: 'evals/restart', seed: 's', resamples: 100,
    }],
  });
  const answersDir = path.join(store.location, 'evals/restart/answers/m0');
  const scored = () => (fs.existsSync(answersDir) ? fs.readdirSync(answersDir).filter((f) => f.endsWith('.json')).length : 0);
  for (let i = 0; i < 300 && scored() < 2; i++) await new Promise((r) => setTimeout(r, 100));
  worker.kill('SIGKILL');
  await new Promise((r) => worker.once('exit', r));
  expect(scored()).toBeGreaterThanOrEqual(2);
  expect(scored()).toBeLessThan(6);
  expect((await handle.describe()).status.name).toBe('RUNNING');

  worker = await startWorker(vars);
  try {
    const outcome = await handle.result();
    expect(outcome.models[0]).toMatchObject({ questions: 6, answers: 6 });
    expect(scored()).toBe(6);
    // Each trajectory started once and each answer judged once: finished work came back from history.
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toHaveLength(6);
    const scoring = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'scoreAnswer');
    expect(scoring).toHaveLength(6);
    // AGENT_RULES answer "yes": right exactly for the questions whose reference is yes.
    const yes = questions.filter((l) => JSON.parse(l).answers[0] === 'yes').length;
    expect(outcome.models[0].metrics.em.value).toBeCloseTo(yes / 6, 12);
  } finally {
    worker.kill('SIGKILL');
  }
});
