/**
 * Judge calibration against human labels: agreement, Pearson and Spearman correlation of the 0/1 verdicts with
 * the 0/1 labels, and the confusion matrix. Pure.
 */
import { z } from 'zod';

export const CalibrationLabelSchema = z.object({
  questionId: z.string().min(1),
  question: z.string().min(1).optional(),
  answer: z.string(),
  reference: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  correct: z.boolean(),
  note: z.string().optional(),
});
export type CalibrationLabel = z.infer<typeof CalibrationLabelSchema>;

export interface Confusion {
  /** judge True, human True */
  truePositive: number;
  /** judge True, human False */
  falsePositive: number;
  /** judge False, human True */
  falseNegative: number;
  trueNegative: number;
}

export interface CalibrationStats {
  n: number;
  agreement: number;
  pearson: number | null;
  spearman: number | null;
  confusion: Confusion;
}

export function pearson(x: number[], y: number[]): number | null {
  const n = x.length;
  if (n < 2 || n !== y.length) return null;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

/** Ranks from 1, ties sharing their average rank. */
export function ranks(values: number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length);
  for (let s = 0; s < order.length; ) {
    let e = s;
    while (e + 1 < order.length && order[e + 1].v === order[s].v) e++;
    const avg = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) out[order[k].i] = avg;
    s = e + 1;
  }
  return out;
}

/** Spearman's rho: Pearson's r of the (tie-averaged) ranks. */
export function spearman(x: number[], y: number[]): number | null {
  return pearson(ranks(x), ranks(y));
}

/** `judge[i]` null (undecided) counts as False, as in the evaluation's aggregates. */
export function calibrationStats(judge: Array<boolean | null>, human: boolean[]): CalibrationStats {
  const j = judge.map((v) => (v ? 1 : 0));
  const h = human.map((v) => (v ? 1 : 0));
  const confusion: Confusion = { truePositive: 0, falsePositive: 0, falseNegative: 0, trueNegative: 0 };
  j.forEach((v, i) => {
    if (v && h[i]) confusion.truePositive++;
    else if (v) confusion.falsePositive++;
    else if (h[i]) confusion.falseNegative++;
    else confusion.trueNegative++;
  });
  const n = j.length;
  return { n, agreement: n ? (confusion.truePositive + confusion.trueNegative) / n : 0, pearson: pearson(j, h), spearman: spearman(j, h), confusion };
}
