/**
 * Scores one answer of an evaluation into its per-answer record: the deterministic metrics, the judge's verdict
 * (and the draft's, when the self-checks revised it), and the trajectory's behaviour. Reads the question and the
 * trajectory from the store, writes the record there, and returns the few numbers the workflow's progress needs.
 * Idempotent under retries: a record already written is read back, not judged again.
 */
import type { ArtifactStore } from '../ports/artifact-store';
import { getJson, putJson } from '../ports/artifact-store';
import type { ChatModelProvider } from '../ports/chat-model';
import { parseJsonl, QuestionSchema, type Question } from '../lib/corpus';
import { containsReference, exactMatch, f1, yesNo } from '../lib/metrics';
import type { Trajectory } from '../lib/trajectory';
import { trajectoryBehaviour } from '../lib/eval/behaviour';
import type { AnswerRecord } from '../lib/eval/aggregate';
import { judgeAnswer } from './judge';

export interface ScoreAnswerCall {
  questionsKey: string;
  questionId: string;
  /** The model's label in reports. */
  model: string;
  run: number;
  workflowId: string;
  /** Unset when the trajectory workflow itself failed (nothing stored). */
  trajectoryRef?: string;
  failure?: string;
  wallMs: number;
  judgeModel?: string;
  /** Where the record goes. */
  outKey: string;
}

/** What the workflow keeps of a scored answer (for its progress query). */
export interface AnswerScore {
  em: number;
  f1: number;
  autoEval: number;
}

// A worker scores many answers of the same question set: parse each set once.
const questionCache = new Map<string, Map<string, Question>>();

async function questionById(store: ArtifactStore, key: string, id: string): Promise<Question> {
  let byId = questionCache.get(key);
  if (!byId) {
    const { rows, errors } = parseJsonl((await store.get(key)).toString('utf8'), QuestionSchema, 'question');
    if (errors.length) throw new Error(`${key} line ${errors[0].line}: ${errors[0].message}`);
    byId = new Map(rows.map((q) => [q.id, q]));
    if (questionCache.size > 8) questionCache.clear();
    questionCache.set(key, byId);
  }
  const q = byId.get(id);
  if (!q) throw new Error(`question ${id} is not in ${key}`);
  return q;
}

const toScore = (r: AnswerRecord): AnswerScore => ({ em: r.em, f1: r.f1, autoEval: r.verdict.implies ? 1 : 0 });

export async function scoreAnswer(deps: { models: ChatModelProvider; store: ArtifactStore; maxRepairs: number }, call: ScoreAnswerCall): Promise<AnswerScore> {
  if (await deps.store.exists(call.outKey)) return toScore(await getJson<AnswerRecord>(deps.store, call.outKey)); // retried after it finished
  const q = await questionById(deps.store, call.questionsKey, call.questionId);
  const trajectory = call.trajectoryRef ? await getJson<Trajectory>(deps.store, call.trajectoryRef) : undefined;
  const answer = trajectory?.answer ?? null;
  const refs = q.answers;
  const behaviour = trajectory ? trajectoryBehaviour(trajectory, q.supporting_titles ?? []) : null;
  const judge = (a: string | null) => judgeAnswer(deps, { question: q.question, answer: a, references: refs, judgeModel: call.judgeModel });
  const verdict = await judge(answer);
  const draftAnswer = behaviour?.draftAnswer ?? null;
  // The draft is scored only when the self-checks changed it: that is what the draft-vs-final table needs.
  const draft = behaviour && draftAnswer !== null && draftAnswer !== answer ? { answer: draftAnswer, em: exactMatch(draftAnswer, refs), verdict: await judge(draftAnswer) } : undefined;
  const record: AnswerRecord = {
    model: call.model,
    questionId: q.id,
    question: q.question,
    references: refs,
    run: call.run,
    workflowId: call.workflowId,
    status: trajectory?.status ?? 'failed',
    answer,
    failure: trajectory?.failure ?? call.failure,
    em: exactMatch(answer ?? '', refs),
    f1: f1(answer ?? '', refs),
    contains: containsReference(answer ?? '', refs),
    verdict,
    ...(draft ? { draft } : {}),
    behaviour,
    referenceYesNo: refs.some((r) => yesNo(r) !== undefined),
    answerYesNo: answer !== null && yesNo(answer) !== undefined,
    wallMs: call.wallMs,
  };
  await putJson(deps.store, call.outKey, record);
  return toScore(record);
}
