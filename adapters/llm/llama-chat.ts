/**
 * The embedded ChatModel: a GGUF model run in-process by node-llama-cpp.
 *
 * - The model loads once per provider (per worker); each LoRA adapter set gets its own context, whose sequences
 *   serve concurrent activities and keep each step's few-shot header evaluated (./sequence-pool.ts).
 * - node-llama-cpp reserves `contextSize` KV cells for EACH sequence (22.5 KB a cell for this model: 30 layers,
 *   3 KV heads of 64, f16), so the context per sequence is sized to the agent's longest prompt plus its output
 *   (`fitContext`), not to the model's training context.
 * - Prompts are raw completions of the Python program, not a chat template: the model continues the code line,
 *   and the local trainer trains on exactly `prompt + completion`.
 * - Thread count is set explicitly: node-llama-cpp's default over-subscribes small machines (~300x slower).
 * - `generate` appends the text a listed grammar's remaining lines all share instead of decoding it (./jump-forward.ts).
 * - `score` reads the model's probabilities of given lines (./line-scores.ts).
 * Longer than 250 lines: the model's two calls and the provider that loads and sizes its contexts share its types.
 */
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { completionPrompt, type ChatModel, type ChatModelProvider, type ChatRequest, type ChatResult, type ContextFit, type PromptBudget, type ScoreRequest, type ScoreResult } from '../../ports/chat-model';
import { NonRetryableError } from '../../ports/errors';
import { SequencePool } from './sequence-pool';
import { scoreLines } from './line-scores';
import { continuationGrammar, jumpForward } from './jump-forward';

type LlamaCppModule = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
type Token = ReturnType<LlamaModel['tokenize']>[number];
type Llama = Awaited<ReturnType<LlamaCppModule['getLlama']>>;
type LlamaModel = Awaited<ReturnType<Llama['loadModel']>>;
type LlamaContext = Awaited<ReturnType<LlamaModel['createContext']>>;
type LlamaSequence = ReturnType<LlamaContext['getSequence']>;
type LlamaGrammar = Awaited<ReturnType<Llama['createGrammar']>>;

export interface LlamaSettings {
  modelPath: string;
  loraAdapters: string[];
  threads?: number;
  sequences: number;
  /** Tokens per sequence; `auto` = the longest prompt given to `fitContext`, plus its output and a margin. */
  contextSize: number | 'auto';
}

/** Compiled grammars kept per model: the free specs' few, and the most recent per-call ones. */
const GRAMMAR_CACHE_SIZE = 64;
/** Fewer forced tokens than this are decoded instead: a jump restarts generation under a new grammar. */
const MIN_JUMP_TOKENS = 3;

/** Without `fitContext` (tools, tests), `auto` means this many tokens per sequence. */
export const AUTO_CONTEXT_FALLBACK = 2048;
/** `auto` leaves this much room over the longest measured prompt (real inputs vary around the worst case). */
const AUTO_CONTEXT_MARGIN = 1.1;
/** llama.cpp pads context sizes; round to this. */
const CONTEXT_STEP = 256;

/** The context per sequence that holds `need` tokens with the auto margin. */
export function autoContextSize(need: number): number {
  return Math.ceil((need * AUTO_CONTEXT_MARGIN) / CONTEXT_STEP) * CONTEXT_STEP;
}

// node-llama-cpp is ESM-only; a native dynamic import keeps this CommonJS module loadable.
const importLlamaCpp = new Function('return import("node-llama-cpp")') as () => Promise<LlamaCppModule>;

