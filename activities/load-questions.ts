/** One batch of questions from a staged question set (JSONL in the artifact store). */
import type { ArtifactStore } from '../ports/artifact-store';
import { NonRetryableError } from '../ports/errors';
import { parseJsonl, QuestionSchema } from '../lib/corpus';

export interface QuestionItem {
  id: string;
  question: string;
}

export interface LoadQuestionsCall {
  key: string;
  offset: number;
  limit: number;
}

export async function loadQuestions(deps: { store: ArtifactStore }, call: LoadQuestionsCall): Promise<QuestionItem[]> {
  const { rows, errors } = parseJsonl((await deps.store.get(call.key)).toString('utf8'), QuestionSchema, 'question');
  if (errors.length) throw new NonRetryableError(`${call.key} line ${errors[0].line}: ${errors[0].message}`);
  return rows.slice(call.offset, call.offset + call.limit).map((q) => ({ id: q.id, question: q.question }));
}
