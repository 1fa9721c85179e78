/**
 * The LLM port. Every agent step, the ranker and the judge talk to a model only through this interface.
 * Adapters: `adapters/llm/openai-chat.ts` (any OpenAI-compatible server) and `adapters/llm/llama-chat.ts`
 * (the embedded GGUF model through node-llama-cpp).
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

export interface ChatModel {
  generate(request: ChatRequest): Promise<ChatResult>;
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

