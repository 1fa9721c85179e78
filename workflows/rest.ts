/**
 * ReST (Figure 1 of the paper) as workflows:
 *
 *   campaignWorkflow      rounds, one after the other; the next round's policy is this round's fine-tuned model
 *   └ restRoundWorkflow   collect -> rank -> dataset -> fine-tune -> evaluate -> register
 *     └ collectBatchWorkflow   up to `batchSize` questions: trajectories (bounded concurrency), each then ranked
 *       └ trajectoryWorkflow   the agent itself
 *
 * The batch layer keeps every history small: a round of 2,000 questions x 4 samples is 40 batches of 200
 * children each. Only keys and counts travel between workflows; data lives in the artifact store.
 */
import {
  defineQuery,
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  ParentClosePolicy,
  patched,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CampaignSettings } from '../lib/campaign';
import { samplesForRound } from '../lib/campaign';
import type { TrajectoryResult } from '../lib/trajectory';
import { CAMPAIGN_ID, PHASE, QUESTION_ID, ROUND_INDEX } from '../lib/search-attributes';
import type { CampaignProgress, Phase, RoundProgressUpdate, RoundSummary } from '../lib/rest-progress';
import type { EvalScore } from '../lib/rest-progress';
import { trajectoryWorkflow } from './trajectory';
import { evalWorkflow } from './eval';
import type { JudgeDescription } from '../lib/eval/judge';
import { headlineScore } from '../lib/eval/headline';

const RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['NonRetryableError'] };
const acts = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '2 minutes', retry: RETRY });
// A fine-tune can run for hours; the heartbeat shows it is alive, and carries the job id / progress a retry resumes from.
const training = proxyActivities<Activities>({ startToCloseTimeout: '24 hours', heartbeatTimeout: '5 minutes', retry: RETRY });

export const progressQuery = defineQuery<CampaignProgress>('progress');
export const stopSignal = defineSignal('stop');
export const roundProgressSignal = defineSignal<[RoundProgressUpdate]>('roundProgress');

/** Runs `fn` over `items` with at most `limit` in flight (deterministic: plain workflow promises). */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

// ---------------------------------------------------------------------------------------------- batch

export interface CollectBatchInput {
  campaignId: string;
  round: number;
  phase: 'collect' | 'evaluate' | 'baseline';
  questionsKey: string;
  offset: number;
  limit: number;
  samplesPerQuestion: number;
  model: string;
  stepSamples: number;
  temperature: number;
  maxSearches: number;
  concurrency: number;
  /** Set in the collect phase: rank each finished trajectory into this prefix. */
  rank?: { outPrefix: string; rankerModel?: string; maxRepairs: number; seed: string };
}

export interface CollectBatchResult {
  questions: number;
  trajectories: number;
  failed: number;
  rankedSteps: number;
  rankerCalls: number;
  rankingFallbacks: number;
  /** Evaluation phases: one answer per question (first sample). */
  answers: Array<{ questionId: string; answer: string | null }>;
}

export async function collectBatchWorkflow(input: CollectBatchInput): Promise<CollectBatchResult> {
  const { workflowId } = workflowInfo();
  const questions = await acts.loadQuestions({ key: input.questionsKey, offset: input.offset, limit: input.limit });
  const runs = questions.flatMap((q) => Array.from({ length: input.samplesPerQuestion }, (_, sample) => ({ q, sample })));
  const result: CollectBatchResult = { questions: questions.length, trajectories: 0, failed: 0, rankedSteps: 0, rankerCalls: 0, rankingFallbacks: 0, answers: [] };
  const answers = new Map<string, string | null>();

  await mapLimit(runs, input.concurrency, async ({ q, sample }) => {
    const childId = `${workflowId.replace(/\.batch-\d+$/, '')}.traj-${q.id}-${sample}`;
    let trajectory: TrajectoryResult | undefined;
    try {
      trajectory = await executeChild(trajectoryWorkflow, {
        workflowId: childId,
        args: [{ questionId: q.id, question: q.question, model: input.model, maxSearches: input.maxSearches, temperature: input.temperature, stepSamples: input.stepSamples }],
        typedSearchAttributes: [
          { key: QUESTION_ID, value: q.id },
          { key: CAMPAIGN_ID, value: input.campaignId },
          { key: ROUND_INDEX, value: input.round },
        ],
        parentClosePolicy: ParentClosePolicy.TERMINATE,
      });
    } catch {
      // The child workflow itself failed (not just its answer): counted, never silently dropped.
    }
    result.trajectories++;
    if (!trajectory || trajectory.status === 'failed') result.failed++;
    if (sample === 0) answers.set(q.id, trajectory?.answer ?? null);
    if (trajectory && input.rank) {
      const ranked = await acts.rankTrajectory({ workflowId: childId, ...input.rank });
      result.rankedSteps += ranked.rankedSteps;
      result.rankerCalls += ranked.rankerCalls;
      result.rankingFallbacks += ranked.fallbacks;
    }
  });
  result.answers = questions.map((q) => ({ questionId: q.id, answer: answers.get(q.id) ?? null }));
  return result;
}

