/**
 * ChatModel adapter for any OpenAI-compatible chat completions server (OpenAI, vLLM, llama.cpp server, ...).
 * The step grammar reaches the server according to `constrainedDecoding`; errors are split into NonRetryableError
 * (a retry cannot help) and plain Error (retryable) because Temporal activities decide retries from that.
 */
import OpenAI from 'openai';
import type { z } from 'zod';
import type { OpenAiLlmSchema } from '../../lib/config';
import type { OutputGrammar } from '../../lib/output-spec';
import { type ChatModel, type ChatModelProvider, type ChatRequest, type ChatResult } from '../../ports/chat-model';
import { NonRetryableError } from '../../ports/errors';

export type OpenAiLlmConfig = z.infer<typeof OpenAiLlmSchema>;

/** Statuses a later attempt can succeed on; every other HTTP error is a request/config problem. */
const RETRYABLE_STATUS = new Set([408, 409, 429]);

export class OpenAiChatModel implements ChatModel {
  private readonly client: OpenAI;
  readonly model: string;

  constructor(private readonly config: OpenAiLlmConfig, modelOverride?: string) {
    this.model = modelOverride ?? config.model;
    const apiKey = config.apiKey ?? process.env.OPENAI_API_KEY;
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
    const mode = request.grammar ? this.config.constrainedDecoding : 'none';
    const body: Record<string, unknown> = {
      model: this.model,
      messages: request.messages,
      temperature: request.temperature,
      // `max_tokens` rather than `max_completion_tokens`: vLLM and llama.cpp server understand it.
      max_tokens: request.maxTokens,
      n: 1,
    };
    if (request.stop?.length) body.stop = request.stop;
    if (request.seed !== undefined) body.seed = request.seed;
    if (request.logprobs) body.logprobs = true;
    if (request.grammar) Object.assign(body, grammarFields(mode, request.grammar));

    let completion: OpenAI.Chat.Completions.ChatCompletion;
    const started = Date.now();
    try {
      // The extra grammar fields are not in the SDK's types; it sends unknown body fields as they are.
      completion = await this.client.chat.completions.create(body as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming);
    } catch (err) {
      throw this.mapError(err, Date.now() - started);
    }

    const choice = completion.choices?.[0];
    if (!choice) throw new Error(`${this.where()} returned no choices`);
    let text = choice.message?.content ?? '';
    if (mode === 'json_schema' && request.grammar) text = fromJsonOrRaw(request.grammar, text);
    const logprobs = choice.logprobs?.content?.map((t) => t.logprob);
    return {
      text,
      promptTokens: completion.usage?.prompt_tokens ?? 0,
      completionTokens: completion.usage?.completion_tokens ?? 0,
      ...(logprobs?.length ? { tokenLogprobs: logprobs } : {}),
      finishReason: choice.finish_reason === 'stop' ? 'stop' : choice.finish_reason === 'length' ? 'length' : 'other',
      model: completion.model || this.model,
    };
  }

  private where(): string {
    return `OpenAI-compatible server ${this.config.baseURL ?? 'https://api.openai.com/v1'} (model ${this.model})`;
  }

  private mapError(err: unknown, elapsedMs: number): Error {
    // The SDK misreports its own timeout as a plain connection error when the AbortError comes from another
    // realm (e.g. under jest), so the elapsed time decides too.
    const timedOut = err instanceof OpenAI.APIConnectionTimeoutError || (err instanceof OpenAI.APIConnectionError && elapsedMs >= this.config.timeoutMs);
    if (timedOut) {
      return new Error(`${this.where()} timed out after ${this.config.timeoutMs} ms`, { cause: err });
    }
    if (err instanceof OpenAI.APIConnectionError) {
      return new Error(`cannot reach ${this.where()}: ${err.message}`, { cause: err });
    }
    if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
      const status = err.status;
      if (RETRYABLE_STATUS.has(status) || status >= 500) {
        return new Error(`${this.where()} failed with HTTP ${status}: ${err.message}`, { cause: err });
      }
      const hint =
        status === 401 || status === 403 ? ' (check llm.apiKey / OPENAI_API_KEY)' : status === 404 ? ' (check llm.baseURL and llm.model)' : ' (invalid request; check llm.constrainedDecoding and the model)';
      return new NonRetryableError(`${this.where()} rejected the request with HTTP ${status}${hint}: ${err.message}`);
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** The request fields that carry the grammar for each server flavour. */
function grammarFields(mode: OpenAiLlmConfig['constrainedDecoding'], grammar: OutputGrammar): Record<string, unknown> {
  switch (mode) {
    case 'gbnf':
      return { grammar: grammar.gbnf }; // llama.cpp server
    case 'guided_grammar':
      return { guided_grammar: grammar.gbnf }; // vLLM (xgrammar backend reads GBNF)
    case 'json_schema':
      return {
        response_format: {
          type: 'json_schema',
          // OpenAI restricts the name to [a-zA-Z0-9_-]{1,64}.
          json_schema: { name: grammar.name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'output', schema: grammar.jsonSchema, strict: true },
        },
      };
    default:
      return {};
  }
}

/** Unparsable or off-schema JSON is returned as is, so the strict parser reports it and repair can kick in. */
function fromJsonOrRaw(grammar: OutputGrammar, content: string): string {
  try {
    return grammar.fromJson(JSON.parse(content));
  } catch {
    return content;
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
