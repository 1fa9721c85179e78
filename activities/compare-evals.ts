/**
 * Compares two evaluation runs on their shared questions (lib/eval/compare.ts) and writes the comparison next to
 * the candidate run's report. Behaviour is recomputed from the stored trajectories with this worker's code, so
 * both runs are measured by the same definitions even when they were scored by different versions.
 */
import type { ArtifactStore } from '../ports/artifact-store';
import { getJson, putJson } from '../ports/artifact-store';
import { parseJsonl, QuestionSchema } from '../lib/corpus';
import type { Trajectory } from '../lib/trajectory';
import { evalAnswersPrefix, evalComparisonKeys, evalQuestionsKey, trajectoryKey } from '../lib/artifact-keys';
import type { AnswerRecord } from '../lib/eval/aggregate';
import { trajectoryBehaviour } from '../lib/eval/behaviour';
import { compareRuns, comparisonMarkdown, type RunComparison } from '../lib/eval/compare';

export interface EvalRunRef {
  /** The run's artifact prefix (`evals/<id>`) and the model whose answers to compare. */
  outPrefix: string;
  modelIndex: number;
  label: string;
}

export interface CompareEvalsCall {
  base: EvalRunRef;
  candidate: EvalRunRef;
  seed: string;
  resamples: number;
}

export interface EvalComparisonOutcome {
  comparison: RunComparison;
  files: { json: string; markdown: string };
}

async function records(store: ArtifactStore, run: EvalRunRef): Promise<AnswerRecord[]> {
  const keys = (await store.list(evalAnswersPrefix(run.outPrefix, run.modelIndex))).filter((k) => k.endsWith('.json'));
  if (!keys.length) throw new Error(`no answers of model ${run.modelIndex} under ${run.outPrefix}: is that an evaluation in this store?`);
  const questions = (await store.exists(evalQuestionsKey(run.outPrefix)))
    ? new Map(parseJsonl((await store.get(evalQuestionsKey(run.outPrefix))).toString('utf8'), QuestionSchema, 'question').rows.map((q) => [q.id, q]))
    : new Map();
  return Promise.all(
    keys.map(async (k) => {
      const record = await getJson<AnswerRecord>(store, k);
      const stored = trajectoryKey(record.workflowId);
      if (!(await store.exists(stored))) return record;
      const behaviour = trajectoryBehaviour(await getJson<Trajectory>(store, stored), questions.get(record.questionId)?.supporting_titles ?? []);
      return { ...record, behaviour };
    }),
  );
}

export async function compareEvals(deps: { store: ArtifactStore }, call: CompareEvalsCall): Promise<EvalComparisonOutcome> {
  const [base, candidate] = await Promise.all([records(deps.store, call.base), records(deps.store, call.candidate)]);
  const comparison = compareRuns({ label: call.base.label, records: base }, { label: call.candidate.label, records: candidate }, { seed: call.seed, resamples: call.resamples });
  const files = evalComparisonKeys(call.candidate.outPrefix, call.base.label);
  await deps.store.put(files.markdown, comparisonMarkdown(`${call.candidate.label} against ${call.base.label}`, comparison));
  await putJson(deps.store, files.json, comparison);
  return { comparison, files };
}
