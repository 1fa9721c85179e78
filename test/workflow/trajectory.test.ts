/** trajectoryWorkflow on the real dev server, with a scripted ChatModel and the real search index. */
import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from '@temporalio/worker';
import { createWorker } from '../../worker';
import { trajectoryWorkflow } from '../../workflows';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { buildSqliteIndex } from '../../adapters/search/sqlite-fts';
import { getJson } from '../../ports/artifact-store';
import type { Trajectory, TrajectoryInput, TrajectoryResult } from '../../lib/trajectory';
import { QUESTION_ID } from '../../lib/search-attributes';
import { NonRetryableError, RetryLaterError } from '../../ports/errors';
import { ScriptedModel, type ScriptEntry } from '../helpers/scripted-model';
import { TWO_SEARCHES } from '../helpers/scripts';
import { TWO_SEARCHES_QUESTION } from '../replay/fixtures';
import { tempDir, testConfig, workflowTestSuite } from '../helpers/temporal';
import { runTrajectoryInProcess } from '../../bench/plain-loop';

const QUESTION = TWO_SEARCHES_QUESTION;

const suite = workflowTestSuite();

async function runTrajectory(script: Record<string, ScriptEntry[]>, id: string, extra: Partial<TrajectoryInput> = {}) {
  const model = new ScriptedModel(script);
  const store = new LocalDirStore(tempDir('artifacts'));
  const config = testConfig();
  const worker: Worker = await createWorker({
    connection: suite.env.nativeConnection,
    config,
    deps: { models: model, search: suite.search, store, agent: config.agent },
    workflowBundle: suite.bundle,
  });
  const result: TrajectoryResult = await worker.runUntil(
    suite.env.client.workflow.execute(trajectoryWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: id,
      args: [{ questionId: 'q1', question: QUESTION, ...extra }],
      typedSearchAttributes: [{ key: QUESTION_ID, value: 'q1' }],
    }),
  );
  const trajectory = await getJson<Trajectory>(store, result.trajectoryRef);
  return { result, trajectory, model, store };
}

test('a two-search trajectory: decide, search, summarise twice, then answer and both self-checks', async () => {
  const { result, trajectory, model } = await runTrajectory(TWO_SEARCHES, 'traj-two-searches');
  expect(result).toMatchObject({ status: 'answered', answer: 'yes', searches: 2, steps: 10 });
  expect(trajectory.steps.map((s) => s.kind)).toEqual([
    'decision', 'search', 'summary', 'decision', 'search', 'summary', 'decision', 'answer', 'relevance_check', 'grounding_check',
  ]);
  const firstSearch = trajectory.steps[1];
  expect(firstSearch.kind === 'search' && firstSearch.results.map((r) => r.title)).toContain('Scott Derrickson');
  // The summary step saw what the search returned, and later decisions saw the summaries.
  expect(model.callsFor('summary')[0].messages[1].content).toContain('SearchResult(id=1, title="');
  expect(model.callsFor('decision')[2].messages[1].content).toContain('Ed Wood was an American filmmaker.');
  expect(model.callsFor('decision')[2].messages[1].content).toContain('REMAINING_SEARCHES: int = 8');
  // Each LLM step records prompt, raw output, parsed value, token counts and latency.
  const decision = trajectory.steps[0];
  expect(decision).toMatchObject({ kind: 'decision', status: 'ok', raw: 'Search(query="Scott Derrickson nationality")', parsed: { call: 'Search', query: 'Scott Derrickson nationality' } });
  expect(decision.kind !== 'search' && decision.prompt).toContain('ORIGINAL_QUESTION: str = "Were Scott Derrickson');
  expect(decision.kind !== 'search' && decision.tokens.prompt).toBeGreaterThan(0);
  expect(decision.kind !== 'search' && typeof decision.latencyMs).toBe('number');
});

test('a revision by a self-check replaces the answer', async () => {
  const { result } = await runTrajectory({ ...TWO_SEARCHES, relevance_check: ['Revise_Answer(revised_answer="no")'], grounding_check: ['Check_Answer(passed=True)'] }, 'traj-revised');
  expect(result).toMatchObject({ status: 'answered', answer: 'no' });
});