export function defaultThreads(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/** Token counts since the provider started: prompt tokens sent, those evaluated (not reused from a cached prefix), generated. */
export interface LlamaStats {
  promptTokens: number;
  evaluatedPromptTokens: number;
  completionTokens: number;
}

export class LlamaChatModel implements ChatModel {
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  constructor(
    private readonly llamaCpp: LlamaCppModule,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly pool: SequencePool<LlamaSequence>,
    readonly name: string,
    private readonly stats: LlamaStats,
  ) {}

  /** Per-call grammars (grounded steps, jump-forward continuations) are rarely asked for twice: the cache is an LRU. */
  private grammar(gbnf: string): Promise<LlamaGrammar> {
    let g = this.grammars.get(gbnf);
    if (g) this.grammars.delete(gbnf);
    else g = this.llama.createGrammar({ grammar: gbnf });
    this.grammars.set(gbnf, g);
    if (this.grammars.size > GRAMMAR_CACHE_SIZE) this.grammars.delete(this.grammars.keys().next().value!);
    return g;
  }

  private checkFits(promptLength: number, outputLength: number): void {
    const contextSize = this.pool.context.contextSize;
    if (promptLength + outputLength > contextSize) {
      throw new NonRetryableError(
        `prompt of ${promptLength} tokens plus ${outputLength} output tokens exceeds the context of ${contextSize} tokens per sequence; ` +
          'raise llm.contextSize, or shorten the inputs (agent.snippetChars, agent.topK, agent.maxSearches)',
      );
    }
  }

  async generate(request: ChatRequest): Promise<ChatResult> {
    const tokens = promptTokens(this.model, completionPrompt(request.messages));
    this.checkFits(tokens.length, request.maxTokens);
    const stops = request.stop ?? [];
    // Jump-forward (./jump-forward.ts) where the grammar lists its lines; not when per-token log-probabilities are
    // asked for, which only decoded tokens have.
    const lines = request.logprobs ? undefined : request.grammar?.choices;
    const seq = await this.pool.acquire(tokens);
    try {
      this.stats.promptTokens += tokens.length;
      const output: Token[] = []; // decoded and forced, in order
      const logprobs: number[] = [];
      let text = '';
      let finishReason: ChatResult['finishReason'] | undefined;
      let gbnf = request.grammar?.gbnf;
      let firstPass = true; // prompt tokens are evaluated then; later passes evaluate output
      // Text every possible line goes on with is forced before the model is asked for the next token.
      let jump = lines && jumpForward(lines, text);
      while (!finishReason) {
        if (jump?.kind === 'rest') {
          output.push(...this.model.tokenize(jump.text, false));
          text += jump.text;
          finishReason = 'stop';
          break;
        }
        const forced = jump && this.canonicalTail(output, text + jump.text);
        if (jump && forced) {
          output.push(...forced);
          text += jump.text;
          gbnf = continuationGrammar(jump.lines, text);
        }
        jump = undefined;
        // Keep the shared prefix, evaluate the rest (at least one token, to get logits for the next one).
        const context = [...tokens, ...output];
        const head = context.slice(0, -1);
        await seq.adaptStateToTokens(head, false);
        const input = [...head.slice(seq.nextTokenIndex), context[context.length - 1]];
        if (firstPass) this.stats.evaluatedPromptTokens += tokens.length - Math.min(seq.nextTokenIndex, tokens.length - 1);
        firstPass = false;
        const grammarEvaluationState = gbnf
          ? new this.llamaCpp.LlamaGrammarEvaluationState({ model: this.model, grammar: await this.grammar(gbnf) })
          : undefined;
        const iterator = seq.evaluateWithMetadata(input, { confidence: true }, { temperature: request.temperature, seed: request.seed, grammarEvaluationState });
        finishReason = 'stop'; // a stop string or the end of generation; a jump or a full output changes it below
        for await (const out of iterator) {
          output.push(out.token);
          logprobs.push(Math.log(Math.max(out.confidence, 1e-12)));
          text = this.model.detokenize(output);
          const stopAt = firstStop(text, stops);
          if (stopAt >= 0) {
            text = text.slice(0, stopAt);
            break;
          }
          const next = lines && jumpForward(lines, text);
          if (next && (next.kind === 'rest' || this.canonicalTail(output, text + next.text))) {
            [jump, finishReason] = [next, undefined]; // jump, then decode on
            break;
          }
          if (output.length >= request.maxTokens) {
            finishReason = 'length';
            break;
          }
        }
      }
      // Forced tokens count as output: the usage a step reports does not depend on how its text was produced.
      this.stats.completionTokens += output.length;
      return {
        text,
        promptTokens: tokens.length,
        completionTokens: output.length,
        tokenLogprobs: request.logprobs ? logprobs : undefined,
        finishReason: finishReason!,
        model: this.name,
      };
    } finally {
      this.pool.release(seq);
    }
  }

  /**
   * The tokens `text` adds after `output`, if the model's tokenization of `text` begins with `output` and adds at
   * least MIN_JUMP_TOKENS: a jump then leaves the tokens as the model would have read the text anyway.
   */
  private canonicalTail(output: readonly Token[], text: string): Token[] | undefined {
    const all = this.model.tokenize(text, false);
    if (all.length - output.length < MIN_JUMP_TOKENS || output.some((t, i) => all[i] !== t)) return undefined;
    return all.slice(output.length);
  }

  /** Each completion's token log-probabilities after the prompt (./line-scores.ts). */
  async score(request: ScoreRequest): Promise<ScoreResult> {
    const prompt = promptTokens(this.model, completionPrompt(request.messages));
    const completions = request.completions.map((c) => this.model.tokenize(c, false));
    this.checkFits(prompt.length, Math.max(0, ...completions.map((c) => c.length)));
    const seq = await this.pool.acquire(prompt);
    try {
      const { tokenLogprobs, evaluated } = await scoreLines(seq, prompt, completions);
      this.stats.promptTokens += prompt.length;
      this.stats.evaluatedPromptTokens += evaluated;
      return { tokenLogprobs, promptTokens: prompt.length, evaluatedTokens: evaluated, model: this.name };
    } finally {
      this.pool.release(seq);
    }
  }
}

/** The tokens a raw completion evaluates. specialTokens=false: "<|im_end|>" inside a snippet stays plain text. */
function promptTokens(model: LlamaModel, prompt: string): Token[] {
  const tokens = model.tokenize(prompt, false);
  if (model.tokens.shouldPrependBosToken && model.tokens.bos != null) tokens.unshift(model.tokens.bos);
  return tokens;
}

/** Where the earliest stop string starts in `text`, or -1. */
function firstStop(text: string, stops: string[]): number {
  const at = Math.min(...stops.map((s) => text.indexOf(s)).filter((i) => i >= 0));
  return Number.isFinite(at) ? at : -1;
}

/**
 * Loads the base GGUF once and creates one context per adapter set on demand.
 * Model refs: undefined or "base" = the configured model with its configured adapters; a path to a `.gguf`
 * LoRA adapter (or several joined with `+`) = the base model with those adapters instead.
 */
export class LlamaChatModelProvider implements ChatModelProvider {
  private llamaCpp?: Promise<{ mod: LlamaCppModule; llama: Llama; model: LlamaModel }>;
  private readonly models = new Map<string, Promise<LlamaChatModel>>();
  /** Tokens per sequence, once known: the configured number, or what `fitContext` measured for `auto`. */
  private contextSize?: number;
  private readonly counters: LlamaStats = { promptTokens: 0, evaluatedPromptTokens: 0, completionTokens: 0 };

  constructor(private readonly settings: LlamaSettings, private readonly resolveRef: (ref: string) => string[] = defaultAdapterRefs) {
    if (settings.contextSize !== 'auto') this.contextSize = settings.contextSize;
  }

  /**
   * Measures the longest prompt with the model's tokenizer. `auto`: the context per sequence becomes that
   * prompt plus its output, with a margin. A configured size that cannot hold it is refused with the number
   * it needs. Contexts already created keep their size, so call this before the first `get`.
   */
  async fitContext(budgets: PromptBudget[]): Promise<ContextFit> {
    const { model } = await this.load();
    const measured = budgets.map((b) => ({ kind: b.kind, promptTokens: promptTokens(model, b.prompt).length, maxTokens: b.maxTokens }));
    const longest = measured.reduce((a, b) => (b.promptTokens + b.maxTokens > a.promptTokens + a.maxTokens ? b : a));
    const need = longest.promptTokens + longest.maxTokens;
    if (this.settings.contextSize === 'auto') this.contextSize = autoContextSize(need);
    else if (this.settings.contextSize < need) {
      throw new NonRetryableError(
        `llm.contextSize ${this.settings.contextSize} is too small: the agent's ${longest.kind} prompt takes up to ${longest.promptTokens} tokens ` +
          `plus ${longest.maxTokens} output tokens (${need}). Set llm.contextSize to at least ${need} (or "auto"), ` +
          'or shorten the inputs (agent.snippetChars, agent.topK, agent.maxSearches).',
      );
    }
    return { contextSize: this.contextSize!, sequences: this.settings.sequences, longest };
  }

  private load() {
    if (!this.llamaCpp) {
      this.llamaCpp = (async () => {
        if (!fs.existsSync(this.settings.modelPath)) {
          throw new NonRetryableError(`model file not found: ${this.settings.modelPath} (run \`npm run setup\` to fetch the embedded model, or set llm.modelPath)`);
        }
        const mod = await importLlamaCpp();
        const threads = this.settings.threads ?? defaultThreads();
        const llama = await mod.getLlama({ gpu: 'auto', maxThreads: threads, build: 'never', logLevel: mod.LlamaLogLevel.error });
        const model = await llama.loadModel({ modelPath: this.settings.modelPath });
        return { mod, llama, model };
      })();
    }
    return this.llamaCpp;
  }

  async get(ref?: string): Promise<LlamaChatModel> {
    const adapters = !ref || ref === 'base' ? this.settings.loraAdapters : this.resolveRef(ref);
    const key = adapters.join('+') || 'base';
    let m = this.models.get(key);
    if (!m) {
      m = (async () => {
        for (const a of adapters) if (!fs.existsSync(a)) throw new NonRetryableError(`LoRA adapter not found: ${a}`);
        const { mod, llama, model } = await this.load();
        const context = await model.createContext({
          sequences: this.settings.sequences,
          // Per sequence: node-llama-cpp multiplies by `sequences` itself.
          contextSize: this.contextSize ?? AUTO_CONTEXT_FALLBACK,
          threads: this.settings.threads ?? defaultThreads(),
          lora: adapters.length ? { adapters: adapters.map((filePath) => ({ filePath })) } : undefined,
        });
        const name = path.basename(this.settings.modelPath) + (adapters.length ? `+${adapters.map((a) => path.basename(a)).join('+')}` : '');
        return new LlamaChatModel(mod, llama, model, new SequencePool(context, this.settings.sequences), name, this.counters);
      })();
      m.catch(() => this.models.delete(key));
      this.models.set(key, m);
    }
    return m;
  }

  /** Token counts over all contexts so far (benchmarks, prompt-cache hit rates). */
  stats(): LlamaStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    if (!this.llamaCpp) return;
    const { llama } = await this.llamaCpp.catch(() => ({ llama: undefined }));
    await llama?.dispose();
    this.models.clear();
    this.llamaCpp = undefined;
  }
}

function defaultAdapterRefs(ref: string): string[] {
  if (!ref.endsWith('.gguf') && !ref.includes('+')) throw new NonRetryableError(`unknown model ref "${ref}": expected "base" or a path to a GGUF LoRA adapter`);
  return ref.split('+').map((p) => path.resolve(p));
}
