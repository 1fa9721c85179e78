/**
 * Every artifact store key restact writes is made here, so one glance shows the store's layout:
 *
 *   trajectories/<workflow id>/trajectory.json, steps/<NN>-<kind>.json    one trajectory and its step records
 *   trajectories/<workflow id>/failures/<activity>.attempt-<k>.json       failed model calls of one activity attempt
 *   campaigns/<campaign>/questions.jsonl, eval-questions.jsonl             the staged question sets
 *   campaigns/<campaign>/round-<n>/ranked/<trajectory>.json                ranked step items of one trajectory
 *   campaigns/<campaign>/round-<n>/dataset/, model/, eval.json             the round's dataset, model, scores
 *   campaigns/<campaign>/baseline-eval.json, report.json, scores.svg      campaign-level results
 *   registry/models/<campaign>/round-<n>.json                               one model registry entry per round
 *
 * Pure: workflows import it.
 */

/** Keeps ids usable as path segments on every filesystem and object store. */
export function safeKey(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function trajectoryKey(workflowId: string): string {
  return `trajectories/${safeKey(workflowId)}/trajectory.json`;
}

export function stepKey(workflowId: string, index: number, kind: string): string {
  return `trajectories/${safeKey(workflowId)}/steps/${String(index).padStart(2, '0')}-${kind}.json`;
}

/** The failed model calls (by class) of one attempt of one activity of a trajectory (`03-summary`, `rank`). */
export function failureLedgerKey(workflowId: string, activity: string, attempt: number): string {
  return `${failuresPrefix(workflowId)}${safeKey(activity)}.attempt-${attempt}.json`;
}

export function failuresPrefix(workflowId: string): string {
  return `trajectories/${safeKey(workflowId)}/failures/`;
}

export function campaignKeys(campaignId: string) {
  const prefix = `campaigns/${safeKey(campaignId)}`;
  return {
    questions: `${prefix}/questions.jsonl`,
    evalQuestions: `${prefix}/eval-questions.jsonl`,
    baselineEval: `${prefix}/baseline-eval.json`,
    report: `${prefix}/report.json`,
    chart: `${prefix}/scores.svg`,
  };
}

export function roundKeys(campaignId: string, round: number) {
  const prefix = `campaigns/${safeKey(campaignId)}/round-${round}`;
  return {
    /** One file per trajectory, from `rankedKey`. */
    ranked: `${prefix}/ranked`,
    dataset: `${prefix}/dataset`,
    model: `${prefix}/model`,
    eval: `${prefix}/eval.json`,
  };
}

/** The ranked items of one trajectory, under a round's `ranked` prefix. */
export function rankedKey(rankedPrefix: string, trajectoryId: string): string {
  return `${rankedPrefix}/${safeKey(trajectoryId)}.json`;
}

export const MODEL_REGISTRY_PREFIX = 'registry/models/';

/** One file per (campaign, round): concurrent rounds never write the same file. */
export function modelRegistryKey(campaignId: string, round: number): string {
  return `${MODEL_REGISTRY_PREFIX}${safeKey(campaignId)}/round-${round}.json`;
}

/** A model ref that points into the artifact store (e.g. a LoRA adapter a local fine-tune wrote). */
export const ARTIFACT_MODEL_REF = 'artifact:';

export function artifactModelRef(key: string): string {
  return ARTIFACT_MODEL_REF + key;
}
