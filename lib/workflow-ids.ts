/**
 * Every workflow id is made here, so ids say what they are and where they belong:
 *
 *   campaign-<campaign>                              campaignWorkflow
 *   campaign-<campaign>.r<n>                         restRoundWorkflow, round n
 *   campaign-<campaign>.r<n>.collect.batch-<i>       collectBatchWorkflow (also .eval.batch-<i>, and
 *                                                    campaign-<campaign>.baseline.batch-<i> before round 0)
 *   <batch scope>.traj-<question>-<sample>           trajectoryWorkflow in a batch; `traj-<question>-<sample>` alone
 *                                                    for `restact ask`
 *   artifact-<read|write>-<nonce>                    a client's artifact transfer through a worker
 *   eval-<eval>                                      evalWorkflow (`restact eval`); its trajectories
 *                                                    eval-<eval>.m<model>.traj-<question>-<run>
 *   <round>.eval, campaign-<campaign>.baseline       evalWorkflow of a round, of the campaign's baseline
 *   calibrate-<nonce>                                calibrateWorkflow (`restact eval calibrate`)
 *
 * Pure: workflows import it. Changing an id format changes what running workflows compute on replay.
 */
import { hash53 } from './hash';

export function trajectoryWorkflowId(questionId: string, sample = 0, scope?: string): string {
  return [scope, `traj-${questionId}-${sample}`].filter(Boolean).join('.');
}

/** A question id for an ad-hoc question (`restact ask`): stable for the same text, so reruns are easy to find. */
export function adHocQuestionId(question: string): string {
  return `ask-${(hash53(question) >>> 0).toString(16).padStart(8, '0')}`;
}

/** A new campaign's id: its configured name and the start time, e.g. `sample-20261125-101500`. */
export function newCampaignId(name: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${name}-${stamp}`;
}

export function campaignWorkflowId(campaignId: string): string {
  return `campaign-${campaignId}`;
}

export function roundWorkflowId(campaignWorkflowId: string, round: number): string {
  return `${campaignWorkflowId}.r${round}`;
}

export type BatchPhase = 'collect' | 'evaluate' | 'baseline';

const SCOPE_SUFFIX: Record<BatchPhase, string> = { collect: 'collect', evaluate: 'eval', baseline: 'baseline' };

/** Where a phase's batches live: under the round (collect, evaluate) or the campaign (baseline). */
export function batchScope(parentWorkflowId: string, phase: BatchPhase): string {
  return `${parentWorkflowId}.${SCOPE_SUFFIX[phase]}`;
}

export function batchWorkflowId(scope: string, index: number): string {
  return `${scope}.batch-${index}`;
}

/** The scope a batch's trajectories are named under: the batch's own id without `.batch-<i>`. */
export function scopeOfBatch(batchWorkflowId: string): string {
  return batchWorkflowId.replace(/\.batch-\d+$/, '');
}

export function artifactTransferWorkflowId(direction: 'read' | 'write', nonce: string): string {
  return `artifact-${direction}-${nonce}`;
}

/** An evaluation's workflow id: `eval-<evalId>`. */
export function evalWorkflowId(evalId: string): string {
  return `eval-${evalId}`;
}

/** The evaluation id of a campaign's baseline (round -1) or round: `<campaign>-baseline`, `<campaign>-r<n>`. */
export function campaignEvalId(campaignId: string, round: number): string {
  return `${campaignId}-${round < 0 ? 'baseline' : `r${round}`}`;
}

/** A trajectory of an evaluation: `<eval workflow id>.m<model index>.traj-<questionId>-<run>`. */
export function evalTrajectoryWorkflowId(evalWorkflowId: string, modelIndex: number, questionId: string, run: number): string {
  return trajectoryWorkflowId(questionId, run, `${evalWorkflowId}.m${modelIndex}`);
}

/** A judge calibration (`restact eval calibrate`): `calibrate-<nonce>`. */
export function calibrateWorkflowId(nonce: string): string {
  return `calibrate-${nonce}`;
}
