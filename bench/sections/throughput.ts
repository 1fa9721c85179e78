/**
 * (2) The embedded model's throughput: raw node-llama-cpp limits (C sequences evaluating a step prompt at once,
 * then generating at once with no grammar: the limits to approach) against the agent's achieved rate inside a round
 * (a collectBatchWorkflow of sample questions on the dev server, C trajectories at a time, on a worker with the real
 * model provider and index), at each concurrency C. The raw limits are measured just before and just after each
 * agent run and averaged, as the machine's load drifts. Both sides use the same model, context (8 sequences, the
 * auto size, fitted once) and thread count; each agent run starts from a fresh model, so no run reuses another's
 * cached prompts.
 */
import path from 'node:path';
import { LlamaChatModelProvider } from '../../adapters/llm/llama-chat';
import { SqliteSearchEngines } from '../../adapters/search/sqlite-fts';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { worstCasePrompts } from '../../lib/agent/context-budget';
import { stepDefinition } from '../../lib/agent/steps';
import { STEP_SAMPLES } from '../../test/helpers/step-samples';
import { benchDir, benchQuestions, EMBEDDED_GGUF, sampleIndex, toJsonl } from '../fixtures';
import { round, RssSampler } from '../machine';
import type { Table } from '../report';
import { benchConfig, runBatch, startBenchTemporal, startBenchWorker } from '../temporal-harness';

export interface ThroughputOptions {
  concurrency: number[];
  questions: number;
  maxSearches: number;
  threads: number;
  /** Tokens each sequence generates in the raw run. */
  rawTokens: number;
}

/** One sequence per trajectory up to concurrency 8 (the worker's default, `llm.sequences`, is 6). */
const SEQUENCES = 8;
type LlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
const importLlamaCpp = new Function('return import("node-llama-cpp")') as () => Promise<LlamaCpp>;

/**
 * The model's own limits at this concurrency: `concurrency` sequences of one context evaluate a step prompt (the
 * summary step's, about 1,500 tokens) each, then generate `tokens` tokens each, all at the same time.
 */
async function rawGeneration(concurrency: number, tokens: number, threads: number, contextSize: number) {
  const mod = await importLlamaCpp();
  const llama = await mod.getLlama({ gpu: 'auto', maxThreads: threads, build: 'never', logLevel: mod.LlamaLogLevel.error });
  try {
    const model = await llama.loadModel({ modelPath: EMBEDDED_GGUF });
    const context = await model.createContext({ sequences: SEQUENCES, contextSize, threads });
    const prompt = model.tokenize('The history of the city begins in the year');
    const stepPrompt = model.tokenize(stepDefinition('summary').render(STEP_SAMPLES.summary));
    const sampler = new RssSampler();
    const evalStarted = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => context.getSequence().evaluateWithoutGeneratingNewTokens(stepPrompt)));
    const promptTokPerS = (concurrency * stepPrompt.length) / ((performance.now() - evalStarted) / 1000);
    await context.dispose();
    const genContext = await model.createContext({ sequences: SEQUENCES, contextSize, threads });
    const started = performance.now();
    const generated = await Promise.all(
      Array.from({ length: concurrency }, async (_, i) => {
        const seq = genContext.getSequence();
        let n = 0;
        for await (const token of seq.evaluate(prompt, { temperature: 0.8, seed: i + 1 })) {
          void token;
          if (++n >= tokens) break;
        }
        return n;
      }),
    );
    const wallS = (performance.now() - started) / 1000;
    const total = generated.reduce((a, b) => a + b, 0);
    return { tokPerS: total / wallS, promptTokPerS, tokens: total, wallS, peakRssMb: sampler.stop() };
  } finally {
    await llama.dispose();
  }
}

