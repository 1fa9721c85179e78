/**
 * The campaign page (`restact report`): one row per evaluated policy (the baseline, then each round's model)
 * with auto-eval, EM, F1, behaviour, tokens and wall time, the paired round-vs-round differences, and the
 * training side of each round. Built from the evaluations' stored reports. Pure.
 */
import type { RoundSummary } from '../rest/progress';
import type { ModelSummary } from './aggregate';
import { METRICS } from './aggregate';
import { formatEstimate, judgeLine, markdownTable, metricRows, pairedRows, type EvalReport } from './report';

export interface CampaignEvalRow {
  /** `baseline` or `round N`. */
  label: string;
  report: EvalReport;
}

/** The per-round table's columns: scores first, then behaviour, then cost. */
export const ROUND_TABLE_METRICS = ['autoEval', 'em', 'f1', 'contains', 'searches', 'repeatedQueryRate', 'goldHit', 'yesNoRate', 'stepFailures', 'revisions', 'exampleCopyRate', 'tokens', 'wallSeconds'];

/** Each row's model summary relabelled by its round, for the shared tables and charts. */
export function roundModels(rows: CampaignEvalRow[]): ModelSummary[] {
  return rows.map((r) => ({ ...r.report.models[0], model: r.label }));
}

export function campaignMarkdown(campaignId: string, rows: CampaignEvalRow[], rounds: RoundSummary[], charts: { accuracy: string; behaviour: string }): string {
  const models = roundModels(rows);
  const def = (k: string) => METRICS.find((m) => m.key === k)!;
  const header = ['policy', 'model', 'questions', ...ROUND_TABLE_METRICS.map((k) => def(k).label + (def(k).unit === 'percent' ? ' %' : def(k).unit === 'seconds' ? ' (s)' : ''))];
  // The model each row evaluated: the starting policy for the baseline, the round's fine-tuned model otherwise.
  const modelOf = (label: string) => (label === 'baseline' ? rounds[0]?.policyModel : rounds.find((r) => `round ${r.round}` === label)?.model) ?? '';
  const table = [header, ...rows.map((r, i) => [r.label, modelOf(r.label), String(r.report.questions), ...ROUND_TABLE_METRICS.map((k) => formatEstimate(models[i].metrics[k], def(k).unit))])];
  const paired = rows.flatMap((r) => r.report.paired);
  const judge = rows[0]?.report.judge;
  const training = rounds.length
    ? [
        '## Training per round',
        '',
        markdownTable([
          ['round', 'policy', 'trajectories (failed)', 'ranked steps', 'dataset train / val', 'train loss', 'new model'],
          ...rounds.map((r) => [String(r.round), r.policyModel, `${r.trajectories} (${r.failedTrajectories})`, String(r.rankedSteps), `${r.dataset.train} / ${r.dataset.validation}`, r.trainLoss.first !== undefined ? `${r.trainLoss.first.toFixed(3)} → ${r.trainLoss.last!.toFixed(3)}` : 'n/a', r.model]),
        ]),
        '',
      ]
    : [];
  return [
    `# Campaign ${campaignId}`,
    '',
    judge ? `${judgeLine(judge)}.` : '',
    '',
    'Held-out evaluation of each policy; every value shows its 95% bootstrap CI over questions.',
    '',
    markdownTable(table),
    '',
    `![accuracy per round](${charts.accuracy})`,
    '',
    `![behaviour per round](${charts.behaviour})`,
    '',
    ...(paired.length ? ['## Round against round (paired bootstrap on the same held-out questions)', '', markdownTable(pairedRows(paired)), ''] : []),
    ...training,
    '## All metrics',
    '',
    markdownTable(metricRows(models)),
    '',
    `Evaluation reports: ${rows.map((r) => `\`${r.report.files.markdown}\``).join(', ')}.`,
    '',
  ].join('\n');
}
