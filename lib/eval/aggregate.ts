/**
 * From per-answer records to an evaluation summary: every metric with a 95% bootstrap CI over questions (runs
 * of the same question are averaged first, so questions are the resampled unit), the spread across runs, the
 * draft-vs-final table of the self-checks, per-step-kind failure and repair rates, and paired differences
 * between models on the same questions. Pure.
 */
import { bootstrap, mean, pairedBootstrap, stdDev, type Estimate, type PairedEstimate } from './bootstrap';
import type { TrajectoryBehaviour } from './behaviour';
import type { Verdict } from './judge';
import { LLM_STEP_KINDS, type StepKind } from '../agent/types';

/** Everything recorded about one answer (one trajectory of one model on one question); stored as JSON. */
export interface AnswerRecord {
  model: string;
  questionId: string;
  question: string;
  references: string[];
  run: number;
  workflowId: string;
  status: 'answered' | 'failed';
  answer: string | null;
  failure?: string;
  em: number;
  f1: number;
  contains: number;
  verdict: Verdict;
  /** The answer step's text before the self-checks, and its scores (when it differs from the final answer). */
  draft?: { answer: string | null; em: number; verdict?: Verdict };
  /** Null when the trajectory never reached the store (the child workflow itself failed). */
  behaviour: TrajectoryBehaviour | null;
  referenceYesNo: boolean;
  answerYesNo: boolean;
  /** Workflow-clock time from starting the trajectory to its result (includes queueing). */
  wallMs: number;
}

export type MetricKind = 'mean' | 'ratio';

export interface MetricDef {
  key: string;
  label: string;
  /** `percent`: shown as a percentage; `number`: as is. */
  unit: 'percent' | 'number' | 'seconds';
  kind: MetricKind;
  /** For `mean`: the value of one answer (null: not defined for it, e.g. recall without supporting titles). */
  value?: (r: AnswerRecord) => number | null;
  /** For `ratio`: pooled numerator and denominator (e.g. repeated queries / queries). */
  num?: (r: AnswerRecord) => number;
  den?: (r: AnswerRecord) => number;
}

const beh = <K extends keyof TrajectoryBehaviour>(k: K) => (r: AnswerRecord) => (r.behaviour ? (r.behaviour[k] as number) : 0);

export const METRICS: MetricDef[] = [
  { key: 'autoEval', label: 'auto-eval', unit: 'percent', kind: 'mean', value: (r) => (r.verdict.implies ? 1 : 0) },
  { key: 'em', label: 'EM', unit: 'percent', kind: 'mean', value: (r) => r.em },
  { key: 'f1', label: 'F1', unit: 'percent', kind: 'mean', value: (r) => r.f1 },
  { key: 'contains', label: 'contains ref.', unit: 'percent', kind: 'mean', value: (r) => r.contains },
  { key: 'answered', label: 'answered', unit: 'percent', kind: 'mean', value: (r) => (r.status === 'answered' ? 1 : 0) },
  { key: 'searches', label: 'searches', unit: 'number', kind: 'mean', value: beh('searches') },
  { key: 'distinctQueries', label: 'distinct queries', unit: 'number', kind: 'mean', value: beh('distinctQueries') },
  { key: 'repeatedQueryRate', label: 'repeated-query rate', unit: 'percent', kind: 'ratio', num: beh('repeatedQueries'), den: beh('searches') },
  { key: 'exactRepeatRate', label: 'exact-repeat rate', unit: 'percent', kind: 'ratio', num: beh('exactRepeatedQueries'), den: beh('searches') },
  { key: 'goldHit', label: 'retrieval hit (any gold)', unit: 'percent', kind: 'mean', value: (r) => (r.behaviour?.goldTitles ? (r.behaviour.goldTitlesRetrieved > 0 ? 1 : 0) : null) },
  { key: 'goldRecall', label: 'retrieval recall (gold titles)', unit: 'percent', kind: 'mean', value: (r) => (r.behaviour?.goldTitles ? r.behaviour.goldTitlesRetrieved / r.behaviour.goldTitles : null) },
  { key: 'yesNoRate', label: 'yes/no answers', unit: 'percent', kind: 'mean', value: (r) => (r.answerYesNo ? 1 : 0) },
  { key: 'refYesNoRate', label: 'yes/no references', unit: 'percent', kind: 'mean', value: (r) => (r.referenceYesNo ? 1 : 0) },
  { key: 'stepFailures', label: 'step failures / traj.', unit: 'number', kind: 'mean', value: beh('stepFailures') },
  { key: 'repairs', label: 'repairs / traj.', unit: 'number', kind: 'mean', value: beh('repairs') },
  { key: 'revisions', label: 'self-check revisions / traj.', unit: 'number', kind: 'mean', value: beh('revisions') },
  { key: 'repeatedSummaryRate', label: 'repeated-summary rate', unit: 'percent', kind: 'ratio', num: beh('repeatedSummaries'), den: beh('summaries') },
  { key: 'uncitedSummaryRate', label: 'uncited-summary rate', unit: 'percent', kind: 'ratio', num: beh('uncitedSummaries'), den: beh('summaries') },
  { key: 'exampleCopyRate', label: 'worked-example copy rate', unit: 'percent', kind: 'ratio', num: beh('workedExampleCopies'), den: beh('textOutputs') },
  { key: 'tokens', label: 'tokens / traj.', unit: 'number', kind: 'mean', value: (r) => (r.behaviour ? r.behaviour.promptTokens + r.behaviour.completionTokens : 0) },
  { key: 'stepSeconds', label: 'step time / traj.', unit: 'seconds', kind: 'mean', value: (r) => (r.behaviour ? r.behaviour.stepLatencyMs / 1000 : 0) },
  { key: 'wallSeconds', label: 'wall time / traj.', unit: 'seconds', kind: 'mean', value: (r) => r.wallMs / 1000 },
];

