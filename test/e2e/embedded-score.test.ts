/**
 * The embedded model's scoring of given lines (LlamaChatModel.score), which a PMI choice rests on: each line's
 * log-probabilities do not depend on the other lines scored with it or on their order (scoring reuses the prefix a
 * line shares with the one before), and a greedy completion scored again as a given line gets the log-probabilities
 * its generation reported. The reference is node-llama-cpp's full next-token distribution, read token by token.
 * Jump-forward decoding (LlamaChatModel.generate) gives the line that token-by-token decoding gives.
 */
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EMBEDDED_GGUF } from '../helpers/llama-server';

const ROOT = path.join(__dirname, '../..');

jest.setTimeout(120_000);

test('scores of given lines are the model log-probabilities, whatever else is scored with them; jump-forward decodes the same lines', async () => {
  const { stdout } = await promisify(execFile)(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'test/helpers/embedded-score.ts'), JSON.stringify({ modelPath: EMBEDDED_GGUF })], {
    cwd: ROOT,
  });
  const out = JSON.parse(stdout) as { lines: string[]; together: number[][]; reversed: number[][]; single: number[][]; reference: number[][]; greedy: { text: string; logprobs: number[]; scored: number[] }; decodings: Record<string, { jumped: string; decoded: string; jumpedTokens: number; decodedTokens: number }> };
  expect(out.lines.length).toBeGreaterThanOrEqual(2);
  const close = (a: number[][], b: number[][]) => a.forEach((lp, i) => lp.forEach((v, j) => expect(v).toBeCloseTo(b[i][j], 3)));
  close(out.reference, out.together);
  close(out.reversed, out.together);
  close(out.single, out.together);
  for (const lp of out.together) for (const v of lp) expect(v).toBeLessThanOrEqual(0);
  // Distinct lines are disjoint events: their probabilities sum to at most 1.
  expect(out.together.reduce((p, lp) => p + Math.exp(lp.reduce((a, b) => a + b, 0)), 0)).toBeLessThanOrEqual(1);
  expect(out.greedy.scored).toHaveLength(out.greedy.logprobs.length);
  close([out.greedy.scored], [out.greedy.logprobs]);
  // Jump-forward appends what the grammar forces: the same line as decoding token by token, for every step kind.
  expect(Object.keys(out.decodings)).toHaveLength(5);
  for (const d of Object.values(out.decodings)) {
    expect(d.jumped).toBe(d.decoded);
    expect(d.jumped.length).toBeGreaterThan(0);
  }
});
