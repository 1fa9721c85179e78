/** Exact match and F1 of one model's answers on the held-out questions; the per-question report goes to the store. */
import type { ArtifactStore } from '../ports/artifact-store';
import { putJson } from '../ports/artifact-store';
import { parseJsonl, QuestionSchema } from '../lib/corpus';
import { aggregate, exactMatch, f1 } from '../lib/metrics';
import type { EvalScore } from '../lib/rest/progress';

export interface ScoreEvaluationCall {
  questionsKey: string;
  answers: Array<{ questionId: string; answer: string | null }>;
  reportKey: string;
}

export async function scoreEvaluation(deps: { store: ArtifactStore }, call: ScoreEvaluationCall): Promise<EvalScore> {
  const { rows } = parseJsonl((await deps.store.get(call.questionsKey)).toString('utf8'), QuestionSchema, 'question');
  const gold = new Map(rows.map((q) => [q.id, q.answers]));
  const per = call.answers.map((a) => {
    const refs = gold.get(a.questionId) ?? [];
    const pred = a.answer ?? '';
    return { questionId: a.questionId, answer: a.answer, references: refs, em: exactMatch(pred, refs), f1: f1(pred, refs) };
  });
  const total = aggregate(per);
  const score: EvalScore = { n: total.n, answered: call.answers.filter((a) => a.answer !== null).length, em: total.em, f1: total.f1 };
  await putJson(deps.store, call.reportKey, { ...score, perQuestion: per });
  return score;
}
