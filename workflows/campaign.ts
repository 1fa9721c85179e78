/**
 * A ReST campaign (Figure 1 of the paper) as workflows:
 *
 *   campaignWorkflow      rounds, one after the other; the next round's policy is this round's fine-tuned model
 *   └ restRoundWorkflow   collect -> rank -> dataset -> fine-tune -> evaluate -> register   (round.ts)
 *     └ collectBatchWorkflow   up to `batchSize` questions: trajectories, each then ranked  (collect-batch.ts)
 *       └ trajectoryWorkflow   the agent itself                                             (trajectory.ts)
 *
 * Query `progress`, signal `stop` (signals.ts). Cancelling the campaign cancels its children.
 */
import { executeChild, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { CampaignSettings } from '../lib/rest/campaign-settings';
import type { JudgeDescription } from '../lib/eval/judge';
import type { CampaignProgress, EvalScore, Phase, RoundSummary } from '../lib/rest/progress';
import { campaignKeys } from '../lib/artifact-keys';
import { CAMPAIGN_ID, MODEL, modelLabel, PHASE, ROUND_INDEX } from '../lib/search-attributes';
import { roundSummaryLine, runLabel } from '../lib/run-summary';
import { batchScope, roundWorkflowId } from '../lib/workflow-ids';
import { io } from './activity-options';
import { evaluate, restRoundWorkflow } from './round';
import { progressQuery, roundProgressSignal, stopSignal } from './signals';
import { withLocalSteps } from '../lib/trajectory';

export interface CampaignInput {
  campaignId: string;
  questionsKey: string;
  questionCount: number;
  evalQuestionsKey: string;
  evalQuestionCount: number;
  settings: CampaignSettings;
  /** The task queue of the training workers (config `temporal.trainingTaskQueue`); unset = the campaign's own. */
  trainingTaskQueue?: string;
  /** The trajectories' steps as local activities (config `temporal.localSteps`). */
  localSteps?: boolean;
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
    if (update.round === progress.round) Object.assign(progress, { phase: update.phase, questionsDone: update.questionsDone, questionsTotal: update.questionsTotal, trajectories: update.trajectories, failures: update.failures });
  });
  const setPhase = (phase: Phase) => {
    progress.phase = phase;
    upsertSearchAttributes([{ key: PHASE, value: phase }]);
  };
  upsertSearchAttributes([{ key: CAMPAIGN_ID, value: input.campaignId }]);

  if (settings.evaluation.baseline) {
    setPhase('baseline');
    progress.questionsTotal = input.evalQuestionCount;
    progress.baseline = await evaluate({ ...input, round: -1 }, 'baseline', settings.policyModel, batchScope(workflowId, 'baseline'), campaignKeys(input.campaignId).baselineEval, async (b) => {
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
      workflowId: roundWorkflowId(workflowId, round),
      args: [{ campaignId: input.campaignId, round, policyModel: policy, questionsKey: input.questionsKey, questionCount: input.questionCount, evalQuestionsKey: input.evalQuestionsKey, evalQuestionCount: input.evalQuestionCount, settings, judge: input.judge, baseline: settings.evaluation.baseline, trainingTaskQueue: input.trainingTaskQueue, ...withLocalSteps(input) }],
      typedSearchAttributes: [
        { key: CAMPAIGN_ID, value: input.campaignId },
        { key: ROUND_INDEX, value: round },
        { key: MODEL, value: modelLabel(policy) },
      ],
      ...runLabel(roundSummaryLine({ campaignId: input.campaignId, round, policyModel: policy, questions: input.questionCount })),
    });
    progress.summaries.push(summary);
    policy = summary.model;
  }
  const stopped = progress.stopRequested && progress.summaries.length < settings.rounds;
  const result: CampaignResult = { campaignId: input.campaignId, status: stopped ? 'stopped' : 'completed', finalModel: policy, baseline: progress.baseline, rounds: progress.summaries };
  // The report (result JSON and a per-round score chart) goes to the artifact store.
  if (patched('campaign-report')) result.report = await io.writeCampaignReport({ campaignId: input.campaignId, baseline: progress.baseline, rounds: progress.summaries, result });
  setPhase(stopped ? 'stopped' : 'done');
  return result;
}
