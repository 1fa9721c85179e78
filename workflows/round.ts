/**
 * One ReST round (Figure 1 of the paper): collect -> rank -> dataset -> fine-tune -> evaluate -> register.
 * Only keys and counts travel between workflows; data lives in the artifact store.
 */
import { executeChild, getExternalWorkflowHandle, patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { CampaignSettings } from '../lib/rest/campaign-settings';
import type { EvalScore, RoundProgressUpdate, RoundSummary } from '../lib/rest/progress';
import { samplesForRound } from '../lib/rest/round-plan';
import { addFailureCounts, type FailureCounts } from '../lib/failure-class';
import type { JudgeDescription } from '../lib/eval/judge';
import { headlineScore } from '../lib/eval/headline';
import type { EvalOutcome } from '../lib/eval/report';
import { campaignEvalPrefix, roundKeys } from '../lib/artifact-keys';
import { CAMPAIGN_ID, MODEL, modelLabel, PHASE, ROUND_INDEX } from '../lib/search-attributes';
import { evalSummary, runLabel } from '../lib/run-summary';
import { batchScope, campaignEvalId } from '../lib/workflow-ids';
import { withLocalSteps } from '../lib/trajectory';
import { io, training } from './activity-options';
import { peak, runBatches, sum, type CollectBatchResult } from './collect-batch';
import { roundProgressSignal } from './signals';
import { evalWorkflow } from './eval';

export interface RestRoundInput {
  campaignId: string;
  round: number;
  policyModel: string;
  questionsKey: string;
  questionCount: number;
  evalQuestionsKey: string;
  evalQuestionCount: number;
  settings: CampaignSettings;
  /** The task queue of the training workers; unset = this workflow's (activity-options.ts `training`). */
  trainingTaskQueue?: string;
  /** The trajectories' steps as local activities (config `temporal.localSteps`). */
  localSteps?: boolean;
  /** The auto-eval judge (set at campaign start from the client's config). */
  judge?: JudgeDescription;
  /** Whether the campaign evaluated its starting policy (each round is then also compared with it). */
  baseline?: boolean;
}

/** Collects, ranks, builds the dataset, fine-tunes, evaluates, registers; returns a small summary. */
export async function restRoundWorkflow(input: RestRoundInput): Promise<RoundSummary> {
  const { workflowId, parent } = workflowInfo();
  const { settings, round } = input;
  const keys = roundKeys(input.campaignId, round);
  const progress: RoundProgressUpdate = { round, phase: 'collect', questionsDone: 0, questionsTotal: input.questionCount, trajectories: 0, failures: 0 };
  const report = async (patch: Partial<RoundProgressUpdate>) => {
    Object.assign(progress, patch);
    upsertSearchAttributes([{ key: PHASE, value: progress.phase }]);
    if (parent) await getExternalWorkflowHandle(parent.workflowId).signal(roundProgressSignal, { ...progress });
  };
  await report({});
  // Failed model calls by class, over the collection (steps and ranking) and the evaluation (steps and judge).
  let llmFailures: FailureCounts = {};
  const countFailures = (batch: CollectBatchResult) => (llmFailures = addFailureCounts(llmFailures, batch.failures));

  // 1. Collect trajectories with the current policy; rank each step's samples as trajectories finish.
  const collect = {
    campaignId: input.campaignId,
    round,
    phase: 'collect' as const,
    questionsKey: input.questionsKey,
    samplesPerQuestion: samplesForRound(settings, round),
    model: input.policyModel,
    stepSamples: settings.stepSamples,
    temperature: settings.temperature,
    maxSearches: settings.maxSearches,
    concurrency: settings.concurrency,
    ...withLocalSteps(input),
    rank: { outPrefix: keys.ranked, rankerModel: settings.ranker.model ?? input.policyModel, maxRepairs: settings.ranker.maxRepairs, seed: `${settings.dataset.seed}:${round}` },
  };
  const collected = await runBatches(collect, batchScope(workflowId, 'collect'), input.questionCount, settings.batchSize, (batch) => {
    countFailures(batch);
    return report({ questionsDone: progress.questionsDone + batch.questions, trajectories: progress.trajectories + batch.trajectories, failures: progress.failures + batch.failed });
  });

  // 2. The step-level dataset (a mixture of all step kinds), with a held-out validation split.
  await report({ phase: 'dataset' });
  const dataset = await io.buildRoundDataset({ rankedPrefix: keys.ranked, outPrefix: keys.dataset, validationFraction: settings.dataset.validationFraction, seed: settings.dataset.seed });

  // 3. Fine-tune the policy on it.
  await report({ phase: 'fine-tune' });
  const tuned = await training(input.trainingTaskQueue).fineTune({
    jobKey: `${input.campaignId}-round${round}`,
    baseModel: input.policyModel,
    trainKey: dataset.trainKey,
    validationKey: dataset.validation ? dataset.validationKey : undefined,
    outputKey: keys.model,
    hyperparameters: settings.fineTune,
  });

  // 4. Evaluate the new model on the held-out questions.
  await report({ phase: 'evaluate', questionsDone: 0, questionsTotal: input.evalQuestionCount });
  const score = await evaluate(
    input,
    'evaluate',
    tuned.model,
    batchScope(workflowId, 'evaluate'),
    keys.eval,
    (batch) => {
      countFailures(batch);
      return report({ questionsDone: progress.questionsDone + batch.questions });
    },
    (failures) => (llmFailures = addFailureCounts(llmFailures, failures)),
  );
  if (patched('eval-workflow')) await report({ questionsDone: input.evalQuestionCount }); // evalWorkflow reports no batches

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
    workerPeakRssMb: peak(collected.map((b) => b.workerPeakRssMb)),
    llmFailures,
    dataset,
    trainLoss: { first: tuned.trainLoss[0], last: tuned.trainLoss[tuned.trainLoss.length - 1], steps: tuned.trainLoss.length },
    eval: score,
  };
  // 5. Trace the model back to its data and parent.
  await io.registerModel({
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

/**
 * Answers the held-out questions with `model` (one trajectory each, at the evaluation temperature, in batches
 * under `scope`) and scores them: the round's evaluation, and the campaign's baseline before round 0.
 */
export async function evaluate(
  input: Pick<RestRoundInput, 'campaignId' | 'round' | 'evalQuestionsKey' | 'evalQuestionCount' | 'settings' | 'judge' | 'baseline' | 'localSteps'>,
  phase: 'evaluate' | 'baseline',
  model: string,
  scope: string,
  reportKey: string,
  onBatch: (batch: CollectBatchResult) => Promise<void>,
  /** Evaluation through evalWorkflow: its failed model calls by class (batches give theirs to onBatch). */
  onFailures?: (failures: FailureCounts) => void,
): Promise<EvalScore> {
  const { settings } = input;
  // Through evalWorkflow: auto-eval, behaviour, CIs, and this model paired against the baseline and round 0 on the
  // same questions. Histories from before it replay the batch path below.
  if (patched('eval-workflow')) {
    const outcome = await evaluateWithWorkflow(input, model, scope);
    if (outcome.failures) onFailures?.(outcome.failures);
    return headlineScore(outcome);
  }
  const plan = {
    campaignId: input.campaignId,
    round: input.round,
    phase,
    questionsKey: input.evalQuestionsKey,
    samplesPerQuestion: 1,
    model,
    stepSamples: 1,
    temperature: settings.evaluation.temperature,
    maxSearches: settings.maxSearches,
    concurrency: settings.concurrency,
    ...withLocalSteps(input),
  };
  const batches = await runBatches(plan, scope, input.evalQuestionCount, settings.batchSize, onBatch);
  return io.scoreEvaluation({ questionsKey: input.evalQuestionsKey, answers: batches.flatMap((b) => b.answers), reportKey });
}

async function evaluateWithWorkflow(
  input: Pick<RestRoundInput, 'campaignId' | 'round' | 'evalQuestionsKey' | 'evalQuestionCount' | 'settings' | 'judge' | 'baseline' | 'localSteps'>,
  model: string,
  workflowId: string,
): Promise<EvalOutcome> {
  const { round, campaignId, settings } = input;
  const compareWith = [
    ...(input.baseline && round >= 0 ? [{ outPrefix: campaignEvalPrefix(campaignId, -1), modelIndex: 0, label: 'baseline' }] : []),
    ...(round > 0 ? [{ outPrefix: campaignEvalPrefix(campaignId, 0), modelIndex: 0, label: 'round 0' }] : []),
  ];
  const label = round < 0 ? 'baseline' : `round ${round}`;
  const judgeRef = settings.evaluation.judge;
  return executeChild(evalWorkflow, {
    workflowId,
    args: [
      {
        evalId: campaignEvalId(campaignId, round),
        title: `${campaignId} ${label}`,
        questionsKey: input.evalQuestionsKey,
        questionCount: input.evalQuestionCount,
        models: [{ label, ref: model }],
        runs: settings.evaluation.runs,
        judge: input.judge ?? { ref: judgeRef, label: judgeRef ?? "the workers' configured model", weak: false },
        maxSearches: settings.maxSearches,
        temperature: settings.evaluation.temperature,
        concurrency: settings.concurrency,
        ...withLocalSteps(input),
        outPrefix: campaignEvalPrefix(campaignId, round),
        seed: settings.dataset.seed,
        resamples: settings.evaluation.resamples,
        compareWith,
        campaign: { campaignId, round },
      },
    ],
    typedSearchAttributes: [
      { key: CAMPAIGN_ID, value: campaignId },
      { key: ROUND_INDEX, value: round },
      { key: PHASE, value: round < 0 ? 'baseline' : 'evaluate' },
      { key: MODEL, value: modelLabel(model) },
    ],
    ...runLabel(evalSummary({ title: `${campaignId} ${label}`, models: [label], questions: input.evalQuestionCount, runs: settings.evaluation.runs })),
  });
}
