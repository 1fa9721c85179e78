/**
 * Two evaluation runs of the agent on the same questions (before and after a change to prompts, grammars,
 * decoding or the loop): each run's metrics with 95% CIs over the shared questions, and the paired bootstrap of
 * the difference for accuracy and cost. Pure.
 */
import { compareModels, METRICS, PAIRED_METRICS, summarizeModel, type AggregateOptions, type AnswerRecord, type ModelSummary, type PairedComparison } from './aggregate';
import { formatEstimate, markdownTable } from './report';

/** Metrics whose difference is bootstrapped in pairs (per question); the others are shown per run. */
export const COMPARED_METRICS = [...PAIRED_METRICS, 'searches', 'tokens', 'wallSeconds'];

export interface RunComparison {
  /** Questions both runs answered, the only ones compared. */
  questions: number;
  base: ModelSummary;
  candidate: ModelSummary;
  paired: PairedComparison[];
}

export function compareRuns(
  base: { label: string; records: AnswerRecord[] },
  candidate: { label: string; records: AnswerRecord[] },
  options: AggregateOptions,
): RunComparison {
  const shared = new Set(base.records.map((r) => r.questionId).filter((id) => candidate.records.some((r) => r.questionId === id)));
  const only = (records: AnswerRecord[]) => records.filter((r) => shared.has(r.questionId));
  const a = { model: base.label, records: only(base.records) };
  const b = { model: candidate.label, records: only(candidate.records) };
  return {
    questions: shared.size,
    base: summarizeModel(a.model, a.records, options),
    candidate: summarizeModel(b.model, b.records, options),
    paired: compareModels(a, b, options, COMPARED_METRICS),
  };
}

/** One row per metric: both runs with CIs, then the paired difference where there is one. */
export function comparisonRows(c: RunComparison): string[][] {
  const header = ['metric', c.base.model, c.candidate.model, 'paired difference [95% CI]', 'CI excludes 0'];
  const rows = METRICS.map((def) => {
    const p = c.paired.find((x) => x.metric === def.key);
    const unit = def.unit;
    const diff = p ? formatEstimate(p, unit) + (unit === 'percent' ? ' pts' : '') : '';
    return [def.label + (unit === 'percent' ? ' %' : unit === 'seconds' ? ' (s)' : ''), formatEstimate(c.base.metrics[def.key], unit), formatEstimate(c.candidate.metrics[def.key], unit), diff, p ? (p.excludesZero ? 'yes' : 'no') : ''];
  });
  return [header, ...rows];
}

export function comparisonMarkdown(title: string, c: RunComparison): string {
  return [
    `# ${title}`,
    '',
    `${c.questions} questions answered by both runs. Values: mean [95% bootstrap CI over questions]; rates in %.`,
    `Paired differences (${c.candidate.model} - ${c.base.model}) resample questions in pairs.`,
    '',
    markdownTable(comparisonRows(c)),
    '',
  ].join('\n');
}
