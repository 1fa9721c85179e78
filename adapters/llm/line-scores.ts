/**
 * Scoring given completions of a prompt on one node-llama-cpp sequence (LlamaChatModel.score): each completion's
 * token log-probabilities. The completions are taken in token order, so each one evaluates only what it does not
 * share with the one before (a grammar's lines share their call name and often their first words); the last
 * shared token is evaluated again for its next-token logits.
 */
import { sharedPrefix } from './sequence-pool';

type LlamaCppModule = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
type Llama = Awaited<ReturnType<LlamaCppModule['getLlama']>>;
type LlamaModel = Awaited<ReturnType<Llama['loadModel']>>;
type LlamaSequence = ReturnType<Awaited<ReturnType<LlamaModel['createContext']>>['getSequence']>;
type Token = ReturnType<LlamaModel['tokenize']>[number];

/**
 * Tokens evaluated per batch when scoring. llama.cpp's CPU kernels for larger batches give a token logits that
 * depend on the tokens batched after it (measured: up to 0.2 nats a token on 80-token lines), so a line's score
 * would depend on which other lines share its prefix; in batches of 16 every token's logits are those of
 * one-token decoding (test/e2e/embedded-score.test.ts).
 */
const SCORE_BATCH = 16;

/** `prompt` whole (BOS first where the model wants one); the sequence keeps what it shares of it. */
export async function scoreLines(seq: LlamaSequence, prompt: Token[], completions: Token[][]): Promise<{ tokenLogprobs: number[][]; evaluated: number }> {
  const head = prompt.slice(0, -1);
  const last = prompt[prompt.length - 1];
  // Keep the shared prefix, evaluate the rest of the prompt but its last token (each completion evaluates it).
  await seq.adaptStateToTokens(head, false);
  const missing = head.slice(seq.nextTokenIndex);
  if (missing.length) await seq.evaluateWithoutGeneratingNewTokens(missing);
  let evaluated = missing.length;
  const order = completions.map((_, i) => i).sort((a, b) => compareTokens(completions[a], completions[b]));
  const out: number[][] = new Array(completions.length);
  let prev: Token[] = [];
  let prevLogprobs: number[] = [];
  for (const i of order) {
    const tokens = completions[i];
    const shared = Math.min(sharedPrefix(prev, tokens), tokens.length);
    // inputs[j] predicts tokens[j]: the prompt's last token, then the completion but its last.
    const inputs = [last, ...tokens.slice(0, -1)];
    await seq.adaptStateToTokens([...head, ...inputs.slice(0, shared)], false);
    const fresh = inputs.slice(shared);
    evaluated += fresh.length;
    const results: Awaited<ReturnType<LlamaSequence['controlledEvaluate']>> = [];
    for (let start = 0; start < fresh.length; start += SCORE_BATCH) {
      const part = fresh.slice(start, start + SCORE_BATCH);
      const at = shared + start;
      results.push(
        ...(await seq.controlledEvaluate(
          part.map((t, j) => [t, { generateNext: { options: { temperature: 0 }, logits: { filter: { tokens: [tokens[at + j]], includeSelected: true } }, totalLogitWeight: true } }]),
        )),
      );
    }
    const logprobs = [...prevLogprobs.slice(0, shared)];
    results.forEach((r, j) => logprobs.push(tokenLogprob(r?.next.logits, r?.next.totalLogitWeight, tokens[shared + j])));
    out[i] = logprobs;
    [prev, prevLogprobs] = [tokens, logprobs];
  }
  return { tokenLogprobs: out, evaluated };
}

/**
 * log p(token) from the filtered logits (the token's and the largest) and the sum of exp(logit - max). The largest
 * comes from `includeSelected` at temperature 0, where the selected token is the argmax: `includeTop: 1` sorts the
 * whole vocabulary for every token (1.5 times the scoring time here), and `includeMax` returns only the token's in
 * node-llama-cpp 3.x.
 */
function tokenLogprob(logits: Map<Token, number> | undefined, totalWeight: number | undefined, token: Token): number {
  const value = logits?.get(token);
  if (!logits || value === undefined || !totalWeight) throw new Error('node-llama-cpp returned no logits for a scored token');
  const max = Math.max(...logits.values());
  return value - max - Math.log(totalWeight);
}

function compareTokens(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

