/**
 * Perplexity and the lowest-perplexity choice among a step's samples ("ReST meets ReAct", section 3.3): the sample
 * that continues a trajectory during collection. The one place this choice is made. Pure.
 */

function meanLogprob(logprobs: number[] | undefined): number | undefined {
  if (!logprobs || logprobs.length === 0) return undefined;
  let sum = 0;
  for (const lp of logprobs) sum += lp;
  const mean = sum / logprobs.length;
  return Number.isNaN(mean) ? undefined : mean;
}

/** exp(-mean token logprob); `Infinity` without logprobs (none, empty, or NaN). */
export function perplexity(logprobs: number[] | undefined): number {
  const mean = meanLogprob(logprobs);
  return mean === undefined ? Infinity : Math.exp(-mean);
}

/**
 * The index of the sample with the lowest perplexity. Compares mean logprobs (so huge perplexities that overflow
 * to Infinity still order correctly). Samples without logprobs lose to any sample with them; ties go to the
 * first; when no sample has logprobs (or there are none), 0.
 */
export function lowestPerplexity(samples: Array<{ tokenLogprobs?: number[] }>): number {
  let best = -1;
  let bestMean = -Infinity;
  samples.forEach((s, i) => {
    const mean = meanLogprob(s.tokenLogprobs);
    if (mean === undefined) return;
    if (best < 0 || mean > bestMean) {
      best = i;
      bestMean = mean;
    }
  });
  return best < 0 ? 0 : best;
}
