/**
 * One ReST round (Figure 1 of the paper): collect -> rank -> dataset -> fine-tune -> evaluate -> register.
 * Only keys and counts travel between workflows; data lives in the artifact store.
 */
import { getExternalWorkflowHandle, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { CampaignSettings } from '../lib/rest/campaign-settings';
import type { EvalScore, RoundProgressUpdate, RoundSummary } from '../lib/rest/progress';
import { samplesForRound } from '../lib/rest/round-plan';
import { addFailureCounts, type FailureCounts } from '../lib/failure-class';
import { roundKeys } from '../lib/artifact-keys';
import { PHASE } from '../lib/search-attributes';
import { batchScope } from '../lib/workflow-ids';
import { io, training } from './activity-options';
import { runBatches, sum, type CollectBatchResult } from './collect-batch';
import { roundProgressSignal } from './signals';

export interface RestRoundInput {
  campaignId: string;
  round: number;
  policyModel: string;
  questionsKey: string;
  questionCount: number;
  evalQuestionsKey: string;
  evalQuestionCount: number;
  settings: CampaignSettings;
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
  // Failed model calls by class, over the collection and the evaluation batches.
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
  const tuned = await training.fineTune({
    jobKey: `${input.campaignId}-round${round}`,
    baseModel: input.policyModel,
    trainKey: dataset.trainKey,
    validationKey: dataset.validation ? dataset.validationKey : undefined,
    outputKey: keys.model,
    hyperparameters: settings.fineTune,
  });

  // 4. Evaluate the new model on the held-out questions.
  await report({ phase: 'evaluate', questionsDone: 0, questionsTotal: input.evalQuestionCount });
  const score = await evaluate(input, 'evaluate', tuned.model, batchScope(workflowId, 'evaluate'), keys.eval, (batch) => {
    countFailures(batch);
    return report({ questionsDone: progress.questionsDone + batch.questions });
  });

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
  input: Pick<RestRoundInput, 'campaignId' | 'round' | 'evalQuestionsKey' | 'evalQuestionCount' | 'settings'>,
  phase: 'evaluate' | 'baseline',
  model: string,
  scope: string,
  reportKey: string,
  onBatch: (batch: CollectBatchResult) => Promise<void>,
): Promise<EvalScore> {
  const { settings } = input;
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
  };
  const batches = await runBatches(plan, scope, input.evalQuestionCount, settings.batchSize, onBatch);
  return io.scoreEvaluation({ questionsKey: input.evalQuestionsKey, answers: batches.flatMap((b) => b.answers), reportKey });
}
