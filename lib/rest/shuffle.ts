/**
 * Seeded shuffling for the rater ("ReST meets ReAct", section 3.4): the samples of a step are shown in a seeded
 * random order, so the rater's position bias does not favour a sample, and its ranking is mapped back.
 *
 * Numbering conventions:
 *   - `order` (from `shuffleOrder`) is 0-based: `order[p]` is the original index of the sample shown at
 *     position p, i.e. shown sample `#(p + 1)`.
 *   - The ranker's output (`RankingOutput.best`, `.ranking`) uses the 1-based numbers as written: `#1..#N`
 *     over the shown order.
 *   - `unshuffle` turns that into 0-based original sample indices.
 *
 * Pure (no clock, no Math.random): randomness comes from a caller-given seed.
 */
import { seededRandom } from '../random';

/**
 * A deterministic permutation of `0..n-1` for `seed` (Fisher–Yates driven by a PRNG seeded from the seed's
 * hash). `order[p]` is the original index of the sample to show at position p (as `#(p + 1)`):
 * `shown = order.map((i) => samples[i])`.
 */
export function shuffleOrder(n: number, seed: string): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`shuffleOrder: n must be a non-negative integer, got ${n}`);
  const order = Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Maps a ranking over shown positions (1-based `#` numbers, as parsed from the ranker) to original sample
 * indices (0-based), e.g. `unshuffle([2, 1, 3], [2, 0, 1])` is `[0, 2, 1]`. A partial ranking (e.g. just
 * `[best]`) is allowed; out-of-range numbers and duplicates throw.
 */
export function unshuffle(ranking: number[], order: number[]): number[] {
  const seen = new Set<number>();
  return ranking.map((shown) => {
    if (!Number.isInteger(shown) || shown < 1 || shown > order.length) {
      throw new RangeError(`unshuffle: #${shown} is out of range (candidates are #1..#${order.length})`);
    }
    if (seen.has(shown)) throw new RangeError(`unshuffle: #${shown} appears twice`);
    seen.add(shown);
    return order[shown - 1];
  });
}