// ---------------------------------------------------------------------------------------------- round

export interface RestRoundInput {
  campaignId: string;
  round: number;
  policyModel: string;
  questionsKey: string;
  questionCount: number;
  evalQuestionsKey: string;
  evalQuestionCount: number;
  settings: CampaignSettings;
  /** The auto-eval judge (set at campaign start from the client's config). */
  judge?: JudgeDescription;
  /** Whether the campaign evaluated its starting policy (each round is then also compared with it). */
  baseline?: boolean;
}

/** Collects, ranks, builds the dataset, fine-tunes, evaluates, registers; returns a small summary. */
export async function restRoundWorkflow(input: RestRoundInput): Promise<RoundSummary> {
  const { workflowId, parent } = workflowInfo();
  const { settings, round } = input;
  const prefix = `campaigns/${input.campaignId}/round-${round}`;
  const progress: RoundProgressUpdate = { round, phase: 'collect', questionsDone: 0, questionsTotal: input.questionCount, trajectories: 0, failures: 0 };
  const report = async (patch: Partial<RoundProgressUpdate>) => {
    Object.assign(progress, patch);
    upsertSearchAttributes([{ key: PHASE, value: progress.phase }]);
    if (parent) await getExternalWorkflowHandle(parent.workflowId).signal(roundProgressSignal, { ...progress });
  };
  await report({});

  // 1. Collect trajectories with the current policy; rank each step's samples as trajectories finish.
  const collected = await runBatches(input.questionCount, settings.batchSize, (offset, limit, i) =>
    executeChild(collectBatchWorkflow, {
      workflowId: `${workflowId}.collect.batch-${i}`,
      args: [
        {
          campaignId: input.campaignId,
          round,
          phase: 'collect',
          questionsKey: input.questionsKey,
          offset,
          limit,
          samplesPerQuestion: samplesForRound(settings, round),
          model: input.policyModel,
          stepSamples: settings.stepSamples,
          temperature: settings.temperature,
          maxSearches: settings.maxSearches,
          concurrency: settings.concurrency,
          rank: { outPrefix: `${prefix}/ranked`, rankerModel: settings.ranker.model ?? input.policyModel, maxRepairs: settings.ranker.maxRepairs, seed: `${settings.dataset.seed}:${round}` },
        },
      ],
    }),
    (batch) => report({ questionsDone: progress.questionsDone + batch.questions, trajectories: progress.trajectories + batch.trajectories, failures: progress.failures + batch.failed }),
  );

  // 2. The step-level dataset (a mixture of all step kinds), with a held-out validation split.
  await report({ phase: 'dataset' });
  const dataset = await acts.buildRoundDataset({ rankedPrefix: `${prefix}/ranked`, outPrefix: `${prefix}/dataset`, validationFraction: settings.dataset.validationFraction, seed: settings.dataset.seed });

  // 3. Fine-tune the policy on it.
  await report({ phase: 'fine-tune' });
  const tuned = await training.fineTune({
    jobKey: `${input.campaignId}-round${round}`,
    baseModel: input.policyModel,
    trainKey: dataset.trainKey,
    validationKey: dataset.validation ? dataset.validationKey : undefined,
    outputKey: `${prefix}/model`,
    hyperparameters: settings.fineTune,
  });

  // 4. Evaluate the new model on the held-out questions.
  await report({ phase: 'evaluate', questionsDone: 0, questionsTotal: input.evalQuestionCount });
  const score = await evaluate(input, tuned.model, `${workflowId}.eval`, `${prefix}/eval.json`, (batch) =>
    report({ questionsDone: progress.questionsDone + batch.questions }),
  );
  if (patched('eval-workflow')) await report({ questionsDone: input.evalQuestionCount }); // evalWorkflow has no per-batch callback

  const summary: RoundSummary = {
    round,
    workflowId,
    policyModel: input.policyModel,
    model: tuned.model,
    questions: input.questionCount,
    trajectories: sum(collected, 'trajectories'),
    failedTrajectories: sum(collected, 'failed'),
    rankedSteps: sum(collected, 'rankedSteps'),
    rankerCalls: sum(collected, 'rankerCalls'),
    rankingFallbacks: sum(collected, 'rankingFallbacks'),
    dataset,
    trainLoss: { first: tuned.trainLoss[0], last: tuned.trainLoss[tuned.trainLoss.length - 1], steps: tuned.trainLoss.length },
    eval: score,
  };
  // 5. Trace the model back to its data and parent.
  await acts.registerModel({
    model: tuned.model,
    campaignId: input.campaignId,
    round,
    parentModel: input.policyModel,
    datasetKey: dataset.trainKey,
    trainLoss: tuned.trainLoss,
    eval: score,
    outputs: tuned.outputs,
  });
  await report({ phase: 'done' });
  return summary;
}