/** Metrics compared between models with the paired bootstrap. */
export const PAIRED_METRICS = ['autoEval', 'em', 'f1', 'contains'];

export interface MetricSummary extends Estimate {
  /** Standard deviation of the metric across runs (each run over all questions); with `runs` > 1. */
  runSd?: number | null;
}

export interface DraftFinalTable {
  /** Trajectories whose self-checks changed the answer. */
  revised: number;
  /** Among revised trajectories: [draft correct][final correct] counts, by EM and by auto-eval. */
  em: { wrongToRight: number; rightToWrong: number; bothRight: number; bothWrong: number };
  autoEval: { wrongToRight: number; rightToWrong: number; bothRight: number; bothWrong: number };
}

export interface ModelSummary {
  model: string;
  questions: number;
  answers: number;
  runs: number;
  metrics: Record<string, MetricSummary>;
  perStepKind: Partial<Record<StepKind, { steps: number; failureRate: Estimate; repairRate: Estimate }>>;
  draftVsFinal: DraftFinalTable;
  judge: { byModel: number; byRule: number; undecided: number };
}

export interface PairedComparison extends PairedEstimate {
  metric: string;
  /** The difference is `b - a`. */
  a: string;
  b: string;
}

export interface AggregateOptions {
  seed: string;
  resamples: number;
}

/** Records grouped by question (sorted by question id, so resampling does not depend on storage order). */
function byQuestion(records: AnswerRecord[]): AnswerRecord[][] {
  const groups = new Map<string, AnswerRecord[]>();
  for (const r of records) groups.set(r.questionId, [...(groups.get(r.questionId) ?? []), r]);
  return [...groups.keys()].sort().map((k) => groups.get(k)!);
}

/** The statistic of a metric over a (re)sample of questions. */
export function metricStatistic(def: MetricDef): (questions: AnswerRecord[][]) => number | null {
  if (def.kind === 'ratio') {
    return (questions) => {
      let num = 0;
      let den = 0;
      for (const runs of questions) for (const r of runs) {
        num += def.num!(r);
        den += def.den!(r);
      }
      return den > 0 ? num / den : null;
    };
  }
  return (questions) => mean(questions.map((runs) => questionValue(def, runs)).filter((v): v is number => v !== null));
}

