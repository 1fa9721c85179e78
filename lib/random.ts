/**
 * Seeded pseudo-random numbers, never Math.random: the rater's sample order, bootstrap intervals, benchmark
 * corpora and the reliability suite's "random" moments must recompute identically from their seed.
 */
import { hash53 } from './hash';

/** mulberry32: a small 32-bit PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** mulberry32 seeded from a string's hash. */
export function seededRandom(seed: string): () => number {
  return mulberry32(hash53(seed) % 4294967296);
}
