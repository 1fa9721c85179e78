/**
 * The LLM port. Every agent step and the ranker talk to a model only through this interface.
 * Adapters: `adapters/llm/openai-chat.ts` (any OpenAI-compatible server) and `adapters/llm/llama-chat.ts`
 * (the embedded GGUF model through node-llama-cpp); `adapters/llm/artifact-model-refs.ts` wraps either so that
 * `artifact:` model refs (models a fine-tune wrote into the store) resolve on every worker.
 */
import type { OutputGrammar } from '../lib/output-spec';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** The output grammar of the step; adapters enforce it where they can (GBNF, JSON schema). */
  grammar?: OutputGrammar;
  temperature: number;
  maxTokens: number;
  stop?: string[];
  /** Ask for per-token log-probabilities of the completion (used to pick the lowest-perplexity sample). */
  logprobs?: boolean;
  seed?: number;
}

/**
 * The prompt of a raw completion (the embedded model, `/v1/completions`): the program in the last user message.
 * System text is only for chat APIs.
 */
export function completionPrompt(messages: ChatMessage[]): string {
  const user = [...messages].reverse().find((m) => m.role === 'user');
  if (!user) throw new Error('a completion needs a user message');
  return user.content;
}

export interface ChatResult {
  text: string;
  promptTokens: number;
  completionTokens: number;
  /** Natural-log probability of each completion token, when the backend gives them. */
  tokenLogprobs?: number[];
  finishReason: 'stop' | 'length' | 'other';
  /** The model that answered (adapter-specific name). */
  model: string;
}

/** Completions to score after one prompt: every line a finite grammar admits (OutputGrammar.choices). */
export interface ScoreRequest {
  messages: ChatMessage[];
  completions: string[];
}

export interface ScoreResult {
  /** Natural-log probability of each completion's tokens, one array per completion, in request order. */
  tokenLogprobs: number[][];
  promptTokens: number;
  /** Tokens evaluated to score them all (shared prefixes once). */
  evaluatedTokens: number;
  model: string;
}

export interface ChatModel {
  generate(request: ChatRequest): Promise<ChatResult>;
  /**
   * Scores given completions of the prompt with the model's own token probabilities, so a step whose grammar
   * admits a short list of lines can take the most likely whole line instead of decoding greedily token by token.
   * Optional: only backends that can read the probabilities of given tokens implement it (the embedded model).
   */
  score?(request: ScoreRequest): Promise<ScoreResult>;
}

/** A prompt the caller may send, with its output budget: what a context must hold. */
export interface PromptBudget {
  /** What the prompt is for (a step kind, `ranking`, ...), for messages. */
  kind: string;
  prompt: string;
  maxTokens: number;
}

/** What `fitContext` settled on: the context per sequence and the prompt that needs the most of it. */
export interface ContextFit {
  contextSize: number;
  sequences: number;
  longest: { kind: string; promptTokens: number; maxTokens: number };
}

/** Resolves a model reference (CLI `--model`, a registry entry, ...) to a loaded model. Loads each one once. */
export interface ChatModelProvider {
  get(ref?: string): Promise<ChatModel>;
  /**
   * For backends that reserve a context per sequence (the embedded model): size it to the longest of these
   * prompts plus its output, or refuse a configured size that is too small. Called once, at worker start.
   */
  fitContext?(budgets: PromptBudget[]): Promise<ContextFit>;
  close(): Promise<void>;
}