export async function throughput(opts: ThroughputOptions) {
  const dir = benchDir('throughput');
  const search = new SqliteSearchEngines(sampleIndex(dir));
  const store = new LocalDirStore(path.join(dir, 'artifacts'));
  const questions = benchQuestions(opts.questions, 't');
  await store.put('bench/questions.jsonl', toJsonl(questions));
  const config = benchConfig(`bench-throughput-${process.pid}`, { sequences: SEQUENCES, threads: opts.threads, modelPath: EMBEDDED_GGUF });
  const t = await startBenchTemporal();
  const rows = [];
  const provider = () => new LlamaChatModelProvider({ modelPath: EMBEDDED_GGUF, loraAdapters: [], threads: opts.threads, sequences: SEQUENCES, contextSize: 'auto' });
  const sizing = provider();
  const contextSize = (await sizing.fitContext(worstCasePrompts(config.agent))).contextSize;
  await sizing.close();
  try {
    for (const c of opts.concurrency) {
      // The raw limits are taken just before and just after the agent's run, and averaged: the load drifts.
      const rawBefore = await rawGeneration(c, opts.rawTokens, opts.threads, contextSize);
      const models = provider();
      const worker = await startBenchWorker(t, config, { models, search, store, agent: config.agent }); // fits the context first
      const sampler = new RssSampler();
      const before = models.stats();
      let run;
      try {
        run = await runBatch(t, config, { name: `throughput-c${c}-${Date.now()}`, questionsKey: 'bench/questions.jsonl', count: questions.length, concurrency: c, maxSearches: opts.maxSearches });
      } finally {
        await worker.stop();
      }
      const agentPeak = sampler.stop();
      const after = models.stats();
      await models.close();
      const rawAfter = await rawGeneration(c, opts.rawTokens, opts.threads, contextSize);
      const raw = {
        tokPerS: (rawBefore.tokPerS + rawAfter.tokPerS) / 2,
        promptTokPerS: (rawBefore.promptTokPerS + rawAfter.promptTokPerS) / 2,
        peakRssMb: Math.max(rawBefore.peakRssMb, rawAfter.peakRssMb),
        spread: [rawBefore.tokPerS, rawAfter.tokPerS].map((x) => round(x, 1)),
      };
      const wallS = run.wallMs / 1000;
      const completion = after.completionTokens - before.completionTokens;
      const prompt = after.promptTokens - before.promptTokens;
      const evaluated = after.evaluatedPromptTokens - before.evaluatedPromptTokens;
      // How long the model alone would take for the agent's tokens, at the raw rates: the rest of the wall time is
      // waiting (orchestration, search, grammar, idle sequences).
      const modelS = evaluated / raw.promptTokPerS + completion / raw.tokPerS;
      rows.push({
        concurrency: c,
        rawTokPerS: round(raw.tokPerS, 1),
        rawTokPerSBeforeAfter: raw.spread,
        rawPromptTokPerS: round(raw.promptTokPerS, 1),
        modelBusyShare: round(modelS / wallS, 3),
        agentGeneratedTokPerS: round(completion / wallS, 1),
        shareOfRaw: round(completion / wallS / raw.tokPerS, 3),
        agentEvaluatedPromptTokPerS: round(evaluated / wallS, 1),
        promptTokens: prompt,
        evaluatedPromptTokens: evaluated,
        promptCacheReuse: round(1 - evaluated / Math.max(1, prompt), 3),
        completionTokens: completion,
        trajectories: run.result.trajectories,
        failedTrajectories: run.result.failed,
        wallS: round(wallS, 1),
        agentPeakRssMb: agentPeak,
        rawPeakRssMb: raw.peakRssMb,
      });
      process.stderr.write(`throughput c=${c}: ${JSON.stringify(rows[rows.length - 1])}\n`);
    }
  } finally {
    await t.stop();
    await search.close();
  }
  const table: Table = {
    title: `Embedded model: raw generation vs the agent in a round (${SEQUENCES} sequences x ${contextSize} tokens, ${opts.threads} thread(s))`,
    columns: ['concurrency', 'raw gen tok/s (before, after)', 'raw prompt tok/s', 'agent gen tok/s', 'agent / raw gen', 'agent prompt tok evaluated/s', 'prompt tokens reused', 'model busy', 'trajectories (failed)', 'wall s', 'peak RSS agent MB', 'peak RSS raw MB'],
    rows: rows.map((r) => [r.concurrency, `${r.rawTokPerS} (${r.rawTokPerSBeforeAfter.join(', ')})`, r.rawPromptTokPerS, r.agentGeneratedTokPerS, r.shareOfRaw, r.agentEvaluatedPromptTokPerS, `${(100 * r.promptCacheReuse).toFixed(1)}%`, `${(100 * r.modelBusyShare).toFixed(0)}%`, `${r.trajectories} (${r.failedTrajectories})`, r.wallS, r.agentPeakRssMb, r.rawPeakRssMb]),
    notes: [
      `Agent: ${opts.questions} sample questions, at most ${opts.maxSearches} searches each, through collectBatchWorkflow on the dev server; the worker runs in the benchmark process (its RSS includes the Temporal client and worker).`,
      'Raw: the same context, C sequences each evaluating a 1,500-token step prompt, then generating from a one-line prompt with no grammar; measured just before and just after the agent run, averaged. The agent also evaluates its prompts (few-shot programs of 1-3k tokens) and decodes under a grammar, which is where the gap goes.',
      '"prompt tokens reused": the share of prompt tokens a sequence already held from an earlier call (LlamaChatModelProvider.stats()).',
      '"model busy": the time the raw rates need for the agent\'s evaluated prompt tokens and generated tokens, as a share of the wall time; the rest is waiting (orchestration, search, grammar, sequences idle).',
    ],
  };
  return { config: { ...opts, sequences: SEQUENCES, contextSize }, figures: { rows }, tables: [table] };
}
