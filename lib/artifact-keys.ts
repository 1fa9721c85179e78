/**
 * Every artifact store key restact writes is made here, so one glance shows the store's layout:
 *
 *   trajectories/<workflow id>/trajectory.json, steps/<NN>-<kind>.json    one trajectory and its step records
 *   campaigns/<campaign>/questions.jsonl, eval-questions.jsonl             the staged question sets
 *   campaigns/<campaign>/round-<n>/ranked/<trajectory>.json                ranked step items of one trajectory
 *   campaigns/<campaign>/round-<n>/dataset/, model/, eval.json             the round's dataset, model, scores
 *   campaigns/<campaign>/baseline-eval.json, report.json, scores.svg      campaign-level results
 *   registry/models/<campaign>/round-<n>.json                               one model registry entry per round
 *   registry/distillations/<run>/student.json, teacher.json                 a distillation's two models, with lineage
 *   distillations/<name>/eval-questions.jsonl, last.json                    a series' staged questions, its last run
 *   distillations/<run>/dataset/, model/, eval/, result.json                one distillation run (<run>: its workflow id)
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

export const DISTILLATION_REGISTRY_PREFIX = 'registry/distillations/';

/** The two registry entries of one distillation run. */
export function distillationRegistryKey(runWorkflowId: string, role: 'student' | 'teacher'): string {
  return `${DISTILLATION_REGISTRY_PREFIX}${safeKey(runWorkflowId)}/${role}.json`;
}

/** What a distillation series (`distill.name`) keeps across its runs. */
export function distillSeriesKeys(name: string) {
  const prefix = `distillations/${safeKey(name)}`;
  return {
    evalQuestions: `${prefix}/eval-questions.jsonl`,
    /** The data fingerprint of the last run that distilled: a run that finds the same data stops early. */
    lastRun: `${prefix}/last.json`,
  };
}

/** One distillation run's outputs, under its workflow id. */
export function distillRunKeys(runWorkflowId: string) {
  const prefix = `distillations/${safeKey(runWorkflowId)}`;
  return {
    dataset: `${prefix}/dataset`,
    model: `${prefix}/model`,
    eval: `${prefix}/eval`,
    result: `${prefix}/result.json`,
  };
}
