/**
 * Evaluation activities: score one answer (deterministic metrics, the judge's verdict, the trajectory's
 * behaviour) into a per-answer record, and aggregate the records into the report (JSON, Markdown, SVG charts).
 * Both read and write the artifact store and return small values; both are idempotent under retries.
 */
import type { ArtifactStore } from '../ports/artifact-store';
import { getJson, putJson } from '../ports/artifact-store';
import type { ChatModelProvider } from '../ports/chat-model';
import { parseJsonl, QuestionSchema, type Question } from '../lib/corpus';
import { containsReference, exactMatch, f1, yesNo } from '../lib/metrics';
import type { Trajectory } from '../lib/trajectory';
import { trajectoryBehaviour } from '../lib/eval/behaviour';
import { compareModels, summarizeModel, type AnswerRecord, type ModelSummary, type PairedComparison } from '../lib/eval/aggregate';
import type { JudgeDescription } from '../lib/eval/judge';
import { ACCURACY_METRICS, BEHAVIOUR_RATE_METRICS, evalMarkdown, type EvalOutcome, type EvalReport } from '../lib/eval/report';

export type { EvalOutcome };
import { METRICS } from '../lib/eval/aggregate';
import { barChartSvg } from '../lib/charts';
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

export interface WriteEvalReportCall {
  evalId: string;
  title: string;
  outPrefix: string;
  /** Model labels, in the order of `answers/m<i>/`. */
  models: string[];
  questions: number;
  runs: number;
  judge: JudgeDescription;
  settings: EvalReport['settings'];
  /** Earlier evaluations to compare against (paired, on shared questions): their prefix, model index and label. */
  compareWith?: Array<{ outPrefix: string; modelIndex: number; label: string }>;
}


async function readRecords(store: ArtifactStore, prefix: string): Promise<AnswerRecord[]> {
  const keys = await store.list(prefix);
  return Promise.all(keys.filter((k) => k.endsWith('.json')).map((k) => getJson<AnswerRecord>(store, k)));
}

export async function writeEvalReport(store: ArtifactStore, call: WriteEvalReportCall): Promise<EvalOutcome> {
  const options = { seed: call.settings.seed, resamples: call.settings.resamples };
  const perModel = await Promise.all(call.models.map(async (model, i) => ({ model, records: await readRecords(store, `${call.outPrefix}/answers/m${i}/`) })));
  const models = perModel.map((m) => summarizeModel(m.model, m.records, options));
  const paired: PairedComparison[] = [];
  for (let i = 1; i < perModel.length; i++) paired.push(...compareModels(perModel[0], perModel[i], options));
  for (const c of call.compareWith ?? []) {
    const earlier = { model: c.label, records: await readRecords(store, `${c.outPrefix}/answers/m${c.modelIndex}/`) };
    for (const m of perModel) paired.push(...compareModels(earlier, m, options));
  }
  const files = {
    json: `${call.outPrefix}/report.json`,
    markdown: `${call.outPrefix}/report.md`,
    accuracyChart: `${call.outPrefix}/accuracy.svg`,
    behaviourChart: `${call.outPrefix}/behaviour.svg`,
  };
  const report: EvalReport = { evalId: call.evalId, title: call.title, questions: call.questions, runs: call.runs, judge: call.judge, settings: call.settings, models, paired, files };
  await store.put(files.accuracyChart, accuracyChart(report.title, models, call.judge));
  await store.put(files.behaviourChart, behaviourChart(report.title, models));
  await store.put(files.markdown, evalMarkdown(report, { accuracy: 'accuracy.svg', behaviour: 'behaviour.svg' }));
  await putJson(store, files.json, report);
  return { evalId: call.evalId, files, judge: call.judge, models: models.map(({ model, questions, answers, runs, metrics, judge }) => ({ model, questions, answers, runs, metrics, judge })), paired };
}

const label = (key: string) => METRICS.find((m) => m.key === key)!.label;

/** Accuracy per model (or round) with 95% CI whiskers. */
export function accuracyChart(title: string, models: Array<Pick<ModelSummary, 'model' | 'metrics'>>, judge: JudgeDescription): string {
  return barChartSvg({
    title: `${title}: accuracy`,
    subtitle: `95% bootstrap CIs; auto-eval judge ${judge.label}${judge.weak ? ' (weak)' : ''}`,
    categories: models.map((m) => m.model),
    series: ACCURACY_METRICS.map((key) => ({ name: label(key), values: models.map((m) => m.metrics[key]) })),
    percent: true,
  });
}

/** Behaviour rates per model (or round) with 95% CI whiskers. */
export function behaviourChart(title: string, models: Array<Pick<ModelSummary, 'model' | 'metrics'>>): string {
  return barChartSvg({
    title: `${title}: behaviour`,
    subtitle: '95% bootstrap CIs',
    categories: BEHAVIOUR_RATE_METRICS.map(label),
    series: models.map((m) => ({ name: m.model, values: BEHAVIOUR_RATE_METRICS.map((key) => m.metrics[key]) })),
    percent: true,
    width: 1000,
  });
}
