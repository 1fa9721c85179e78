/**
 * Uncertainty for evaluation aggregates: percentile bootstrap confidence intervals over questions, and the
 * paired bootstrap of a difference between two models on the same questions. Deterministic: a seeded PRNG
 * (mulberry32 seeded by the shared string hash), never Math.random, so a report recomputes identically.
 */
import { seededRandom } from '../random';

/** A point estimate with its confidence interval; `value` is null when no item defines the statistic. */
export interface Estimate {
  value: number | null;
  low: number | null;
  high: number | null;
  /** Items (questions) the statistic was computed over. */
  n: number;
}

export interface BootstrapOptions {
  /** Resamples drawn (default 1,000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  seed?: string;
  /** Overrides `seed` (tests feed a scripted sequence). */
  random?: () => number;
}

/** The p-quantile (0..1) of sorted values, interpolating linearly between order statistics (numpy's default). */
export function quantile(sorted: number[], p: number): number {
  if (!sorted.length) throw new Error('quantile of no values');
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Percentile bootstrap: resample `items` with replacement (same size), apply `statistic` to each resample, and
 * take the (1-level)/2 and 1-(1-level)/2 quantiles. A statistic may return null (undefined on that resample:
 * e.g. a ratio with no denominator); such resamples are left out.
 */
export function bootstrap<T>(items: T[], statistic: (sample: T[]) => number | null, options: BootstrapOptions = {}): Estimate {
  const value = items.length ? statistic(items) : null;
  if (value === null || !Number.isFinite(value)) return { value: null, low: null, high: null, n: items.length };
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const random = options.random ?? seededRandom(options.seed ?? 'restact');
  const stats: number[] = [];
  const sample: T[] = new Array(items.length);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < items.length; i++) sample[i] = items[Math.floor(random() * items.length)];
    const s = statistic(sample);
    if (s !== null && Number.isFinite(s)) stats.push(s);
  }
  if (!stats.length) return { value, low: null, high: null, n: items.length };
  stats.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { value, low: quantile(stats, tail), high: quantile(stats, 1 - tail), n: items.length };
}

export function mean(values: number[]): number | null {
  if (!values.length) return null;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Sample standard deviation (n - 1); null below two values. */
export function stdDev(values: number[]): number | null {
  if (values.length < 2) return null;
  const m = mean(values)!;
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}

/** The mean of values with its bootstrap CI. */
export function meanCI(values: number[], options: BootstrapOptions = {}): Estimate {
  return bootstrap(values, mean, options);
}

export interface PairedEstimate extends Estimate {
  /** True when the CI lies strictly on one side of 0: the difference is unlikely to be resampling noise. */
  excludesZero: boolean;
}

/**
 * The paired bootstrap of mean(b - a): `a[i]` and `b[i]` are the two models' scores on the same question i, and
 * questions (pairs) are resampled together, so per-question difficulty cancels out.
 */
export function pairedBootstrap(a: number[], b: number[], options: BootstrapOptions = {}): PairedEstimate {
  if (a.length !== b.length) throw new Error(`paired bootstrap needs equal lengths (${a.length} vs ${b.length})`);
  const diffs = a.map((x, i) => b[i] - x);
  const e = meanCI(diffs, options);
  const excludesZero = e.low !== null && e.high !== null && (e.low > 0 || e.high < 0);
  return { ...e, excludesZero };
}
