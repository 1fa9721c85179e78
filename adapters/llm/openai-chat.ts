/**
 * ChatModel adapter for OpenAI-compatible servers (OpenAI, vLLM, llama.cpp server, Ollama, TGI).
 *
 * - `llm.api` picks the endpoint: `completions` sends the step's program as a raw prompt (the last user message),
 *   which is what the prompts are written for; `chat` sends the messages (the system message asks for the final
 *   line only) to chat-only endpoints. The request body per API and mode is built in ./openai-request.ts.
 * - `llm.constrainedDecoding` says how the step grammar reaches the server. Before the first constrained call,
 *   one small probe checks that the server applies the mode (llama.cpp, for one, silently ignores vLLM's
 *   fields); a mode it ignores or rejects is a NonRetryableError naming the mode and what to use instead.
 * - Errors follow adapters/openai-errors.ts: NonRetryableError (a retry cannot help), RetryLaterError (429/503
 *   with Retry-After), plain Error (retryable), because Temporal activities decide retries from that; the API key
 *   is taken out of every message (and its causes'), which workflow histories and logs keep.
 */
import OpenAI from 'openai';
import type { z } from 'zod';
import { openAiApi, type OpenAiLlmSchema } from '../../lib/config';
import { quoteOutput } from '../../lib/output-spec';
import type { ChatModel, ChatModelProvider, ChatRequest, ChatResult } from '../../ports/chat-model';
import { NonRetryableError } from '../../ports/errors';
import { withFailureClass } from '../../lib/failure-class';
import { mapOpenAiError, redactError } from '../openai-errors';
import { MODE_ADVICE, PROBE_REQUEST, PROBE_WORD, probeApplied, readResponse, requestBody, type OpenAiApi } from './openai-request';

export type OpenAiLlmConfig = z.infer<typeof OpenAiLlmSchema>;

export class OpenAiChatModel implements ChatModel {
  private readonly client: OpenAI;
  readonly model: string;
  readonly api: OpenAiApi;
  /** Never in a message: errors are redacted (a server may quote the request it refused). */
  private readonly apiKey?: string;
  /** The probe of the configured mode: run once, shared by concurrent first calls, forgotten if it failed transiently. */
  private modeChecked?: Promise<void>;

  constructor(private readonly config: OpenAiLlmConfig, modelOverride?: string) {
    this.model = modelOverride ?? config.model;
    this.api = openAiApi(config);
    const apiKey = config.apiKey ?? (process.env.OPENAI_API_KEY || undefined); // an empty variable is no key
    this.apiKey = apiKey;
    if (!apiKey && !config.baseURL) {
      throw new NonRetryableError('llm.apiKey (or OPENAI_API_KEY) is required when llm.baseURL is not set (api.openai.com)');
    }
    this.client = new OpenAI({
      // Local servers accept any key, but the SDK refuses to start without one.
      apiKey: apiKey ?? 'unused',
      baseURL: config.baseURL,
      timeout: config.timeoutMs,
      maxRetries: 0, // Temporal activities own retries; SDK retries would hide attempts and stretch timeouts.
    });
  }

  async generate(request: ChatRequest): Promise<ChatResult> {
    try {
      if (request.grammar) await this.checkDecodingMode();
      return await this.send(request);
    } catch (err) {
      throw redactError(err, [this.apiKey]);
    }
  }

  private async send(request: ChatRequest): Promise<ChatResult> {
    const body = requestBody(this.api, this.config.constrainedDecoding, this.model, request);
    const path = this.api === 'completions' ? '/completions' : '/chat/completions';
    const started = Date.now();
    let response: Response;
    try {
      response = await this.client.post(path, { body }).asResponse();
    } catch (err) {
      throw mapOpenAiError(err, { where: this.where(), timeoutMs: this.config.timeoutMs, elapsedMs: Date.now() - started, hint: (s) => this.hint(s) });
    }
    let raw: string;
    try {
      raw = await response.text();
    } catch (err) {
      throw withFailureClass(new Error(`${this.where()} broke off its response after HTTP ${response.status}: ${(err as Error).message}`, { cause: err }), 'connection');
    }
    return readResponse(this.api, raw, this.where(), this.model);
  }

  /** Probes the configured mode once (a worker may call this at start); later calls share the verdict. */
  checkDecodingMode(): Promise<void> {
    if (this.config.constrainedDecoding === 'none') return Promise.resolve();
    this.modeChecked ??= this.probe().catch((err: unknown) => {
      if (!(err instanceof NonRetryableError)) this.modeChecked = undefined; // a network blip: probe again next call
      throw err;
    });
    return this.modeChecked;
  }

  private async probe(): Promise<void> {
    const mode = this.config.constrainedDecoding;
    let result: ChatResult;
    try {
      result = await this.send(PROBE_REQUEST);
    } catch (err) {
      if (!(err instanceof NonRetryableError)) throw err;
      throw new NonRetryableError(`llm.constrainedDecoding "${mode}" is not accepted by ${this.where()}: ${err.message}. ${MODE_ADVICE}`);
    }
    // An empty reply says nothing about the mode (a server or proxy hiccup): retried like any transient failure.
    if (!result.text.trim()) {
      throw withFailureClass(
        new Error(`${this.where()} sent an empty completion to the probe of llm.constrainedDecoding "${mode}"; if this repeats, the server may ignore the mode. ${MODE_ADVICE}`),
        'empty_completion',
      );
    }
    if (!probeApplied(mode, result.text)) {
      throw new NonRetryableError(
        `llm.constrainedDecoding "${mode}" has no effect on ${this.where()}: a probe constrained to "${PROBE_WORD}" ` +
          `came back as ${quoteOutput(result.text)}, so the server ignores the field(s) this mode sends. ${MODE_ADVICE}`,
      );
    }
  }

  private where(): string {
    return `OpenAI-compatible server ${this.config.baseURL ?? 'https://api.openai.com/v1'} (${this.api} API, model ${this.model})`;
  }

  private hint(status: number): string {
    if (status === 401 || status === 403) return ' (check llm.apiKey / OPENAI_API_KEY)';
    const api = this.api === 'completions' ? '; chat-only servers such as OpenAI need llm.api "chat"' : '';
    if (status === 404) return ` (check llm.baseURL, llm.model and llm.api${api})`;
    return ` (invalid request; check llm.constrainedDecoding, llm.model and llm.api${api})`;
  }
}

/** One OpenAiChatModel per model name; `ref` is a model name (e.g. a fine-tuned model id). */
export class OpenAiChatModelProvider implements ChatModelProvider {
  private readonly models = new Map<string, OpenAiChatModel>();

  constructor(private readonly config: OpenAiLlmConfig) {}

  async get(ref?: string): Promise<ChatModel> {
    const name = ref ?? this.config.model;
    let model = this.models.get(name);
    if (!model) {
      model = new OpenAiChatModel(this.config, name);
      this.models.set(name, model);
    }
    return model;
  }

  async close(): Promise<void> {
    // Nothing to release: the SDK holds no persistent resources.
  }
}
