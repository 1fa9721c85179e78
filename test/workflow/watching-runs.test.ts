/**
 * Finding runs (README "Watching runs"): a small campaign on the dev server, with fine-tuning on its own task queue
 * (an agent worker without a trainer, and a training worker), where one question's trajectories fail. The README's
 * queries find the campaign's failed trajectories, a round's batches and its evaluation, and every workflow carries its search
 * attributes and a one-line summary in its memo.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createWorkers, runWorkersUntil } from '../../worker';
import { campaignWorkflow } from '../../workflows/campaign';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { CampaignSchema } from '../../lib/rest/campaign-settings';
import { startCampaign } from '../../client/campaigns';
import { CAMPAIGN_ID, MODEL, PHASE, QUESTION_ID, ROUND_INDEX } from '../../lib/search-attributes';
import { AGENT_RULES, RecordingFineTuner, RuleModel } from '../helpers/rule-model';
import { tempDir, testConfig, workflowTestSuite } from '../helpers/temporal';
import { trajectoryTimeline } from '../../bench/trajectory-timeline';

const DATA = path.join(__dirname, '../../data/hotpotqa-dev50');
const QUESTIONS = fs.readFileSync(path.join(DATA, 'questions.jsonl'), 'utf8').trim().split('\n');

const suite = workflowTestSuite();

/** The README's queries, as written there (with the ids filled in). */
const QUERIES = {
  failedTrajectories: (campaignId: string) => `CampaignId = "${campaignId}" AND WorkflowType = "trajectoryWorkflow" AND Outcome = "failed"`,
  roundBatches: (campaignId: string, round: number) => `CampaignId = "${campaignId}" AND RoundIndex = ${round} AND WorkflowType = "collectBatchWorkflow"`,
  roundEvaluation: (campaignId: string, round: number) => `CampaignId = "${campaignId}" AND RoundIndex = ${round} AND WorkflowType = "evalWorkflow"`,
};