test('a revision that does not fit the question type is re-asked (a yes/no question wants yes or no)', async () => {
  const { result, trajectory } = await runTrajectory(
    { ...TWO_SEARCHES, relevance_check: ['Revise_Answer(revised_answer="yes, both American")', 'Check_Answer(passed=True)'] },
    'traj-revision-type',
  );
  expect(result).toMatchObject({ status: 'answered', answer: 'yes' });
  const relevance = trajectory.steps.find((s) => s.kind === 'relevance_check')!;
  expect(relevance.kind !== 'search' && relevance.attempts.map((a) => a.error)).toEqual(['revised_answer: this is a yes/no question: answer "yes" or "no"', undefined]);
});

test('a revision to the same answer counts as a pass', async () => {
  const { result } = await runTrajectory({ ...TWO_SEARCHES, relevance_check: ['Revise_Answer(revised_answer="Yes.")'] }, 'traj-same-revision');
  expect(result).toMatchObject({ status: 'answered', answer: 'yes' });
});

test('an unparsable output is re-asked with a repair note, and the repaired output is used', async () => {
  const { result, trajectory, model } = await runTrajectory(
    { ...TWO_SEARCHES, decision: ['I think we should search for Scott Derrickson', ...TWO_SEARCHES.decision] },
    'traj-repair',
  );
  expect(result.status).toBe('answered');
  const repaired = model.callsFor('decision')[1].messages[1].content;
  expect(repaired).toMatch(/# The previous attempt was not valid \(.+\)\. Write exactly one line of Python: Search\(query="\.\.\."\) or Terminate\(\)\./);
  const first = trajectory.steps[0];
  expect(first.kind === 'decision' && first.attempts.map((a) => a.error === undefined)).toEqual([false, true]);
});

test('a step that stays unparsable ends the trajectory as failed, with the raw text recorded', async () => {
  const { result, trajectory } = await runTrajectory(
    { ...TWO_SEARCHES, answer: ['the answer is yes', 'Answer(yes)', 'Answer(text=)'] },
    'traj-step-fails',
  );
  expect(result.status).toBe('failed');
  expect(result.answer).toBeNull();
  expect(result.failure).toMatch(/answer output unparsable after 3 attempt\(s\): .*; the model returned "Answer\(text=\)"/);
  const last = trajectory.steps[trajectory.steps.length - 1];
  expect(last).toMatchObject({ kind: 'answer', status: 'failed', raw: 'Answer(text=)' });
  expect(trajectory.status).toBe('failed');
});

test('an LLM activity that throws twice is retried by Temporal and then succeeds', async () => {
  const { result, model } = await runTrajectory(
    { ...TWO_SEARCHES, answer: [new Error('HTTP 503 from the model server'), new Error('connection reset'), 'Answer(text="yes")'] },
    'traj-transient',
  );
  expect(result).toMatchObject({ status: 'answered', answer: 'yes' });
  expect(model.callsFor('answer')).toHaveLength(3);
});

test('a NonRetryableError is not retried: the trajectory fails at once with the message', async () => {
  const { result, model } = await runTrajectory({ ...TWO_SEARCHES, decision: [new NonRetryableError('model file not found: x.gguf')] }, 'traj-config-error');
  expect(result.status).toBe('failed');
  expect(result.failure).toMatch(/NonRetryableError: model file not found/);
  expect(model.callsFor('decision')).toHaveLength(1);
});

test('the index a request names travels with it: the worker searches that index, not its configured one', async () => {
  const dir = tempDir('other-index');
  const passages = [
    { id: 'p1', title: 'Scott Derrickson (other corpus)', text: 'Scott Derrickson is a filmmaker.' },
    { id: 'p2', title: 'Ed Wood (other corpus)', text: 'Ed Wood was a filmmaker.' },
  ];
  fs.writeFileSync(path.join(dir, 'corpus.jsonl'), passages.map((p) => JSON.stringify(p)).join('\n') + '\n');
  const dbPath = path.join(dir, 'other.sqlite');
  buildSqliteIndex({ corpusPath: path.join(dir, 'corpus.jsonl'), dbPath });
  const oneResultEach = { ...TWO_SEARCHES, summary: TWO_SEARCHES.summary.map((s) => (s as string).replace('[1, 2]', '[1]')) };
  const { result, trajectory } = await runTrajectory(oneResultEach, 'traj-other-index', { searchDb: dbPath });
  expect(result.status).toBe('answered');
  const first = trajectory.steps[1];
  expect(first.kind === 'search' && first.results.map((r) => r.title)[0]).toBe('Scott Derrickson (other corpus)');
});

test('a named index missing on the worker fails the trajectory at once, naming the path', async () => {
  const { result } = await runTrajectory(TWO_SEARCHES, 'traj-missing-index', { searchDb: '/nonexistent/index.sqlite' });
  expect(result.status).toBe('failed');
  expect(result.failure).toMatch(/Search index not found at \/nonexistent\/index.sqlite on the worker's machine/);
});

test('a RetryLaterError (HTTP 429 with Retry-After) is retried after the delay the server asked, not the policy backoff', async () => {
  const { result, model } = await runTrajectory(
    { ...TWO_SEARCHES, answer: [new RetryLaterError('HTTP 429: slow down', 3000), 'Answer(text="yes")'] },
    'traj-retry-later',
  );
  expect(result).toMatchObject({ status: 'answered', answer: 'yes' });
  const answers = model.calls.map((c, i) => ({ c, t: model.callTimes[i] })).filter((x) => x.c.grammar?.name === 'answer');
  expect(answers).toHaveLength(2);
  // The retry policy's first backoff is 1 s; the server asked for 3 s.
  expect(answers[1].t - answers[0].t).toBeGreaterThanOrEqual(2900);
});

describe('with local steps (temporal.localSteps): the same agent, its steps as local activities', () => {
  const local = { localSteps: true };

  test('the two-search trajectory takes the same steps and gives the same answer, in a third of the history', async () => {
    const { result, trajectory } = await runTrajectory(TWO_SEARCHES, 'traj-local-two-searches', local);
    const { result: remote, trajectory: remoteTrajectory } = await runTrajectory(TWO_SEARCHES, 'traj-remote-two-searches');
    expect({ ...result, workflowId: '', trajectoryRef: '' }).toEqual({ ...remote, workflowId: '', trajectoryRef: '' });
    expect(trajectory.steps.map((s) => s.kind)).toEqual(remoteTrajectory.steps.map((s) => s.kind));
    const events = async (id: string) => (await suite.env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    const localEvents = await events('traj-local-two-searches');
    expect(localEvents.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    expect(localEvents.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toHaveLength(11); // 10 steps and the save
    expect(localEvents.length * 2).toBeLessThan((await events('traj-remote-two-searches')).length);
  });

  test('a NonRetryableError fails the trajectory at once, naming the activity as a regular one would', async () => {
    const { result, model } = await runTrajectory({ ...TWO_SEARCHES, decision: [new NonRetryableError('model file not found: x.gguf')] }, 'traj-local-config-error', local);
    expect(result.status).toBe('failed');
    expect(result.failure).toMatch(/^activity decide failed: NonRetryableError: model file not found/);
    expect(model.callsFor('decision')).toHaveLength(1);
  });

  test('a step that throws is retried by the retry policy, and a RetryLaterError waits the delay the server asked', async () => {
    const { result, model } = await runTrajectory(
      { ...TWO_SEARCHES, answer: [new Error('connection reset'), new RetryLaterError('HTTP 429: slow down', 3000), 'Answer(text="yes")'] },
      'traj-local-retries',
      local,
    );
    expect(result).toMatchObject({ status: 'answered', answer: 'yes' });
    const answers = model.calls.map((c, i) => ({ c, t: model.callTimes[i] })).filter((x) => x.c.grammar?.name === 'answer');
    expect(answers).toHaveLength(3);
    expect(answers[2].t - answers[1].t).toBeGreaterThanOrEqual(2900);
  });
});

test("the overhead benchmark's plain loop (bench/plain-loop.ts) takes the same steps as the workflow", async () => {
  const { result, trajectory } = await runTrajectory(TWO_SEARCHES, 'traj-vs-plain-loop');
  const store = new LocalDirStore(tempDir('plain-loop'));
  const plain = await runTrajectoryInProcess({ models: new ScriptedModel(TWO_SEARCHES), search: suite.search, store, agent: testConfig().agent }, { trajectoryId: 'plain', question: QUESTION, maxSearches: 10 });
  const saved = await getJson<Trajectory>(store, 'trajectories/plain/trajectory.json');
  expect(plain).toEqual({ status: 'answered', llmSteps: 8, activities: 11 });
  expect(saved.steps.map((s) => s.kind)).toEqual(trajectory.steps.map((s) => s.kind));
  expect(saved.answer).toBe(result.answer);
});
