import { shuffleOrder, unshuffle } from '../../lib/rest/shuffle';

describe('shuffleOrder / unshuffle', () => {
  test.each([0, 1, 2, 3, 4, 8, 16])('is a permutation of 0..%i-1', (n) => {
    for (const seed of ['a', 'b', 'question-17/step-3', '']) {
      const order = shuffleOrder(n, seed);
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  test('is deterministic per seed and varies across seeds', () => {
    expect(shuffleOrder(8, 'seed-1')).toEqual(shuffleOrder(8, 'seed-1'));
    const distinct = new Set(Array.from({ length: 20 }, (_, i) => shuffleOrder(8, `seed-${i}`).join(',')));
    expect(distinct.size).toBeGreaterThan(15);
  });

  test('is roughly uniform: every sample is shown first about equally often', () => {
    const firsts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) firsts[shuffleOrder(4, `s${i}`)[0]]++;
    for (const c of firsts) expect(c).toBeGreaterThan(850);
  });

  test('rejects a bad n', () => {
    expect(() => shuffleOrder(-1, 'x')).toThrow(RangeError);
    expect(() => shuffleOrder(1.5, 'x')).toThrow(RangeError);
  });

  test('maps a ranking over shown numbers back to original indices', () => {
    // Shown #1 is sample 2, #2 is sample 0, #3 is sample 1; the ranker says #2 > #1 > #3.
    expect(unshuffle([2, 1, 3], [2, 0, 1])).toEqual([0, 2, 1]);
    expect(unshuffle([3], [2, 0, 1])).toEqual([1]);
  });

  test('undoes the shuffle: ranking the shown samples by their original index recovers 0..n-1', () => {
    for (const seed of ['x', 'y', 'z']) {
      const samples = ['s0', 's1', 's2', 's3', 's4'];
      const order = shuffleOrder(samples.length, seed);
      const shown = order.map((i) => samples[i]);
      // A ranker that prefers the sample with the smallest original index.
      const ranking = shown.map((s, p) => ({ s, p: p + 1 })).sort((a, b) => a.s.localeCompare(b.s)).map((x) => x.p);
      expect(unshuffle(ranking, order)).toEqual([0, 1, 2, 3, 4]);
    }
  });

  test('rejects out-of-range and duplicate numbers', () => {
    expect(() => unshuffle([0, 1, 2], [2, 0, 1])).toThrow(/out of range/);
    expect(() => unshuffle([1, 4], [2, 0, 1])).toThrow(/out of range/);
    expect(() => unshuffle([1, 1], [2, 0, 1])).toThrow(/twice/);
  });
});
