/**
 * Evaluation as a workflow: run the agent (child trajectoryWorkflows, bounded concurrency) for every model x
 * question x run, score and judge every answer (an activity that writes a per-answer record), then aggregate
 * the records into the report. Only keys and small scores travel; a `progress` query shows questions done and
 * running EM / auto-eval; the outcome counts the evaluation's failed model calls by class. After a worker crash
 * the workflow replays: finished children and scored answers are in its history and are not run again.
 */
import { executeChild, patched, setHandler, upsertSearchAttributes, workflowInfo, ParentClosePolicy } from '@temporalio/workflow';
import type { WriteEvalReportCall } from '../activities/write-eval-report';
import type { JudgeDescription } from '../lib/eval/judge';
import type { EvalOutcome } from '../lib/eval/report';
import { withLocalSteps, type TrajectoryResult } from '../lib/trajectory';
import { evalAnswerKey } from '../lib/artifact-keys';
import { CAMPAIGN_ID, EVAL_ID, MODEL, modelLabel, PHASE, QUESTION_ID, ROUND_INDEX } from '../lib/search-attributes';
import { runLabel, trajectorySummary } from '../lib/run-summary';
import { evalTrajectoryWorkflowId } from '../lib/workflow-ids';
import { heartbeating, io } from './activity-options';
import { mapLimit } from './concurrency';
import { evalProgressQuery, type EvalProgress } from './signals';
import { trajectoryWorkflow } from './trajectory';

export interface EvalModel {
  /** What reports call it. */
  label: string;
  /** Model ref for the worker's ChatModelProvider; unset = its configured model. */
  ref?: string;
}

export interface EvalInput {
  evalId: string;
  title: string;
  /** JSONL of questions with reference answers, in the artifact store. */
  questionsKey: string;
  questionCount: number;
  models: EvalModel[];
  /** Trajectories per question and model. */
  runs: number;
  judge: JudgeDescription;
  /** The search index (a path on the workers' machine); unset = the workers' configured index. */
  searchDb?: string;
  maxSearches: number;
  temperature: number;
  /** Samples of each step (the lowest-perplexity valid one continues); default 1. */
  stepSamples?: number;
  /** Trajectories in flight at once. */
  concurrency: number;
  /** The trajectories' steps as local activities (config `temporal.localSteps`). */
  localSteps?: boolean;
  /** Artifact prefix of the records and the report. */
  outPrefix: string;
  seed: string;
  resamples: number;
  compareWith?: WriteEvalReportCall['compareWith'];
  /** Set when a campaign round runs this evaluation (search attributes). */
  campaign?: { campaignId: string; round: number };
}

export async function evalWorkflow(input: EvalInput): Promise<EvalOutcome> {
  const { workflowId } = workflowInfo();
  upsertSearchAttributes([{ key: EVAL_ID, value: input.evalId }]);
  const questions = await io.loadQuestions({ key: input.questionsKey, offset: 0, limit: input.questionCount });
  const items = questions.flatMap((q) => Array.from({ length: input.runs }, (_, run) => input.models.map((model, mi) => ({ q, run, model, mi }))).flat());
  const remaining = new Map(questions.map((q) => [q.id, input.runs * input.models.length]));
  const sums = input.models.map(() => ({ answers: 0, em: 0, autoEval: 0 }));
  const progress: EvalProgress = {
    phase: 'running',
    questionsTotal: questions.length,
    questionsDone: 0,
    trajectoriesTotal: items.length,
    trajectoriesDone: 0,
    failed: 0,
    models: input.models.map((m) => ({ model: m.label, answers: 0, em: 0, autoEval: 0 })),
  };
  setHandler(evalProgressQuery, () => progress);

  await mapLimit(items, input.concurrency, async ({ q, run, model, mi }) => {
    const childId = evalTrajectoryWorkflowId(workflowId, mi, q.id, run);
    const started = Date.now(); // workflow time: deterministic on replay
    let result: TrajectoryResult | undefined;
    let failure: string | undefined;
    try {
      result = await executeChild(trajectoryWorkflow, {
        workflowId: childId,
        args: [{ questionId: q.id, question: q.question, model: model.ref, maxSearches: input.maxSearches, temperature: input.temperature, stepSamples: input.stepSamples, ...(input.searchDb ? { searchDb: input.searchDb } : {}), ...withLocalSteps(input) }],
        typedSearchAttributes: [
          { key: QUESTION_ID, value: q.id },
          { key: EVAL_ID, value: input.evalId },
          ...(input.campaign ? [{ key: CAMPAIGN_ID, value: input.campaign.campaignId }, { key: ROUND_INDEX, value: input.campaign.round }] : []),
          { key: PHASE, value: input.campaign ? (input.campaign.round < 0 ? 'baseline' : 'evaluate') : 'eval' },
          { key: MODEL, value: modelLabel(model.ref) },
        ],
        ...runLabel(trajectorySummary({ questionId: q.id, question: q.question, model: model.ref, sample: run })),
        parentClosePolicy: ParentClosePolicy.TERMINATE,
      });
    } catch (err) {
      // The child workflow itself failed (not just its answer): scored as unanswered, never dropped.
      failure = `trajectory workflow failed: ${(err as Error).message}`;
    }
    const score = await heartbeating.scoreAnswer({
      questionsKey: input.questionsKey,
      questionId: q.id,
      model: model.label,
      run,
      workflowId: childId,
      trajectoryRef: result?.trajectoryRef,
      failure: result?.failure ?? failure,
      wallMs: Date.now() - started,
      judgeModel: input.judge.ref,
      outKey: evalAnswerKey(input.outPrefix, mi, q.id, run),
    });
    const s = sums[mi];
    s.answers++;
    s.em += score.em;
    s.autoEval += score.autoEval;
    progress.models[mi] = { model: model.label, answers: s.answers, em: s.em / s.answers, autoEval: s.autoEval / s.answers };
    progress.trajectoriesDone++;
    if (!result || result.status === 'failed') progress.failed++;
    const left = remaining.get(q.id)! - 1;
    remaining.set(q.id, left);
    if (left === 0) progress.questionsDone++;
  });

  // Every failed model call of the trajectories and the judge, retried or not, by class
  // (activities/failure-ledger.ts); evaluations recorded before this patch had no such activity.
  const failures = patched('failure-tally') ? await io.tallyFailures({ workflowIds: items.map(({ q, run, mi }) => evalTrajectoryWorkflowId(workflowId, mi, q.id, run)) }) : undefined;

  progress.phase = 'reporting';
  const outcome = await io.writeEvalReport({
    evalId: input.evalId,
    title: input.title,
    outPrefix: input.outPrefix,
    models: input.models.map((m) => m.label),
    questions: questions.length,
    runs: input.runs,
    judge: input.judge,
    settings: { seed: input.seed, resamples: input.resamples, maxSearches: input.maxSearches, temperature: input.temperature, ...(input.searchDb ? { searchDb: input.searchDb } : {}) },
    compareWith: input.compareWith,
  });
  progress.phase = 'done';
  return failures ? { ...outcome, failures } : outcome;
}
