/** Deterministic answer metrics (HotpotQA normalisation), the seeded bootstrap and the calibration statistics. */
import { containsReference, exactMatch, f1, yesNo } from '../../lib/metrics';
import { bootstrap, meanCI, pairedBootstrap, quantile, stdDev } from '../../lib/eval/bootstrap';
import { mulberry32, seededRandom } from '../../lib/random';
import { calibrationStats, pearson, ranks, spearman } from '../../lib/eval/calibration';

describe('answer metrics', () => {
  test.each([
    // [prediction, references, EM, F1, contains]
    ['The Eiffel Tower', ['Eiffel Tower'], 1, 1, 1],
    ['Paris, France', ['Paris'], 0, 2 / 3, 1],
    ['Parisian', ['Paris'], 0, 0, 0],
    ['an American', ['American'], 1, 1, 1],
    ['Yes, both are American', ['yes'], 0, 0, 1], // HotpotQA: yes/no never partially right
    ['no', ['yes'], 0, 0, 0],
    ['U.S.A.', ['USA'], 1, 1, 1],
    ['Chief of Protocol of the United States', ['Chief of Protocol'], 0, 2 / 3, 1], // P 3/6, R 3/3
    ['', ['anything'], 0, 0, 0],
    ['the', ['a'], 1, 1, 0], // both normalise to nothing: EM and F1 as SQuAD; an empty reference is never "contained"
  ])('%j vs %j', (pred, refs, em, f, contains) => {
    expect(exactMatch(pred, refs)).toBe(em);
    expect(f1(pred, refs)).toBeCloseTo(f, 10);
    expect(containsReference(pred, refs)).toBe(contains);
  });

  test('yes/no detection normalises first', () => {
    expect(yesNo('Yes.')).toBe('yes');
    expect(yesNo(' NO ')).toBe('no');
    expect(yesNo('yes, they are')).toBeUndefined();
  });
});

describe('bootstrap', () => {
  test('quantile interpolates linearly between order statistics (numpy default)', () => {
    expect(quantile([0, 10], 0.025)).toBeCloseTo(0.25, 12);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([5], 0.975)).toBe(5);
  });

  test('a hand-computed case: scripted draws give known resample means and percentiles', () => {
    // Items [0, 1]; each draw picks floor(r * 2). Four resamples of two draws each:
    // (0.1, 0.6) -> [0, 1] mean 0.5; (0.7, 0.9) -> [1, 1] mean 1; (0.2, 0.3) -> [0, 0] mean 0; (0.8, 0.1) -> [1, 0] mean 0.5.
    const draws = [0.1, 0.6, 0.7, 0.9, 0.2, 0.3, 0.8, 0.1];
    let i = 0;
    const e = meanCI([0, 1], { resamples: 4, random: () => draws[i++] });
    // Sorted means [0, 0.5, 0.5, 1]: q(0.025) = 0 + 0.075 * 0.5 = 0.0375; q(0.975) = 0.5 + 0.925 * 0.5 = 0.9625.
    expect(e).toMatchObject({ value: 0.5, n: 2 });
    expect(e.low).toBeCloseTo(0.0375, 12);
    expect(e.high).toBeCloseTo(0.9625, 12);
  });

  test('the seeded PRNG is deterministic and matches mulberry32', () => {
    const a = mulberry32(42);
    expect([a(), a(), a()].map((x) => x.toFixed(10))).toEqual(['0.6011037519', '0.4482905590', '0.8524657935']);
    const values = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1];
    expect(meanCI(values, { seed: 's' })).toEqual(meanCI(values, { seed: 's' }));
    const skewed = values.map((v, i) => v * i);
    expect(meanCI(skewed, { seed: 's' })).not.toEqual(meanCI(skewed, { seed: 't' }));
    const e = meanCI(values, { seed: 's' });
    expect(e.value).toBe(0.6);
    expect(e.low!).toBeLessThan(0.6);
    expect(e.high!).toBeGreaterThan(0.6);
    expect(seededRandom('x')()).toBe(seededRandom('x')());
  });

  test('constant values have a zero-width CI; no items give no estimate; undefined resamples are skipped', () => {
    expect(meanCI([0.3, 0.3, 0.3])).toMatchObject({ value: 0.3, low: 0.3, high: 0.3 });
    expect(meanCI([])).toEqual({ value: null, low: null, high: null, n: 0 });
    const ratio = bootstrap([{ n: 1, d: 2 }, { n: 0, d: 0 }], (xs) => {
      const d = xs.reduce((s, x) => s + x.d, 0);
      return d ? xs.reduce((s, x) => s + x.n, 0) / d : null;
    }, { seed: 'r' });
    expect(ratio.value).toBe(0.5);
    expect(ratio.low).toBe(0.5);
  });

  test('paired bootstrap of b - a: a consistent gain excludes 0; noise does not', () => {
    const a = [0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0];
    const better = a.map(() => 1);
    const p = pairedBootstrap(a, better, { seed: 'p' });
    expect(p.value).toBeCloseTo(8 / 12, 12);
    expect(p.excludesZero).toBe(true);
    const same = pairedBootstrap(a, [...a].reverse(), { seed: 'p' });
    expect(same.excludesZero).toBe(false);
    expect(() => pairedBootstrap([1], [1, 2])).toThrow(/equal lengths/);
  });

  test('standard deviation uses n - 1', () => {
    expect(stdDev([1, 3])).toBeCloseTo(Math.SQRT2, 12);
    expect(stdDev([1])).toBeNull();
  });
});

describe('calibration statistics', () => {
  test('Pearson, Spearman (tied ranks averaged) and the confusion matrix', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1], [0, 1])).toBeNull();
    expect(ranks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 16])).toBeCloseTo(1, 12);
    // Judge [T, T, F, F, null], human [T, F, F, T, F]: TP 1, FP 1, FN 1, TN 2 (null counts as False).
    const s = calibrationStats([true, true, false, false, null], [true, false, false, true, false]);
    expect(s.confusion).toEqual({ truePositive: 1, falsePositive: 1, falseNegative: 1, trueNegative: 2 });
    expect(s.agreement).toBeCloseTo(0.6, 12);
    // phi coefficient of that table: (1*2 - 1*1) / sqrt(2 * 3 * 2 * 3) = 1/6.
    expect(s.pearson).toBeCloseTo(1 / 6, 12);
    expect(s.spearman).toBeCloseTo(1 / 6, 12);
  });
});
