/**
 * Scores the grounded summary's lines of the sample input with the embedded model, three ways: in one call, in one
 * call in reverse order, and one line per call; and a greedy ungrammared completion of the same prompt, with its
 * token log-probabilities, scored again as a given line; and, as an independent reference, each line's
 * log-probabilities read from node-llama-cpp's full next-token distributions on a context of its own, one token at a
 * time as decoding evaluates them. Run as its
 * own process (node-llama-cpp is ESM-only):
 *   tsx test/helpers/embedded-score.ts '{"modelPath": "..."}'
 * Also decodes every step kind's grounded request with jump-forward and token by token.
 * Prints `{"lines", "together", "reversed", "single", "reference", "greedy": {"text", "logprobs", "scored"}, "decodings"}`.
 */
import { LlamaChatModelProvider } from '../../adapters/llm/llama-chat';
import { specFor, stepDefinition, stepRequest, SYSTEM_PROMPT } from '../../lib/agent/steps';
import type { StepKind } from '../../lib/agent/types';
import { STEP_SAMPLES } from './step-samples';

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as { modelPath: string };
  const provider = new LlamaChatModelProvider({ modelPath: args.modelPath, loraAdapters: [], threads: 1, sequences: 1, contextSize: 4096 });
  try {
    const model = await provider.get();
    const input = STEP_SAMPLES.summary;
    const messages = [
      { role: 'system' as const, content: SYSTEM_PROMPT },
      { role: 'user' as const, content: stepDefinition('summary').render(input) },
    ];
    const lines = specFor('summary', input, 'evidence').grammar.choices!;
    const together = (await model.score({ messages, completions: lines })).tokenLogprobs;
    const reversed = (await model.score({ messages, completions: [...lines].reverse() })).tokenLogprobs.reverse();
    const single: number[][] = [];
    for (const line of lines) single.push((await model.score({ messages, completions: [line] })).tokenLogprobs[0]);
    const greedy = await model.generate({ messages, temperature: 0, maxTokens: 12, logprobs: true });
    const scored = (await model.score({ messages, completions: [greedy.text] })).tokenLogprobs[0];
    const reference = await referenceLogprobs(args.modelPath, messages[1].content, lines);
    // Each step's grounded request decoded twice: with jump-forward, and token by token (asking for log-probabilities
    // turns jump-forward off).
    const decodings: Record<string, { jumped: string; decoded: string; jumpedTokens: number; decodedTokens: number }> = {};
    for (const kind of Object.keys(STEP_SAMPLES) as StepKind[]) {
      const def = stepDefinition(kind);
      const request = stepRequest(kind, def.render(STEP_SAMPLES[kind] as never), specFor(kind, STEP_SAMPLES[kind] as never, 'evidence'), 0);
      const jumped = await model.generate(request);
      const decoded = await model.generate({ ...request, logprobs: true });
      decodings[kind] = { jumped: jumped.text, decoded: decoded.text, jumpedTokens: jumped.completionTokens, decodedTokens: decoded.tokenLogprobs!.length };
    }
    process.stdout.write(JSON.stringify({ lines, together, reversed, single, reference, greedy: { text: greedy.text, logprobs: greedy.tokenLogprobs, scored }, decodings }) + '\n');
  } finally {
    await provider.close();
  }
}

/** Each line's token log-probabilities from the full next-token distribution (`probabilities: true`), one line at a time. */
async function referenceLogprobs(modelPath: string, prompt: string, lines: string[]): Promise<number[][]> {
  const { getLlama } = await (new Function('return import("node-llama-cpp")')() as Promise<typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } })>);
  const llama = await getLlama({ gpu: false, maxThreads: 1, build: 'never' });
  try {
    const model = await llama.loadModel({ modelPath });
    const out: number[][] = [];
    for (const line of lines) {
      const context = await model.createContext({ contextSize: 4096, threads: 1 });
      const seq = context.getSequence();
      const head = model.tokenize(prompt, false);
      if (model.tokens.shouldPrependBosToken && model.tokens.bos != null) head.unshift(model.tokens.bos);
      const tokens = model.tokenize(line, false);
      await seq.evaluateWithoutGeneratingNewTokens(head.slice(0, -1));
      const inputs = [head[head.length - 1], ...tokens.slice(0, -1)];
      // One token at a time, as decoding evaluates them.
      const logprobs: number[] = [];
      for (const [j, t] of inputs.entries()) {
        const [result] = await seq.controlledEvaluate([[t, { generateNext: { probabilities: true } }]]);
        logprobs.push(Math.log(result!.next.probabilities!.get(tokens[j])!));
      }
      out.push(logprobs);
      await context.dispose();
    }
    return out;
  } finally {
    await llama.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
