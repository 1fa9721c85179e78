import { lowestPerplexity, perplexity } from '../../lib/rest/perplexity';

describe('perplexity', () => {
  test('is exp of the negative mean logprob', () => {
    expect(perplexity([0, 0])).toBe(1);
    expect(perplexity([-1, -3])).toBeCloseTo(Math.exp(2));
    expect(perplexity([])).toBe(Infinity);
    expect(perplexity(undefined)).toBe(Infinity);
  });

  test.each<[string, Array<{ tokenLogprobs?: number[] }>, number]>([
    ['picks the lowest perplexity', [{ tokenLogprobs: [-2, -2] }, { tokenLogprobs: [-0.1, -0.3] }, { tokenLogprobs: [-1] }], 1],
    ['uses the mean, not the sum', [{ tokenLogprobs: [-0.5, -0.5, -0.5, -0.5] }, { tokenLogprobs: [-0.9] }], 0],
    ['ties go to the first', [{ tokenLogprobs: [-1, -1] }, { tokenLogprobs: [-1] }, { tokenLogprobs: [-0.5, -1.5] }], 0],
    ['samples without logprobs lose', [{}, { tokenLogprobs: [] }, { tokenLogprobs: [-5] }], 2],
    ['a sample with -Infinity still beats a missing one', [{}, { tokenLogprobs: [-Infinity] }], 1],
    ['NaN counts as missing', [{ tokenLogprobs: [NaN] }, { tokenLogprobs: [-9] }], 1],
    ['huge perplexities still order correctly', [{ tokenLogprobs: [-1000] }, { tokenLogprobs: [-900] }], 1],
    ['all missing → 0', [{}, {}, {}], 0],
    ['no samples → 0', [], 0],
  ])('%s', (_name, samples, expected) => {
    expect(lowestPerplexity(samples)).toBe(expected);
  });
});
