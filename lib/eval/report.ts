/**
 * The evaluation report: its JSON shape, the Markdown page and the terminal table. Metrics are rows and models
 * are columns, always in the same order, so two reports diff line by line. Pure.
 */
import { METRICS, type ModelSummary, type PairedComparison } from './aggregate';
import type { Estimate } from './bootstrap';
import type { FailureCounts } from '../failure-class';
import { WEAK_JUDGE_NOTE, type JudgeDescription } from './judge';

export interface EvalReport {
  evalId: string;
  title: string;
  /** Questions in the set, runs per question, models. */
  questions: number;
  runs: number;
  judge: JudgeDescription;
  settings: { seed: string; resamples: number; maxSearches: number; temperature: number; searchDb?: string };
  models: ModelSummary[];
  /** Model i against model 0 of this evaluation, and against any earlier evaluations it was compared with. */
  paired: PairedComparison[];
  /** Artifact keys of the report's files. */
  files: { json: string; markdown: string; accuracyChart: string; behaviourChart: string };
}

/** The small result workflows carry: where the report is, and the headline numbers. */
export interface EvalOutcome {
  evalId: string;
  files: EvalReport['files'];
  judge: JudgeDescription;
  models: Array<Pick<ModelSummary, 'model' | 'questions' | 'answers' | 'runs' | 'metrics' | 'judge'>>;
  paired: PairedComparison[];
  /**
   * Failed model calls of the evaluation (its trajectories' steps and the judge; retried ones too) by class, as
   * evalWorkflow adds them up (absent before its `failure-tally` patch).
   */
  failures?: FailureCounts;
}

/** Metrics of the accuracy chart, and of the behaviour chart (rates only, so one 0-100 % axis fits). */
export const ACCURACY_METRICS = ['autoEval', 'em', 'f1', 'contains'];
export const BEHAVIOUR_RATE_METRICS = ['repeatedQueryRate', 'exactRepeatRate', 'goldHit', 'goldRecall', 'yesNoRate', 'refYesNoRate', 'repeatedSummaryRate', 'uncitedSummaryRate', 'citedFactRate', 'exampleCopyRate'];

const unitOf = (key: string) => METRICS.find((m) => m.key === key)?.unit ?? 'number';

export function formatValue(v: number | null | undefined, unit: 'percent' | 'number' | 'seconds'): string {
  if (v === null || v === undefined) return 'n/a';
  if (unit === 'percent') return (100 * v).toFixed(1);
  if (Math.abs(v) >= 100) return v.toFixed(0); // token counts and long times read better whole
  return v.toFixed(unit === 'seconds' ? 1 : 2);
}

/** `41.2 [30.0, 52.5]` (percent), `3.40 [2.90, 3.90]`; ` ±sd` across runs when there were several. */
export function formatEstimate(e: Estimate & { runSd?: number | null }, unit: 'percent' | 'number' | 'seconds'): string {
  if (e.value === null) return 'n/a';
  const ci = e.low !== null && e.high !== null ? ` [${formatValue(e.low, unit)}, ${formatValue(e.high, unit)}]` : '';
  const sd = e.runSd != null ? ` ±${formatValue(e.runSd, unit)}` : '';
  return `${formatValue(e.value, unit)}${ci}${sd}`;
}

const metricLabel = (key: string) => {
  const def = METRICS.find((m) => m.key === key)!;
  return def.label + (def.unit === 'percent' ? ' %' : def.unit === 'seconds' ? ' (s)' : '');
};

/** The main table: one row per metric, one column per model. */
export function metricRows(models: Array<Pick<ModelSummary, 'model' | 'metrics'>>): string[][] {
  const header = ['metric', ...models.map((m) => m.model)];
  const rows = METRICS.map((def) => [metricLabel(def.key), ...models.map((m) => formatEstimate(m.metrics[def.key], def.unit))]);
  return [header, ...rows];
}

