/**
 * A batch of questions: their trajectories with bounded concurrency, each ranked as it finishes (collect phase).
 * The batch layer keeps every history small: a round of 2,000 questions x 4 samples is 40 batches of 200 children.
 */
import { executeChild, isCancellation, patched, ParentClosePolicy, workflowInfo } from '@temporalio/workflow';
import { withLocalSteps, type TrajectoryResult } from '../lib/trajectory';
import { CAMPAIGN_ID, MODEL, modelLabel, PHASE, QUESTION_ID, ROUND_INDEX } from '../lib/search-attributes';
import { batchSummary, runLabel, trajectorySummary } from '../lib/run-summary';
import type { FailureCounts } from '../lib/failure-class';
import { batchWorkflowId, scopeOfBatch, trajectoryWorkflowId, type BatchPhase } from '../lib/workflow-ids';
import { heartbeating, io } from './activity-options';
import { mapLimit } from './concurrency';
import { trajectoryWorkflow } from './trajectory';

export interface CollectBatchInput {
  campaignId: string;
  round: number;
  phase: BatchPhase;
  questionsKey: string;
  offset: number;
  limit: number;
  samplesPerQuestion: number;
  model: string;
  stepSamples: number;
  temperature: number;
  maxSearches: number;
  concurrency: number;
  /** The trajectories' steps as local activities (config `temporal.localSteps`). */
  localSteps?: boolean;
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
  /** The largest peak RSS a worker reported while ranking this batch's trajectories (MB); absent in older histories. */
  workerPeakRssMb?: number;
  /** Evaluation phases: one answer per question (first sample). */
  answers: Array<{ questionId: string; answer: string | null }>;
  /** Failed model calls of the batch's steps and rankings, by class (retried ones too); absent before `failure-tally`. */
  failures?: FailureCounts;
}

export async function collectBatchWorkflow(input: CollectBatchInput): Promise<CollectBatchResult> {
  const scope = scopeOfBatch(workflowInfo().workflowId);
  const questions = await io.loadQuestions({ key: input.questionsKey, offset: input.offset, limit: input.limit });
  const runs = questions.flatMap((q) => Array.from({ length: input.samplesPerQuestion }, (_, sample) => ({ q, sample })));
  const result: CollectBatchResult = { questions: questions.length, trajectories: 0, failed: 0, rankedSteps: 0, rankerCalls: 0, rankingFallbacks: 0, answers: [] };
  const answers = new Map<string, string | null>();

  await mapLimit(runs, input.concurrency, async ({ q, sample }) => {
    const childId = trajectoryWorkflowId(q.id, sample, scope);
    let trajectory: TrajectoryResult | undefined;
    try {
      trajectory = await executeChild(trajectoryWorkflow, {
        workflowId: childId,
        args: [{ questionId: q.id, question: q.question, model: input.model, maxSearches: input.maxSearches, temperature: input.temperature, stepSamples: input.stepSamples, ...withLocalSteps(input) }],
        typedSearchAttributes: [
          { key: QUESTION_ID, value: q.id },
          { key: CAMPAIGN_ID, value: input.campaignId },
          { key: ROUND_INDEX, value: input.round },
          { key: PHASE, value: input.phase },
          { key: MODEL, value: modelLabel(input.model) },
        ],
        ...runLabel(trajectorySummary({ questionId: q.id, question: q.question, model: input.model, sample })),
        parentClosePolicy: ParentClosePolicy.TERMINATE,
      });
    } catch (err) {
      // Cancellation (of this batch, its round or campaign) ends the batch as cancelled; before this patch it was
      // counted as a failed trajectory like any other failure.
      if (isCancellation(err) && patched('batch-cancellation')) throw err;
      // The child workflow itself failed (not just its answer): counted, never silently dropped.
    }
    result.trajectories++;
    if (!trajectory || trajectory.status === 'failed') result.failed++;
    if (sample === 0) answers.set(q.id, trajectory?.answer ?? null);
    if (trajectory && input.rank) {
      const ranked = await heartbeating.rankTrajectory({ workflowId: childId, ...input.rank });
      result.rankedSteps += ranked.rankedSteps;
      result.rankerCalls += ranked.rankerCalls;
      result.rankingFallbacks += ranked.fallbacks;
      if (ranked.workerPeakRssMb !== undefined) result.workerPeakRssMb = Math.max(result.workerPeakRssMb ?? 0, ranked.workerPeakRssMb);
    }
  });
  result.answers = questions.map((q) => ({ questionId: q.id, answer: answers.get(q.id) ?? null }));
  // Every failed model call, retried or not, by class (activities/failure-ledger.ts); batches recorded before this
  // patch had no such activity.
  if (patched('failure-tally')) result.failures = await io.tallyFailures({ workflowIds: runs.map(({ q, sample }) => trajectoryWorkflowId(q.id, sample, scope)) });
  return result;
}

/** What every batch of one phase shares; each batch adds its slice of the questions. */
export type BatchPlan = Omit<CollectBatchInput, 'offset' | 'limit'>;

/**
 * Runs `count` questions as batches of `batchSize` under `scope` (lib/workflow-ids.ts), one batch after another
 * (each batch is itself parallel); `onBatch` sees each finished batch.
 */
export async function runBatches(
  plan: BatchPlan,
  scope: string,
  count: number,
  batchSize: number,
  onBatch: (batch: CollectBatchResult) => Promise<void>,
): Promise<CollectBatchResult[]> {
  const results: CollectBatchResult[] = [];
  for (let offset = 0, i = 0; offset < count; offset += batchSize, i++) {
    const limit = Math.min(batchSize, count - offset);
    const batch = await executeChild(collectBatchWorkflow, {
      workflowId: batchWorkflowId(scope, i),
      args: [{ ...plan, offset, limit }],
      typedSearchAttributes: [
        { key: CAMPAIGN_ID, value: plan.campaignId },
        { key: ROUND_INDEX, value: plan.round },
        { key: PHASE, value: plan.phase },
        { key: MODEL, value: modelLabel(plan.model) },
      ],
      ...runLabel(batchSummary({ ...plan, offset, limit })),
    });
    results.push(batch);
    await onBatch(batch);
  }
  return results;
}

/** The sum of one count over batches. */
export function sum(batches: CollectBatchResult[], key: keyof Omit<CollectBatchResult, 'answers' | 'workerPeakRssMb' | 'failures'>): number {
  return batches.reduce((n, b) => n + b[key], 0);
}

/** The largest of the values reported, or undefined when none was (batches recorded before workers reported RSS). */
export function peak(values: Array<number | undefined>): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length ? Math.max(...known) : undefined;
}
