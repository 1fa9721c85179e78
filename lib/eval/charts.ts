/**
 * An evaluation's two charts (lib/charts.ts draws them): accuracy per model or round, and the behaviour rates, each
 * with 95% CI whiskers. Used for an evaluation's report and for a campaign's page. Pure.
 */
import { barChartSvg } from '../charts';
import { METRICS, type ModelSummary } from './aggregate';
import type { JudgeDescription } from './judge';
import { ACCURACY_METRICS, BEHAVIOUR_RATE_METRICS } from './report';

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