/** A question's value of a mean metric: the mean over its runs where defined. */
export function questionValue(def: MetricDef, runs: AnswerRecord[]): number | null {
  return mean(runs.map((r) => def.value!(r)).filter((v): v is number => v !== null));
}

function tally(pairs: Array<[boolean, boolean]>) {
  const t = { wrongToRight: 0, rightToWrong: 0, bothRight: 0, bothWrong: 0 };
  for (const [d, f] of pairs) {
    if (d && f) t.bothRight++;
    else if (d) t.rightToWrong++;
    else if (f) t.wrongToRight++;
    else t.bothWrong++;
  }
  return t;
}

export function summarizeModel(model: string, records: AnswerRecord[], options: AggregateOptions): ModelSummary {
  const questions = byQuestion(records);
  const runIds = [...new Set(records.map((r) => r.run))].sort((a, b) => a - b);
  const metrics: Record<string, MetricSummary> = {};
  for (const def of METRICS) {
    const stat = metricStatistic(def);
    const est: MetricSummary = bootstrap(questions, stat, { seed: `${options.seed}:${model}:${def.key}`, resamples: options.resamples });
    if (runIds.length > 1) {
      const perRun = runIds.map((run) => stat(questions.map((qs) => qs.filter((r) => r.run === run)).filter((qs) => qs.length))).filter((v): v is number => v !== null);
      est.runSd = stdDev(perRun);
    }
    metrics[def.key] = est;
  }
  const perStepKind: ModelSummary['perStepKind'] = {};
  for (const kind of LLM_STEP_KINDS) {
    const count = (r: AnswerRecord, f: 'steps' | 'failed' | 'repairs') => r.behaviour?.perKind[kind]?.[f] ?? 0;
    const steps = records.reduce((n, r) => n + count(r, 'steps'), 0);
    if (!steps) continue;
    const rate = (f: 'failed' | 'repairs') =>
      bootstrap(questions, metricStatistic({ key: `${kind}.${f}`, label: '', unit: 'percent', kind: 'ratio', num: (r) => count(r, f), den: (r) => count(r, 'steps') }), {
        seed: `${options.seed}:${model}:${kind}:${f}`,
        resamples: options.resamples,
      });
    perStepKind[kind] = { steps, failureRate: rate('failed'), repairRate: rate('repairs') };
  }
  const revised = records.filter((r) => r.draft);
  return {
    model,
    questions: questions.length,
    answers: records.length,
    runs: runIds.length,
    metrics,
    perStepKind,
    draftVsFinal: {
      revised: revised.length,
      em: tally(revised.map((r) => [r.draft!.em === 1, r.em === 1])),
      autoEval: tally(revised.map((r) => [r.draft!.verdict?.implies === true, r.verdict.implies === true])),
    },
    judge: {
      byModel: records.filter((r) => r.verdict.source === 'judge').length,
      byRule: records.filter((r) => r.verdict.source === 'exact_match' || r.verdict.source === 'no_answer' || r.verdict.source === 'yes_no_mismatch').length,
      undecided: records.filter((r) => r.verdict.implies === null).length,
    },
  };
}

/**
 * Paired differences `b - a` on the questions both answered (per-question means over runs), for each metric
 * in PAIRED_METRICS.
 */
export function compareModels(a: { model: string; records: AnswerRecord[] }, b: { model: string; records: AnswerRecord[] }, options: AggregateOptions): PairedComparison[] {
  const qa = new Map(byQuestion(a.records).map((runs) => [runs[0].questionId, runs]));
  const qb = new Map(byQuestion(b.records).map((runs) => [runs[0].questionId, runs]));
  const shared = [...qa.keys()].filter((id) => qb.has(id)).sort();
  return PAIRED_METRICS.map((key) => {
    const def = METRICS.find((m) => m.key === key)!;
    const xs = shared.map((id) => questionValue(def, qa.get(id)!) ?? 0);
    const ys = shared.map((id) => questionValue(def, qb.get(id)!) ?? 0);
    return { metric: key, a: a.model, b: b.model, ...pairedBootstrap(xs, ys, { seed: `${options.seed}:paired:${a.model}:${b.model}:${key}`, resamples: options.resamples }) };
  });
}
