/**
 * Every artifact store key restact writes is made here, so one glance shows the store's layout:
 *
 *   trajectories/<workflow id>/trajectory.json, steps/<NN>-<kind>.json    one trajectory and its step records
 *   trajectories/<workflow id>/failures/<activity>.attempt-<k>.json       failed model calls of one activity attempt
 *   campaigns/<campaign>/questions.jsonl, eval-questions.jsonl             the staged question sets
 *   campaigns/<campaign>/round-<n>/ranked/<trajectory>.json                ranked step items of one trajectory
 *   campaigns/<campaign>/round-<n>/dataset/train.jsonl, validation.jsonl, stats.json    the round's dataset
 *   campaigns/<campaign>/round-<n>/model/                                   the round's fine-tuned model
 *   campaigns/<campaign>/baseline-eval/, round-<n>/eval/                    a campaign's evaluations (as evals/<eval>/)
 *   campaigns/<campaign>/baseline-eval.json, round-<n>/eval.json           their scores, before evalWorkflow
 *   campaigns/<campaign>/report.json, scores.svg                           the campaign's result and score chart
 *   campaigns/<campaign>/report.md, accuracy.svg, behaviour.svg            the campaign page (`restact report`)
 *   registry/models/<campaign>/round-<n>.json                               one model registry entry per round
 *   registry/distillations/<run>/student.json, teacher.json                 a distillation's two models, with lineage
 *   distillations/<name>/eval-questions.jsonl, last.json                    a series' staged questions, its last run
 *   distillations/<run>/dataset/, model/, eval/, result.json                one distillation run (<run>: its workflow id)
 *   evals/<eval>/questions.jsonl                                            an evaluation's staged questions
 *   evals/<eval>/answers/m<model>/<question>-r<run>.json                    its judged answers
 *   evals/<eval>/report.json, report.md, accuracy.svg, behaviour.svg        its report
 *   calibration/<stamp>.json                                                a judge calibration (`restact eval calibrate`)
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
    /** The campaign page `restact report` writes, and its charts beside it. */
    page: `${prefix}/report.md`,
    accuracyChart: `${prefix}/accuracy.svg`,
    behaviourChart: `${prefix}/behaviour.svg`,
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

/** A round's fine-tuning dataset, under its `dataset` prefix: the splits (chat JSONL) and their statistics. */
export function datasetKeys(datasetPrefix: string) {
  return {
    train: `${datasetPrefix}/train.jsonl`,
    validation: `${datasetPrefix}/validation.jsonl`,
    stats: `${datasetPrefix}/stats.json`,
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

/** Where an evaluation run from the CLI keeps its answers and report. */
export function evalPrefix(evalId: string): string {
  return `evals/${safeKey(evalId)}`;
}

/** Where a campaign's evaluation keeps them: the baseline (round -1) or a round's. */
export function campaignEvalPrefix(campaignId: string, round: number): string {
  const campaign = `campaigns/${safeKey(campaignId)}`;
  return round < 0 ? `${campaign}/baseline-eval` : `${campaign}/round-${round}/eval`;
}

/** The questions the CLI stages for an evaluation. */
export function evalQuestionsKey(outPrefix: string): string {
  return `${outPrefix}/questions.jsonl`;
}

/** The judged answers of one model of an evaluation (`evalAnswerKey`), listed to build the report. */
export function evalAnswersPrefix(outPrefix: string, modelIndex: number): string {
  return `${outPrefix}/answers/m${modelIndex}/`;
}

/** One judged answer of an evaluation. */
export function evalAnswerKey(outPrefix: string, modelIndex: number, questionId: string, run: number): string {
  return `${evalAnswersPrefix(outPrefix, modelIndex)}${safeKey(questionId)}-r${run}.json`;
}

/** An evaluation's report files; the charts sit beside the Markdown page, which links them by file name. */
export function evalReportKeys(outPrefix: string) {
  return {
    json: `${outPrefix}/report.json`,
    markdown: `${outPrefix}/report.md`,
    accuracyChart: `${outPrefix}/accuracy.svg`,
    behaviourChart: `${outPrefix}/behaviour.svg`,
  };
}

/** A judge calibration's labels, verdicts and statistics. */
export function calibrationKey(stamp: string): string {
  return `calibration/${safeKey(stamp)}.json`;
}

/** A comparison of an evaluation with an earlier one, next to the later one's report. */
export function evalComparisonKeys(outPrefix: string, baseLabel: string) {
  return { json: `${outPrefix}/compare-${safeKey(baseLabel)}.json`, markdown: `${outPrefix}/compare-${safeKey(baseLabel)}.md` };
}