export function pairedRows(paired: PairedComparison[]): string[][] {
  return [
    ['comparison', 'metric', 'difference (b - a) [95% CI]', 'CI excludes 0'],
    ...paired.map((p) => [`${p.b} vs ${p.a}`, METRICS.find((m) => m.key === p.metric)?.label ?? p.metric, formatEstimate(p, unitOf(p.metric)) + (unitOf(p.metric) === 'percent' ? ' pts' : ''), p.excludesZero ? 'yes' : 'no']),
  ];
}

function stepKindRows(models: ModelSummary[]): string[][] {
  const kinds = [...new Set(models.flatMap((m) => Object.keys(m.perStepKind)))];
  const rows = [['step kind', ...models.flatMap((m) => [`${m.model}: steps`, 'failure %', 'repairs per step'])]];
  for (const k of kinds) {
    rows.push([k, ...models.flatMap((m) => {
      const s = m.perStepKind[k as keyof ModelSummary['perStepKind']];
      return s ? [String(s.steps), formatEstimate(s.failureRate, 'percent'), formatEstimate(s.repairRate, 'number')] : ['0', 'n/a', 'n/a'];
    })]);
  }
  return rows;
}

function draftRows(models: ModelSummary[]): string[][] {
  const rows = [['model', 'revised answers', 'EM: wrong→right', 'EM: right→wrong', 'auto-eval: wrong→right', 'auto-eval: right→wrong', 'auto-eval: both right', 'auto-eval: both wrong']];
  for (const m of models) {
    const d = m.draftVsFinal;
    rows.push([m.model, String(d.revised), String(d.em.wrongToRight), String(d.em.rightToWrong), String(d.autoEval.wrongToRight), String(d.autoEval.rightToWrong), String(d.autoEval.bothRight), String(d.autoEval.bothWrong)]);
  }
  return rows;
}

export function markdownTable(rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  const [head, ...body] = rows;
  return [`| ${head.map(esc).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

/** Columns padded to their widest cell, for the terminal. */
export function textTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()).join('\n');
}

export function judgeLine(judge: JudgeDescription): string {
  return `Auto-eval judge: ${judge.label}${judge.weak ? ` — ${WEAK_JUDGE_NOTE}` : ''}`;
}

/** The Markdown page; chart paths are relative to the page (they sit beside it). */
export function evalMarkdown(report: EvalReport, charts: { accuracy: string; behaviour: string }): string {
  const m0 = report.models[0];
  const judged = report.models.map((m) => `${m.model}: ${m.judge.byModel} by the judge, ${m.judge.byRule} by rule (exact match, no answer, bare yes/no), ${m.judge.undecided} undecided`).join('; ');
  return [
    `# ${report.title}`,
    '',
    `Evaluation \`${report.evalId}\`: ${report.questions} questions × ${report.runs} run(s) × ${report.models.length} model(s); ` +
      `max ${report.settings.maxSearches} searches, temperature ${report.settings.temperature}.`,
    '',
    `${judgeLine(report.judge)}.`,
    `Verdicts: ${judged}.`,
    '',
    `Every aggregate shows its 95% bootstrap CI over questions (${report.settings.resamples} resamples, seed \`${report.settings.seed}\`)` +
      (report.runs > 1 ? '; `±` is the standard deviation across runs.' : '.'),
    '',
    '## Scores and behaviour',
    '',
    markdownTable(metricRows(report.models)),
    '',
    `![accuracy](${charts.accuracy})`,
    '',
    `![behaviour](${charts.behaviour})`,
    '',
    ...(report.paired.length ? ['## Paired differences', '', 'Questions resampled in pairs; the difference is b − a in percentage points.', '', markdownTable(pairedRows(report.paired)), ''] : []),
    '## Self-checks: draft vs final answer',
    '',
    'Trajectories whose relevance or grounding check changed the answer, by whether the draft and the final answer were right.',
    '',
    markdownTable(draftRows(report.models)),
    '',
    '## Step failures and repairs per step kind',
    '',
    markdownTable(stepKindRows(report.models)),
    '',
    m0 ? `Answers: ${report.models.map((m) => `${m.model} ${m.answers}`).join(', ')}. Per-answer records: \`answers/\` beside this report.` : '',
    '',
  ].join('\n');
}
