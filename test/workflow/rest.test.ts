/**
 * ReST round and campaign workflows on the real dev server, with a rule-based model and a recording trainer.
 * Longer than 250 lines: the tests share one campaign harness (runCampaign) and one dev server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { createWorker } from '../../worker';
import { campaignWorkflow, type CampaignResult } from '../../workflows/campaign';
import { progressQuery, stopSignal } from '../../workflows/signals';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { getJson } from '../../ports/artifact-store';
import { readModelRegistry } from '../../activities/register-model';
import type { LlmStepRecord, Trajectory } from '../../lib/trajectory';
import { trajectoryKey } from '../../lib/artifact-keys';
import { shuffleOrder } from '../../lib/rest/shuffle';
import { CampaignSchema, type CampaignSettings } from '../../lib/rest/campaign-settings';
import { runReport } from '../../client/commands/report';
import { withTemporal } from '../../client/runtime';
import { formatRoundSummary } from '../../client/print-campaign';
import { AGENT_RULES, RecordingFineTuner, RuleModel, typedAnswer, type Rule } from '../helpers/rule-model';
import { remoteClientConfig, tempDir, testConfig, workflowTestSuite } from '../helpers/temporal';

const DATA = path.join(__dirname, '../../data/hotpotqa-dev50');

const suite = workflowTestSuite();

const QUESTIONS = fs.readFileSync(path.join(DATA, 'questions.jsonl'), 'utf8').trim().split('\n');

function settings(overrides: Partial<CampaignSettings>): CampaignSettings {
  return CampaignSchema.parse({
    name: 'test',
    rounds: 1,
    questions: { file: 'unused' },
    evalQuestions: { file: 'unused' },
    samplesPerQuestion: [1],
    stepSamples: 2,
    maxSearches: 2,
    concurrency: 2,
    batchSize: 2,
    ...overrides,
  });
}

async function runCampaign(s: CampaignSettings, opts: { rules?: Record<string, Rule>; delayMs?: number; fineTuner?: RecordingFineTuner; questions?: number; evalQuestions?: number; onStarted?: (id: string) => Promise<void> } = {}) {
  const store = new LocalDirStore(tempDir('rest-artifacts'));
  const nq = opts.questions ?? 3;
  const ne = opts.evalQuestions ?? 2;
  await store.put('q.jsonl', QUESTIONS.slice(0, nq).join('\n') + '\n');
  await store.put('eval.jsonl', QUESTIONS.slice(10, 10 + ne).join('\n') + '\n');
  const model = new RuleModel(opts.rules ?? AGENT_RULES, opts.delayMs);
  const fineTuner = opts.fineTuner ?? new RecordingFineTuner();
  const config = testConfig();
  const worker = await createWorker({ connection: suite.env.nativeConnection, config, deps: { models: model, search: suite.search, store, agent: config.agent, fineTuner, workDir: tempDir('rest-work') }, workflowBundle: suite.bundle });
  const workflowId = `campaign-${Math.random().toString(36).slice(2)}`;
  const result: CampaignResult = await worker.runUntil(async () => {
    const handle = await suite.env.client.workflow.start(campaignWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ campaignId: workflowId, questionsKey: 'q.jsonl', questionCount: nq, evalQuestionsKey: 'eval.jsonl', evalQuestionCount: ne, settings: s }],
    });
    await opts.onStarted?.(workflowId);
    return handle.result();
  });
  return { result, model, fineTuner, store, workflowId };
}

test('a round collects, ranks, builds the dataset, fine-tunes and evaluates, with counts the config implies', async () => {
  const { result, model, fineTuner, store, workflowId } = await runCampaign(settings({ samplesPerQuestion: [2], stepSamples: 2 }));
  const [round] = result.rounds;
  // 3 questions x 2 samples; each trajectory: decide, summarise, decide, answer, 2 checks = 6 LLM steps.
  expect(round).toMatchObject({ questions: 3, trajectories: 6, failedTrajectories: 0, rankedSteps: 36, rankingFallbacks: 0 });
  // The worker's peak RSS (here the test process, which runs the worker) reaches the round summary and its print-out.
  expect(round.workerPeakRssMb).toBeGreaterThan(50);
  expect(formatRoundSummary(round)).toContain(`worker memory: peak RSS ${round.workerPeakRssMb} MB`);
  // The rules answer each step the same way every time, so no step has two different samples to rank ...
  expect(round.rankerCalls).toBe(0);
  expect(model.count('ranking')).toBe(0);
  // ... and both samples of a question give the same (prompt, target): 18 unique examples.
  expect(round.dataset.train + round.dataset.validation).toBe(18);
  expect(round.dataset.duplicatesRemoved).toBe(18);
  expect(Object.values(round.dataset.perStep).reduce((n, c) => n + c.train + c.validation, 0)).toBe(18);
  const lines = (await store.get(round.dataset.trainKey)).toString().trim().split('\n');
  expect(lines).toHaveLength(round.dataset.train);
  expect(JSON.parse(lines[0]).messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant']);
  // Every LLM step was sampled twice during collection; evaluation samples once.
  expect(model.count('decision')).toBe(6 * 2 * 2 + 2 * 2);
  expect(fineTuner.requests).toHaveLength(1);
  expect(fineTuner.requests[0]).toMatchObject({ baseModel: 'base', jobKey: `${workflowId}-round0` });
  expect(round.model).toBe(`ft-${workflowId}-round0`);
  expect(round.eval).toMatchObject({ n: 2, answered: 2 });
  expect(round.trainLoss).toEqual({ first: 2, last: 1, steps: 3 });
  // The model registry traces the model to its data and parent.
  expect(await readModelRegistry(store)).toEqual([expect.objectContaining({ model: round.model, parentModel: 'base', datasetKey: round.dataset.trainKey })]);
  // The campaign report and its per-round chart.
  expect(await store.exists(result.report!.chartKey)).toBe(true);
  expect((await store.get(result.report!.chartKey)).toString()).toContain('<svg');
  // Trajectories and rankings are in the artifact store, one per trajectory.
  expect(await store.list(`campaigns/${workflowId}/round-0/ranked/`)).toHaveLength(6);
  // Every activity heartbeats while it runs and is scheduled with a heartbeat timeout, so a dead worker is noticed
  // within it (test/reliability/worker-crashes.test.ts).
  const heartbeatTimeouts = new Map<string, boolean>();
  for (const id of [workflowId, `${workflowId}.r0`, `${workflowId}.r0.collect.batch-0`, `${workflowId}.r0.collect.traj-${JSON.parse(QUESTIONS[0]).id}-0`, `${workflowId}.r0.eval`]) {
    for (const e of (await suite.env.client.workflow.getHandle(id).fetchHistory()).events ?? []) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled) heartbeatTimeouts.set(scheduled.activityType!.name!, !!Number(scheduled.heartbeatTimeout?.seconds ?? 0));
    }
  }
  expect(Object.fromEntries(heartbeatTimeouts)).toEqual({
    decide: true, search: true, summarize: true, generateAnswer: true, checkRelevance: true, checkGrounding: true, saveTrajectory: true,
    loadQuestions: true, rankTrajectory: true, buildRoundDataset: true, fineTune: true, registerModel: true, writeCampaignReport: true,
    tallyFailures: true, scoreAnswer: true, writeEvalReport: true, // the last two: the round's evalWorkflow
  });
});

test('differing samples go to the ranker; its choice (shuffle undone) becomes the target; bad rankings fall back', async () => {
  const s0 = settings({ samplesPerQuestion: [1] });
  const rules: Record<string, Rule> = { ...AGENT_RULES, answer: (r, n) => typedAnswer(r, n % 2) };
  const { result, model, store, workflowId } = await runCampaign(settings({ samplesPerQuestion: [1] }), { rules, questions: 2, evalQuestions: 1 });
  const [round] = result.rounds;
  expect(round.trajectories).toBe(2);
  expect(round.rankerCalls).toBe(2); // one per answer step, the only step whose samples differ
  expect(round.rankingFallbacks).toBe(0);
  expect(model.count('ranking')).toBe(2);
  // The ranker always names the first candidate *as shown*; the target is that candidate's original sample.
  for (const key of await store.list(`campaigns/${workflowId}/round-0/ranked/`)) {
    const { items } = await getJson<{ items: Array<{ stepKind: string; sourceId: string; target: string; chosenBy: string; ranking?: number[] }> }>(store, key);
    const answer = items.find((i) => i.stepKind === 'answer')!;
    expect(answer.chosenBy).toBe('ranker');
    const [trajectoryId, index] = answer.sourceId.split('#');
    const trajectory = await getJson<Trajectory>(store, trajectoryKey(trajectoryId));
    const step = trajectory.steps[Number(index)] as LlmStepRecord;
    const shown = shuffleOrder(2, `${s0.dataset.seed}:0:${answer.sourceId}`);
    expect(answer.ranking![0]).toBe(shown[0]);
    // Targets are canonical completions of the open "answer =" line: the space the model writes, then the call.
    expect(answer.target).toBe(` ${step.samples![shown[0]].raw}`);
  }

  const garbled = await runCampaign(settings({ samplesPerQuestion: [1], ranker: { maxRepairs: 1 } }), {
    rules: { ...rules, ranking: () => 'Answer: #7' },
    questions: 1,
    evalQuestions: 1,
  });
  expect(garbled.result.rounds[0]).toMatchObject({ rankerCalls: 2, rankingFallbacks: 1, rankedSteps: 6 });
});

test('a campaign runs its rounds in order, each starting from the previous round\'s model', async () => {
  const { result, fineTuner, workflowId } = await runCampaign(settings({ rounds: 2, samplesPerQuestion: [1, 2], stepSamples: 1 }), { questions: 2, evalQuestions: 1 });
  expect(result.status).toBe('completed');
  expect(result.rounds.map((r) => r.trajectories)).toEqual([2, 4]);
  expect(fineTuner.requests.map((r) => r.baseModel)).toEqual(['base', `ft-${workflowId}-round0`]);
  expect(result.rounds[1].policyModel).toBe(`ft-${workflowId}-round0`);
  expect(result.finalModel).toBe(`ft-${workflowId}-round1`);
});

test('each round is evaluated by evalWorkflow and paired against the baseline and round 0; restact report writes the page', async () => {
  const { result, store, workflowId } = await runCampaign(settings({ rounds: 2, samplesPerQuestion: [1], stepSamples: 1, evaluation: { temperature: 0, baseline: true, runs: 1, resamples: 1000 } }), { questions: 1, evalQuestions: 2 });
  // AGENT_RULES answer "yes" or "American": neither held-out question's reference, so EM and auto-eval are 0 there.
  for (const score of [result.baseline!, ...result.rounds.map((r) => r.eval)]) {
    expect(score).toMatchObject({ n: 2, answered: 2, em: 0, autoEval: 0, judge: "the workers' configured model" });
    expect(score.ci!.em).toEqual({ low: 0, high: 0 });
  }
  expect(result.baseline!.paired).toEqual([]);
  expect(result.rounds[0].eval.paired!.map((p) => `${p.b} vs ${p.a}: ${p.metric}`)).toEqual(['round 0 vs baseline: autoEval', 'round 0 vs baseline: em', 'round 0 vs baseline: f1', 'round 0 vs baseline: contains']);
  expect(result.rounds[1].eval.paired!.filter((p) => p.metric === 'autoEval').map((p) => `${p.b} vs ${p.a}`)).toEqual(['round 1 vs baseline', 'round 1 vs round 0']);
  expect(result.rounds[1].eval.paired![0]).toMatchObject({ value: 0, low: 0, high: 0, n: 2, excludesZero: false });
  // The evaluation's trajectories are the round's children's children, findable by id.
  expect(await store.exists(`trajectories/${workflowId}.r1.eval.m0.traj-hotpotqa-dev-0010-0/trajectory.json`)).toBe(true);
  expect((await store.get(result.rounds[1].eval.report!)).toString()).toContain('| round 1 vs round 0 | auto-eval | 0.0 [0.0, 0.0] pts | no |');

  // restact report reads the reports and writes the page through a worker: the client's own directory stays empty.
  const lines: string[] = [];
  const workerConfig = testConfig();
  const worker = await createWorker({ connection: suite.env.nativeConnection, config: workerConfig, deps: { models: new RuleModel(AGENT_RULES), search: suite.search, store, agent: workerConfig.agent }, workflowBundle: suite.bundle });
  const clientConfig = remoteClientConfig(suite.env, workerConfig);
  await worker.runUntil(withTemporal(clientConfig, { worker: 'never', log: () => undefined }, (session) => runReport(session, workflowId, (l) => lines.push(l))));
  expect(fs.existsSync(clientConfig.artifacts.dir)).toBe(false);
  const page = (await store.get(`campaigns/${workflowId}/report.md`)).toString();
  expect(page).toMatch(/\| baseline \| base \| 2 \| 0\.0 \[0\.0, 0\.0\] \|/);
  expect(page).toContain('| round 1 |');
  expect(page).toContain('![accuracy per round](accuracy.svg)');
  // 3 policies x 4 accuracy bars: 140 + 3 x 160 px wide.
  expect((await store.get(`campaigns/${workflowId}/accuracy.svg`)).toString()).toMatch(/^<svg width="620" height="360"/);
  expect(lines).toEqual([
    `Report: campaigns/${workflowId}/report.md (in the workers' artifact store)`,
    `Charts: campaigns/${workflowId}/accuracy.svg (in the workers' artifact store), campaigns/${workflowId}/behaviour.svg (in the workers' artifact store)`,
  ]);
});

test('a round survives a fine-tune activity that fails transiently', async () => {
  const fineTuner = new RecordingFineTuner({ failFirst: 1 });
  const { result } = await runCampaign(settings({ stepSamples: 1 }), { fineTuner, questions: 1, evalQuestions: 1 });
  expect(result.rounds).toHaveLength(1);
  expect(fineTuner.requests).toHaveLength(2);
});

test('the stop signal ends the campaign after the current round; the progress query reports it', async () => {
  let progressSeen: unknown;
  const { result } = await runCampaign(settings({ rounds: 3, stepSamples: 1 }), {
    questions: 1,
    evalQuestions: 1,
    onStarted: async (id) => {
      const handle = suite.env.client.workflow.getHandle(id);
      for (let i = 0; i < 100; i++) {
        const p = await handle.query(progressQuery).catch(() => undefined);
        if (p && p.phase !== 'starting') {
          progressSeen = p;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      await handle.signal(stopSignal);
    },
  });
  expect(progressSeen).toMatchObject({ rounds: 3, round: 0 });
  expect(result.status).toBe('stopped');
  expect(result.rounds).toHaveLength(1);
});

test('cancelling a campaign cancels its round, batch and trajectories, and the campaign ends as cancelled', async () => {
  const status = (id: string) => suite.env.client.workflow.getHandle(id).describe().then((d) => d.status.name);
  let failure: unknown;
  let trajectoryId = '';
  await runCampaign(settings({ stepSamples: 1 }), {
    questions: 2,
    evalQuestions: 1,
    delayMs: 500, // slow enough that the first trajectories are still running when the cancellation arrives
    onStarted: async (id) => {
      const handle = suite.env.client.workflow.getHandle(id);
      trajectoryId = `${id}.r0.collect.traj-${JSON.parse(QUESTIONS[0]).id}-0`;
      for (let i = 0; i < 200 && (await status(trajectoryId).catch(() => undefined)) !== 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 50));
      await handle.cancel();
      failure = await handle.result().catch((e) => e);
      throw new Error('cancelled as planned'); // ends runCampaign's worker.runUntil
    },
  }).catch((e) => expect((e as Error).message).toBe('cancelled as planned'));
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  const campaignId = trajectoryId.split('.')[0];
  expect(await status(campaignId)).toBe('CANCELLED');
  expect(await status(`${campaignId}.r0`)).toBe('CANCELLED');
  expect(await status(`${campaignId}.r0.collect.batch-0`)).toBe('CANCELLED');
  expect(await status(trajectoryId)).toBe('CANCELLED');
});
