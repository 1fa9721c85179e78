/**
 * The distillation's data: the teacher's step datasets (the latest campaign's round datasets from the model
 * registry, or chosen ones) merged into one training set for the student, unless they are the same data the
 * series' last run distilled (then it says so, and the run ends early).
 */
import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../ports/artifact-store';
import { getJson } from '../ports/artifact-store';
import { NonRetryableError } from '../ports/errors';
import { campaignKeys, distillRunKeys, distillSeriesKeys } from '../lib/artifact-keys';
import { campaignTeacher, latestCampaign, mergeJsonl, validationKeyOf, type DistillationData, type DistillationInput } from '../lib/distill/plan';
import { parseJsonl, QuestionSchema } from '../lib/corpus';
import { readModelRegistry } from './register-model';

export interface PrepareDistillationCall {
  runWorkflowId: string;
  name: string;
  student: string;
  teacher: DistillationInput['teacher'];
  evalQuestionsKey?: string;
}

/** The last run of a series that distilled, and the data it used. */
export interface LastDistillation {
  workflowId: string;
  fingerprint: string;
}

export async function prepareDistillation(deps: { store: ArtifactStore }, call: PrepareDistillationCall): Promise<DistillationData> {
  const { store } = deps;
  let teacherCampaignId: string | undefined;
  let datasetKeys = call.teacher.datasets;
  let teacherModel = call.teacher.model;
  if (!datasetKeys) {
    const registry = await readModelRegistry(store);
    teacherCampaignId = call.teacher.campaign === 'latest' ? latestCampaign(registry) : call.teacher.campaign;
    const teacher = teacherCampaignId ? campaignTeacher(registry, teacherCampaignId) : undefined;
    if (!teacher) {
      throw new NonRetryableError(
        call.teacher.campaign === 'latest'
          ? `the model registry (${store.location}/registry/models/) has no campaign yet: run one (restact campaign start) or choose datasets (distill.teacher.datasets)`
          : `campaign ${call.teacher.campaign} has no registered rounds in the model registry`,
      );
    }
    datasetKeys = teacher.datasetKeys;
    teacherModel ??= teacher.model;
  }
  for (const key of datasetKeys) if (!(await store.exists(key))) throw new NonRetryableError(`teacher dataset ${key} is not in the artifact store (${store.location})`);
  const trainTexts = await Promise.all(datasetKeys.map(async (k) => (await store.get(k)).toString('utf8')));
  const validationKeys = datasetKeys.map(validationKeyOf).filter((k): k is string => !!k);
  const validationTexts = await Promise.all(validationKeys.map(async (k) => ((await store.exists(k)) ? (await store.get(k)).toString('utf8') : '')));

  // The same teacher data for the same student is no reason to train again.
  const fingerprint = createHash('sha256').update(JSON.stringify({ student: call.student, teacherModel, trainTexts, validationTexts })).digest('hex');
  const series = distillSeriesKeys(call.name);
  const last = (await store.exists(series.lastRun)) ? await getJson<LastDistillation>(store, series.lastRun) : undefined;
  if (last && last.fingerprint === fingerprint && last.workflowId !== call.runWorkflowId) {
    return { newData: false, fingerprint, since: last.workflowId, teacherModel: teacherModel!, datasetKeys };
  }

  const keys = distillRunKeys(call.runWorkflowId);
  const train = mergeJsonl(trainTexts);
  if (!train.lines) throw new NonRetryableError(`the teacher datasets hold no examples: ${datasetKeys.join(', ')}`);
  const validation = mergeJsonl(validationTexts);
  const trainKey = await store.put(`${keys.dataset}/train.jsonl`, train.text);
  const validationKey = validation.lines ? await store.put(`${keys.dataset}/validation.jsonl`, validation.text) : undefined;

  const evalQuestionsKey = call.evalQuestionsKey ?? (teacherCampaignId ? campaignKeys(teacherCampaignId).evalQuestions : undefined);
  if (!evalQuestionsKey || !(await store.exists(evalQuestionsKey))) {
    throw new NonRetryableError(`no held-out questions for the evaluation${evalQuestionsKey ? ` (${evalQuestionsKey} is not in the store)` : ''}: set distill.evaluation.questions`);
  }
  const { rows } = parseJsonl((await store.get(evalQuestionsKey)).toString('utf8'), QuestionSchema, 'question');
  return {
    newData: true,
    fingerprint,
    teacherCampaignId,
    teacherModel: teacherModel!,
    datasetKeys,
    trainKey,
    validationKey,
    examples: { train: train.lines, validation: validation.lines, duplicatesRemoved: train.duplicatesRemoved },
    evalQuestionsKey,
    evalQuestionCount: rows.length,
  };
}
