/**
 * Distillation (the paper's "2nd gen XS/S"): a student fine-tuned on a teacher's trajectories, then both evaluated
 * on the same held-out questions, and both recorded in the model registry with their lineage. Started nightly by a
 * Temporal Schedule (`restact schedule distill`); a run that finds no new teacher data since the series' last run
 * records that and ends.
 *
 *   data -> fine-tune (training task queue) -> evaluate student and teacher (evalWorkflow, paired) -> register
 */
import { executeChild, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { DISTILL_EVAL_MODELS, distillationEvaluation, type DistillationInput, type DistillationResult } from '../lib/distill/plan';
import { distillRunKeys, safeKey } from '../lib/artifact-keys';
import { OUTCOME, PHASE } from '../lib/search-attributes';
import { evalSummary, runLabel } from '../lib/run-summary';
import { distillEvalWorkflowId } from '../lib/workflow-ids';
import { io, training } from './activity-options';
import { evalWorkflow } from './eval';
import { withLocalSteps } from '../lib/trajectory';

type DistillPhase = 'data' | 'fine-tune' | 'evaluate' | 'register' | 'done';

export async function distillationWorkflow(input: DistillationInput): Promise<DistillationResult> {
  const { workflowId } = workflowInfo();
  const phase = (value: DistillPhase) => upsertSearchAttributes([{ key: PHASE, value }]);
  const keys = distillRunKeys(workflowId);

  // 1. The teacher's data, merged; or the finding that it is what the last run distilled.
  phase('data');
  const data = await io.prepareDistillation({ runWorkflowId: workflowId, name: input.name, student: input.student, teacher: input.teacher, evalQuestionsKey: input.evaluation.questionsKey });
  if (!data.newData) {
    const result = await io.recordDistillation({
      name: input.name,
      fingerprint: data.fingerprint,
      result: { workflowId, status: 'no-new-data', since: data.since, teacherModel: data.teacherModel, datasetKeys: data.datasetKeys, keys: {} },
    });
    upsertSearchAttributes([{ key: OUTCOME, value: 'no-new-data' }, { key: PHASE, value: 'done' }]);
    return result;
  }

  // 2. The student learns the teacher's steps (any FineTuner backend, on the training workers).
  phase('fine-tune');
  const tuned = await training(input.trainingTaskQueue).fineTune({
    jobKey: safeKey(workflowId),
    baseModel: input.student,
    trainKey: data.trainKey,
    validationKey: data.validationKey,
    outputKey: keys.model,
    hyperparameters: input.fineTune,
  });

  // 3. Student and teacher on the same held-out questions, in one evaluation: the teacher is model 0, so its paired
  // differences are student - teacher, per question, with bootstrap CIs.
  phase('evaluate');
  const ev = input.evaluation;
  const evalId = distillEvalWorkflowId(workflowId);
  const title = `distillation ${workflowId}`;
  const models = [
    { label: DISTILL_EVAL_MODELS.teacher, ref: data.teacherModel },
    { label: DISTILL_EVAL_MODELS.student, ref: tuned.model },
  ];
  const outcome = await executeChild(evalWorkflow, {
    workflowId: evalId,
    args: [
      {
        evalId: workflowId,
        title,
        questionsKey: data.evalQuestionsKey,
        questionCount: data.evalQuestionCount,
        models,
        runs: ev.runs,
        judge: input.judge ?? { ref: ev.judge, label: ev.judge ?? "the workers' configured model", weak: false },
        maxSearches: ev.maxSearches,
        temperature: ev.temperature,
        concurrency: ev.concurrency,
        ...withLocalSteps(input),
        outPrefix: keys.eval,
        seed: ev.seed,
        resamples: ev.resamples,
      },
    ],
    ...runLabel(evalSummary({ title, models: models.map((m) => m.label), questions: data.evalQuestionCount, runs: ev.runs })),
  });
  const evaluation = distillationEvaluation(evalId, outcome);
  const entryEvaluation = (label: string) => ({
    workflowId: evalId,
    reportKey: outcome.files.json,
    scores: outcome.models.find((m) => m.model === label)?.metrics,
    paired: evaluation.studentMinusTeacher,
  });

  // 4. Both in the registry, with lineage.
  phase('register');
  const lineage = { teacherModel: data.teacherModel, teacherCampaignId: data.teacherCampaignId, datasetKeys: data.datasetKeys, trainKey: data.trainKey };
  const result = await io.recordDistillation({
    name: input.name,
    fingerprint: data.fingerprint,
    result: {
      workflowId,
      status: 'distilled',
      teacherModel: data.teacherModel,
      studentModel: tuned.model,
      datasetKeys: data.datasetKeys,
      keys: { trainKey: data.trainKey, evalReport: outcome.files.markdown },
      evaluation,
    },
    models: [
      { role: 'student', model: tuned.model, parentModel: input.student, ...lineage, trainLoss: tuned.trainLoss, evaluation: entryEvaluation(DISTILL_EVAL_MODELS.student), outputs: tuned.outputs },
      { role: 'teacher', model: data.teacherModel, ...lineage, evaluation: entryEvaluation(DISTILL_EVAL_MODELS.teacher) },
    ],
  });
  upsertSearchAttributes([{ key: OUTCOME, value: 'distilled' }, { key: PHASE, value: 'done' }]);
  return result;
}
