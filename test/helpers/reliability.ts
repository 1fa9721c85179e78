/**
 * The reliability suite (test/reliability/) runs small in `npm test` and full in `npm run test:reliability`
 * (RESTACT_RELIABILITY=full): more questions, samples and faults, the same checks.
 */
export const FULL = process.env.RESTACT_RELIABILITY === 'full';

export const bySize = <T>(small: T, full: T): T => (FULL ? full : small);

/** A seeded PRNG (mulberry32), so a "random" moment can be replayed from the seed the test prints. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