/** Splits `count` questions into batches and runs them one after another (each batch is itself parallel). */
async function runBatches(
  count: number,
  batchSize: number,
  run: (offset: number, limit: number, index: number) => Promise<CollectBatchResult>,
  onBatch: (batch: CollectBatchResult) => Promise<void>,
): Promise<CollectBatchResult[]> {
  const results: CollectBatchResult[] = [];
  for (let offset = 0, i = 0; offset < count; offset += batchSize, i++) {
    const batch = await run(offset, Math.min(batchSize, count - offset), i);
    results.push(batch);
    await onBatch(batch);
  }
  return results;
}

/** Where an evaluation of the campaign keeps its records and report: the baseline (round -1) or a round's. */
function evalPrefix(campaignId: string, round: number): string {
  return round < 0 ? `campaigns/${campaignId}/baseline-eval` : `campaigns/${campaignId}/round-${round}/eval`;
}

async function evaluate(
  input: Pick<RestRoundInput, 'campaignId' | 'round' | 'evalQuestionsKey' | 'evalQuestionCount' | 'settings' | 'judge' | 'baseline'>,
  model: string,
  idPrefix: string,
  reportKey: string,
  onBatch: (batch: CollectBatchResult) => Promise<void>,
): Promise<EvalScore> {
  const { settings } = input;
  // Held-out evaluation through evalWorkflow: auto-eval, behaviour, CIs, and this model paired against the
  // baseline and round 0 on the same questions. Older histories replay the batch path below.
  if (patched('eval-workflow')) {
    const { round, campaignId } = input;
    const compareWith = [
      ...(input.baseline && round >= 0 ? [{ outPrefix: evalPrefix(campaignId, -1), modelIndex: 0, label: 'baseline' }] : []),
      ...(round > 0 ? [{ outPrefix: evalPrefix(campaignId, 0), modelIndex: 0, label: 'round 0' }] : []),
    ];
    const label = round < 0 ? 'baseline' : `round ${round}`;
    const judgeRef = settings.evaluation.judge;
    const outcome = await executeChild(evalWorkflow, {
      workflowId: idPrefix,
      args: [
        {
          evalId: `${campaignId}-${round < 0 ? 'baseline' : `r${round}`}`,
          title: `${campaignId} ${label}`,
          questionsKey: input.evalQuestionsKey,
          questionCount: input.evalQuestionCount,
          models: [{ label, ref: model }],
          runs: settings.evaluation.runs,
          judge: input.judge ?? { ref: judgeRef, label: judgeRef ?? "the workers' configured model", weak: false },
          maxSearches: settings.maxSearches,
          temperature: settings.evaluation.temperature,
          concurrency: settings.concurrency,
          outPrefix: evalPrefix(campaignId, round),
          seed: settings.dataset.seed,
          resamples: settings.evaluation.resamples,
          compareWith,
          campaign: { campaignId, round },
        },
      ],
      typedSearchAttributes: [
        { key: CAMPAIGN_ID, value: campaignId },
        { key: ROUND_INDEX, value: round },
      ],
    });
    return headlineScore(outcome);
  }
  const batches = await runBatches(input.evalQuestionCount, settings.batchSize, (offset, limit, i) =>
    executeChild(collectBatchWorkflow, {
      workflowId: `${idPrefix}.batch-${i}`,
      args: [
        {
          campaignId: input.campaignId,
          round: input.round,
          phase: 'evaluate',
          questionsKey: input.evalQuestionsKey,
          offset,
          limit,
          samplesPerQuestion: 1,
          model,
          stepSamples: 1,
          temperature: settings.evaluation.temperature,
          maxSearches: settings.maxSearches,
          concurrency: settings.concurrency,
        },
      ],
    }),
    onBatch,
  );
  return acts.scoreEvaluation({ questionsKey: input.evalQuestionsKey, answers: batches.flatMap((b) => b.answers), reportKey });
}

