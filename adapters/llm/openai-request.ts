/**
 * The wire format of the OpenAI-compatible adapter, kept pure so it can be read and tested on its own: the request
 * body for each API (`completions`, `chat`) and constrained-decoding mode, the probe that tells whether a server
 * applies a mode, and the reading of a response body (validated with zod; what the server sent is quoted,
 * truncated, when it does not fit).
 */
import { z } from 'zod';
import type { ConstrainedDecodingSchema, OpenAiApiSchema } from '../../lib/config';
import type { OutputGrammar } from '../../lib/output-spec';
import { completionPrompt, type ChatRequest, type ChatResult } from '../../ports/chat-model';
import { truncate } from '../openai-errors';
import { withFailureClass } from '../../lib/failure-class';

export type OpenAiApi = z.infer<typeof OpenAiApiSchema>;
export type DecodingMode = z.infer<typeof ConstrainedDecodingSchema>;

/**
 * JSON wraps the same content in keys, quotes and whitespace the server lets the model choose; the grammar still
 * bounds the output, so the token cap only has to leave room for that.
 */
export function jsonTokenBudget(maxTokens: number): number {
  return maxTokens * 2 + 32;
}

/**
 * Stop strings end a plain-text line. They are not sent with JSON-schema decoding (JSON spans lines, and the
 * schema ends it), nor to an unconstrained chat model, whose reply may open with a code fence line.
 */
export function stopStrings(api: OpenAiApi, mode: DecodingMode, stop: string[] | undefined): string[] | undefined {
  if (!stop?.length || mode === 'json_schema' || (api === 'chat' && mode === 'none')) return undefined;
  return stop;
}

/** llguidance's JSON options (llama.cpp, vLLM's guidance backend): no whitespace between tokens. */
export const LLGUIDANCE_COMPACT = { whitespace_flexible: false };

/** The request fields that carry the grammar for each mode. */
export function grammarFields(api: OpenAiApi, mode: DecodingMode, grammar: OutputGrammar): Record<string, unknown> {
  switch (mode) {
    case 'gbnf':
      return { grammar: grammar.gbnf }; // llama.cpp server
    case 'guided_grammar':
      // vLLM: `structured_outputs.grammar` since 0.10.2 (the only form from 0.12), `guided_grammar` before.
      return { structured_outputs: { grammar: grammar.gbnf }, guided_grammar: grammar.gbnf };
    case 'json_schema': {
      // OpenAI restricts the name to [a-zA-Z0-9_-]{1,64}.
      const name = grammar.name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'output';
      const responseFormat = { type: 'json_schema', json_schema: { name, schema: grammar.jsonSchema, strict: true } };
      if (api === 'chat') return { response_format: responseFormat };
      // llama.cpp's /v1/completions reads its own `json_schema` field (and ignores `response_format` there, which
      // vLLM reads). Compact JSON: llguidance's default free whitespace lets a small model write newlines until
      // max_tokens.
      return { response_format: responseFormat, json_schema: { ...grammar.jsonSchema, 'x-guidance': LLGUIDANCE_COMPACT } };
    }
    default:
      return {};
  }
}

export function requestBody(api: OpenAiApi, mode: DecodingMode, model: string, request: ChatRequest): Record<string, unknown> {
  const decoding = request.grammar ? mode : 'none';
  const body: Record<string, unknown> = {
    model,
    ...(api === 'completions' ? { prompt: completionPrompt(request.messages) } : { messages: request.messages }),
    temperature: request.temperature,
    // `max_tokens` rather than `max_completion_tokens`: vLLM and llama.cpp server understand it.
    max_tokens: decoding === 'json_schema' ? jsonTokenBudget(request.maxTokens) : request.maxTokens,
    n: 1,
  };
  const stop = stopStrings(api, decoding, request.stop);
  if (stop) body.stop = stop;
  if (request.seed !== undefined) body.seed = request.seed;
  // Completions take the number of top alternatives per token (1 gives each chosen token's own logprob).
  if (request.logprobs) body.logprobs = api === 'completions' ? 1 : true;
  if (request.grammar) Object.assign(body, grammarFields(api, decoding, request.grammar));
  return body;
}

// ---------------------------------------------------------------------------------------------- the mode probe

/** An answer no model writes unprompted: a server that applies the mode's field returns exactly this. */
export const PROBE_WORD = 'restact-probe-7';

export const PROBE_GRAMMAR: OutputGrammar = {
  name: 'probe',
  gbnf: `root ::= "${PROBE_WORD}"\n`,
  jsonSchema: { type: 'object', properties: { probe: { type: 'string', enum: [PROBE_WORD] } }, required: ['probe'], additionalProperties: false },
  fromJson: (value) => String((value as { probe?: unknown } | null)?.probe),
};

export const PROBE_REQUEST: ChatRequest = {
  messages: [{ role: 'user', content: 'Write one word.' }],
  grammar: PROBE_GRAMMAR,
  temperature: 0,
  maxTokens: 16,
};

/** Whether a probe reply shows the mode at work. */
export function probeApplied(mode: DecodingMode, text: string): boolean {
  if (mode !== 'json_schema') return text.trim() === PROBE_WORD;
  try {
    return PROBE_GRAMMAR.fromJson(JSON.parse(text)) === PROBE_WORD;
  } catch {
    return false;
  }
}

/** What to set instead, for the error that names an unsupported mode. */
export const MODE_ADVICE =
  'Use "gbnf" for a llama.cpp server, "guided_grammar" for vLLM, "json_schema" for OpenAI and other servers with ' +
  'JSON-schema structured outputs, or "none" (no constraint; the strict parser and its repair prompt do the work).';

// ---------------------------------------------------------------------------------------------- the response

const Logprobs = z
  .object({
    content: z.array(z.object({ logprob: z.number() })).nullish(), // chat, and llama.cpp's completions
    token_logprobs: z.array(z.number().nullable()).nullish(), // OpenAI's and vLLM's completions
  })
  .nullish();

const ResponseBody = z.object({
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        text: z.string().nullish(),
        message: z.object({ content: z.string().nullish() }).nullish(),
        finish_reason: z.string().nullish(),
        logprobs: Logprobs,
      }),
    )
    .min(1, 'no choices'),
  usage: z.object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() }).nullish(),
});

/** Reads a response body; a body that is not JSON or lacks a choice is an Error quoting what came back. */
export function readResponse(api: OpenAiApi, raw: string, where: string, fallbackModel: string): ChatResult {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw withFailureClass(new Error(`${where} returned a body that is not JSON (${raw.length} characters, cut short?): ${truncate(raw)}`), 'malformed_response');
  }
  const parsed = ResponseBody.safeParse(json);
  if (!parsed.success) {
    const problem = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw withFailureClass(new Error(`${where} returned an unexpected ${api} response (${problem}): ${truncate(raw)}`), 'malformed_response');
  }
  const body = parsed.data;
  const choice = body.choices[0];
  const logprobs = choice.logprobs?.content?.map((t) => t.logprob) ?? choice.logprobs?.token_logprobs?.map((lp) => lp ?? Number.NaN);
  return {
    text: (api === 'chat' ? choice.message?.content : choice.text) ?? '',
    promptTokens: body.usage?.prompt_tokens ?? 0,
    completionTokens: body.usage?.completion_tokens ?? 0,
    ...(logprobs?.length ? { tokenLogprobs: logprobs } : {}),
    finishReason: choice.finish_reason === 'stop' ? 'stop' : choice.finish_reason === 'length' ? 'length' : 'other',
    model: body.model || fallbackModel,
  };
}