/** Visibility lags the history by a moment: list until `n` runs match. */
async function listIds(client: Client, query: string, n: number): Promise<string[]> {
  for (let i = 0; ; i++) {
    const ids: string[] = [];
    for await (const w of client.workflow.list({ query })) ids.push(w.workflowId);
    if (ids.length >= n || i > 50) return ids.sort();
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('fine-tuning runs on the training queue; the documented queries find failed trajectories and a round\'s batches; every run has a summary', async () => {
  const store = new LocalDirStore(tempDir('watch'));
  const failing = JSON.parse(QUESTIONS[1]) as { id: string; question: string };
  // One question's answers never parse: its trajectories end as failed.
  const rules = { ...AGENT_RULES, answer: (r: Parameters<typeof AGENT_RULES.answer>[0], n: number) => (r.messages[1].content.includes(failing.question) ? 'no answer here' : AGENT_RULES.answer(r, n)) };
  const config = testConfig();
  config.temporal.trainingTaskQueue = `${config.temporal.taskQueue}-train`;
  const fineTuner = new RecordingFineTuner();
  const agentDeps = { models: new RuleModel(rules), search: suite.search, store, agent: config.agent };
  const agent = await createWorkers({ connection: suite.env.nativeConnection, config, deps: agentDeps, workflowBundle: suite.bundle, queue: 'agent' });
  const train = await createWorkers({ connection: suite.env.nativeConnection, config, deps: { ...agentDeps, fineTuner, workDir: tempDir('watch-work') }, queue: 'train' });
  expect([...agent, ...train].map((w) => w.options.taskQueue)).toEqual([config.temporal.taskQueue, config.temporal.trainingTaskQueue]);

  const file = path.join(DATA, 'questions.jsonl');
  const settings = CampaignSchema.parse({ name: `watch${Math.random().toString(36).slice(2, 8)}`, rounds: 1, questions: { file, limit: 3 }, evalQuestions: { file, offset: 10, limit: 1 }, samplesPerQuestion: [1], stepSamples: 1, maxSearches: 2, concurrency: 2, batchSize: 2 });
  // Started as `restact campaign start` starts it (questions staged through the worker, attributes, memo).
  const session = { client: suite.env.client, config, address: suite.env.address, embedded: false };
  const { result, campaignId } = await runWorkersUntil([...agent, ...train], (async () => {
    const { workflowId } = await startCampaign(session, settings);
    return { result: await suite.env.client.workflow.getHandle<typeof campaignWorkflow>(workflowId).result(), campaignId: workflowId.replace(/^campaign-/, '') };
  })());
  expect(result.rounds[0]).toMatchObject({ trajectories: 3, failedTrajectories: 1 });
  // The fine-tune ran on the training worker (the agent worker has no trainer), scheduled on the training queue.
  expect(fineTuner.requests).toHaveLength(1);
  const roundEvents = (await suite.env.client.workflow.getHandle(`campaign-${campaignId}.r0`).fetchHistory()).events ?? [];
  const fineTune = roundEvents.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'fineTune')!;
  expect(fineTune.activityTaskScheduledEventAttributes!.taskQueue!.name).toBe(config.temporal.trainingTaskQueue);

  const failed = await listIds(suite.env.client, QUERIES.failedTrajectories(campaignId), 1);
  expect(failed).toEqual([`campaign-${campaignId}.r0.collect.traj-${failing.id}-0`]);
  const batches = await listIds(suite.env.client, QUERIES.roundBatches(campaignId, 0), 2);
  expect(batches).toEqual([`campaign-${campaignId}.r0.collect.batch-0`, `campaign-${campaignId}.r0.collect.batch-1`]);
  // The round's evaluation is an evalWorkflow child (patched 'eval-workflow'), not batches.
  const evaluation = await listIds(suite.env.client, QUERIES.roundEvaluation(campaignId, 0), 1);
  expect(evaluation).toEqual([`campaign-${campaignId}.r0.eval`]);

  // Every workflow of the campaign: its attributes, and a summary line in its memo. Campaign, round, two collect
  // batches and their three trajectories, the evaluation and its one trajectory.
  const runs = await listIds(suite.env.client, `CampaignId = "${campaignId}"`, 1 + 1 + 2 + 3 + 1 + 1);
  expect(runs).toHaveLength(9);
  expect(runs).toContain(`campaign-${campaignId}.r0.eval.m0.traj-${JSON.parse(QUESTIONS[10]).id}-0`);
  for (const id of runs) {
    const d = await suite.env.client.workflow.getHandle(id).describe();
    expect([id, typeof d.memo?.summary]).toEqual([id, 'string']);
    expect(d.typedSearchAttributes.get(CAMPAIGN_ID)).toBe(campaignId);
    if (d.type !== 'campaignWorkflow') expect([id, d.typedSearchAttributes.get(ROUND_INDEX)]).toEqual([id, 0]);
    if (d.type === 'evalWorkflow') expect([d.typedSearchAttributes.get(PHASE), d.typedSearchAttributes.get(MODEL)]).toEqual(['evaluate', result.rounds[0].model]);
    if (d.type === 'trajectoryWorkflow') {
      expect(d.typedSearchAttributes.get(QUESTION_ID)).toBeTruthy();
      // Collected with the policy; evaluated with the round's new model.
      const phase = d.typedSearchAttributes.get(PHASE);
      expect([id, phase, d.typedSearchAttributes.get(MODEL)]).toEqual([id, phase, phase === 'collect' ? 'base' : result.rounds[0].model]);
    }
  }
  // The overhead benchmark's timeline reads a batch's children from the histories: both of batch-0's, the failed one too.
  const timeline = await trajectoryTimeline(suite.env.client, batches[0]);
  expect(timeline.children).toBe(2);
  for (const ms of [timeline.startMs, timeline.dispatchMs, timeline.runMs, timeline.reportMs]) expect(ms).toBeGreaterThanOrEqual(0);

  const trajectory = await suite.env.client.workflow.getHandle(failed[0]).describe();
  expect(trajectory.memo!.summary).toBe(`${failing.id}: "${failing.question.slice(0, 69)}${failing.question.length > 70 ? '…' : failing.question.slice(69)}" (model base)`);
});