function sum(batches: CollectBatchResult[], key: keyof Omit<CollectBatchResult, 'answers'>): number {
  return batches.reduce((n, b) => n + b[key], 0);
}

// ---------------------------------------------------------------------------------------------- campaign

export interface CampaignInput {
  campaignId: string;
  questionsKey: string;
  questionCount: number;
  evalQuestionsKey: string;
  evalQuestionCount: number;
  settings: CampaignSettings;
  /** The auto-eval judge (from the client's config); unset: the workers' configured model. */
  judge?: JudgeDescription;
}

export interface CampaignResult {
  campaignId: string;
  status: 'completed' | 'stopped';
  finalModel: string;
  baseline?: EvalScore;
  rounds: RoundSummary[];
  /** Artifact keys of the campaign report and its score chart. */
  report?: { reportKey: string; chartKey: string };
}

export async function campaignWorkflow(input: CampaignInput): Promise<CampaignResult> {
  const { workflowId } = workflowInfo();
  const { settings } = input;
  const progress: CampaignProgress = {
    campaignId: input.campaignId,
    phase: 'starting',
    round: 0,
    rounds: settings.rounds,
    questionsDone: 0,
    questionsTotal: input.questionCount,
    trajectories: 0,
    failures: 0,
    stopRequested: false,
    summaries: [],
  };
  setHandler(progressQuery, () => progress);
  setHandler(stopSignal, () => {
    progress.stopRequested = true;
  });
  setHandler(roundProgressSignal, (update) => {
    if (update.round === progress.round) Object.assign(progress, { phase: update.phase as Phase, questionsDone: update.questionsDone, questionsTotal: update.questionsTotal, trajectories: update.trajectories, failures: update.failures });
  });
  const setPhase = (phase: Phase) => {
    progress.phase = phase;
    upsertSearchAttributes([{ key: PHASE, value: phase }]);
  };
  upsertSearchAttributes([{ key: CAMPAIGN_ID, value: input.campaignId }]);

  if (settings.evaluation.baseline) {
    setPhase('baseline');
    progress.questionsTotal = input.evalQuestionCount;
    progress.baseline = await evaluate({ ...input, round: -1 }, settings.policyModel, `${workflowId}.baseline`, `campaigns/${input.campaignId}/baseline-eval.json`, async (b) => {
      progress.questionsDone += b.questions;
    });
    progress.questionsDone = input.evalQuestionCount;
  }

  let policy = settings.policyModel;
  for (let round = 0; round < settings.rounds; round++) {
    if (progress.stopRequested) break;
    Object.assign(progress, { round, questionsDone: 0, questionsTotal: input.questionCount, trajectories: 0, failures: 0 });
    setPhase('collect');
    upsertSearchAttributes([{ key: ROUND_INDEX, value: round }]);
    const summary = await executeChild(restRoundWorkflow, {
      workflowId: `${workflowId}.r${round}`,
      args: [{ campaignId: input.campaignId, round, policyModel: policy, questionsKey: input.questionsKey, questionCount: input.questionCount, evalQuestionsKey: input.evalQuestionsKey, evalQuestionCount: input.evalQuestionCount, settings, judge: input.judge, baseline: settings.evaluation.baseline }],
      typedSearchAttributes: [
        { key: CAMPAIGN_ID, value: input.campaignId },
        { key: ROUND_INDEX, value: round },
      ],
    });
    progress.summaries.push(summary);
    policy = summary.model;
  }
  const stopped = progress.stopRequested && progress.summaries.length < settings.rounds;
  const result: CampaignResult = { campaignId: input.campaignId, status: stopped ? 'stopped' : 'completed', finalModel: policy, baseline: progress.baseline, rounds: progress.summaries };
  // The report (result JSON and a per-round score chart) goes to the artifact store.
  if (patched('campaign-report')) result.report = await acts.writeCampaignReport({ campaignId: input.campaignId, baseline: progress.baseline, rounds: progress.summaries, result });
  setPhase(stopped ? 'stopped' : 'done');
  return result;
}
