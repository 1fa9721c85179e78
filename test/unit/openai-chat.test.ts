/**
 * OpenAiChatModel against a local HTTP double of the chat completions API (loopback only): request mapping,
 * grammar fields per constrainedDecoding mode, result mapping and the NonRetryableError / retryable error split.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { OpenAiChatModel, OpenAiChatModelProvider, type OpenAiLlmConfig } from '../../adapters/llm/openai-chat';
import { pythonCallSpec } from '../../lib/output-spec';
import { type ChatRequest } from '../../ports/chat-model';
import { NonRetryableError } from '../../ports/errors';

type Reply = { status: number; body: unknown; headers?: Record<string, string>; delayMs?: number };

const requests: Array<Record<string, any>> = [];
let reply: Reply;
let server: http.Server;
let baseURL: string;

function completion(content: string | null, extra: Record<string, unknown> = {}): Reply {
  return {
    status: 200,
    body: {
      id: 'cmpl-1',
      object: 'chat.completion',
      created: 0,
      model: 'served-model',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', ...extra }],
      usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
    },
  };
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, auth: req.headers.authorization, body: JSON.parse(raw || '{}') });
      const { status, body, headers, delayMs } = reply;
      const timer = setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      }, delayMs ?? 0);
      res.on('close', () => clearTimeout(timer)); // the client gave up (timeout test): answer nothing
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests.length = 0;
  reply = completion('Search(query="x")');
});

function config(overrides: Partial<OpenAiLlmConfig> = {}): OpenAiLlmConfig {
  return { provider: 'openai', baseURL, apiKey: 'test-key', model: 'test-model', constrainedDecoding: 'none', timeoutMs: 5000, concurrency: 8, ...overrides };
}

const spec = pythonCallSpec({
  name: 'action',
  variable: 'action',
  calls: [
    { name: 'Search', args: [{ name: 'query', type: 'str' }] },
    { name: 'Terminate', args: [] },
  ],
  schema: z.union([z.object({ call: z.literal('Search'), query: z.string() }), z.object({ call: z.literal('Terminate') })]),
});

const request: ChatRequest = {
  messages: [
    { role: 'system', content: 'You search.' },
    { role: 'user', content: 'Who?' },
  ],
  temperature: 0.7,
  maxTokens: 64,
};

describe('OpenAiChatModel', () => {
  test('maps a plain completion: request fields, text, usage, finish reason, model', async () => {
    const result = await new OpenAiChatModel(config()).generate({ ...request, stop: ['\n'], seed: 7 });
    expect(result).toEqual({ text: 'Search(query="x")', promptTokens: 12, completionTokens: 5, finishReason: 'stop', model: 'served-model' });
    expect(requests).toHaveLength(1);
    const { url, auth, body } = requests[0];
    expect(url).toBe('/v1/chat/completions');
    expect(auth).toBe('Bearer test-key');
    expect(body).toEqual({ model: 'test-model', messages: request.messages, temperature: 0.7, max_tokens: 64, n: 1, stop: ['\n'], seed: 7 });
  });

  test('uses the model override and tolerates missing usage and content', async () => {
    reply = completion(null, { finish_reason: 'length' });
    delete (reply.body as any).usage;
    const result = await new OpenAiChatModel(config(), 'ft:my-model').generate(request);
    expect(requests[0].body.model).toBe('ft:my-model');
    expect(result).toMatchObject({ text: '', promptTokens: 0, completionTokens: 0, finishReason: 'length' });
  });

  test('asks for and extracts token logprobs', async () => {
    reply = completion('Terminate()', {
      finish_reason: 'tool_calls',
      logprobs: { content: [{ token: 'Term', logprob: -0.5, bytes: null, top_logprobs: [] }, { token: 'inate()', logprob: -0.25, bytes: null, top_logprobs: [] }] },
    });
    const result = await new OpenAiChatModel(config()).generate({ ...request, logprobs: true });
    expect(requests[0].body.logprobs).toBe(true);
    expect(result.tokenLogprobs).toEqual([-0.5, -0.25]);
    expect(result.finishReason).toBe('other');
  });

  test.each([
    ['none', {}],
    ['gbnf', { grammar: spec.grammar.gbnf }],
    ['guided_grammar', { guided_grammar: spec.grammar.gbnf }],
  ] as const)('constrainedDecoding=%s sends the matching grammar field', async (mode, expected) => {
    await new OpenAiChatModel(config({ constrainedDecoding: mode })).generate({ ...request, grammar: spec.grammar });
    const body = requests[0].body;
    for (const key of ['grammar', 'guided_grammar', 'response_format']) {
      expect(body[key]).toEqual((expected as Record<string, unknown>)[key]);
    }
  });

  test('no grammar field without a request grammar', async () => {
    await new OpenAiChatModel(config({ constrainedDecoding: 'gbnf' })).generate(request);
    expect(requests[0].body.grammar).toBeUndefined();
  });

  test('json_schema sends response_format and converts the JSON reply with fromJson', async () => {
    reply = completion(JSON.stringify({ action: { call: 'Search', query: 'capital of "France"' } }));
    const result = await new OpenAiChatModel(config({ constrainedDecoding: 'json_schema' })).generate({ ...request, grammar: spec.grammar });
    expect(requests[0].body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'action', schema: spec.grammar.jsonSchema, strict: true } });
    expect(requests[0].body.grammar).toBeUndefined();
    expect(result.text).toBe(spec.grammar.fromJson({ action: { call: 'Search', query: 'capital of "France"' } }));
    expect(spec.parse(result.text)).toEqual({ ok: true, value: { call: 'Search', query: 'capital of "France"' } });
  });

  test('json_schema returns unparsable JSON as is, for the strict parser to report', async () => {
    reply = completion('{"action": {"call": "Sea');
    const result = await new OpenAiChatModel(config({ constrainedDecoding: 'json_schema' })).generate({ ...request, grammar: spec.grammar });
    expect(result.text).toBe('{"action": {"call": "Sea');
  });

  test('401 becomes a NonRetryableError naming the server, model and server message', async () => {
    reply = { status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } } };
    const err = await new OpenAiChatModel(config()).generate(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect((err as Error).message).toContain(baseURL);
    expect((err as Error).message).toContain('test-model');
    expect((err as Error).message).toContain('Incorrect API key provided');
    expect(requests).toHaveLength(1);
  });

  test.each([404, 400, 422])('%s becomes a NonRetryableError', async (status) => {
    reply = { status, body: { error: { message: 'nope' } } };
    await expect(new OpenAiChatModel(config()).generate(request)).rejects.toBeInstanceOf(NonRetryableError);
  });

  test.each([500, 429, 503, 408])('%s becomes a plain retryable Error, sent exactly once', async (status) => {
    // x-should-retry / retry-after would make the SDK retry if its own retries were on.
    reply = { status, body: { error: { message: 'busy' } }, headers: { 'x-should-retry': 'true', 'retry-after': '0' } };
    const err = await new OpenAiChatModel(config()).generate(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(NonRetryableError);
    expect((err as Error).message).toContain(`HTTP ${status}`);
    expect((err as Error).message).toContain('busy');
    expect(requests).toHaveLength(1);
  });

  test('a timeout is a plain retryable Error, sent exactly once', async () => {
    reply = { ...completion('late'), delayMs: 1000 };
    const err = await new OpenAiChatModel(config({ timeoutMs: 100 })).generate(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(NonRetryableError);
    expect((err as Error).message).toMatch(/timed out/);
    expect(requests).toHaveLength(1);
  });

  test('a refused connection is a plain retryable Error', async () => {
    // Port 1 on loopback: nothing listens there.
    const err = await new OpenAiChatModel(config({ baseURL: 'http://127.0.0.1:1/v1' })).generate(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(NonRetryableError);
    expect((err as Error).message).toMatch(/cannot reach/);
  });
});

describe('OpenAiChatModelProvider', () => {
  test('caches one model per ref; undefined means the configured model', async () => {
    const provider = new OpenAiChatModelProvider(config());
    const base = await provider.get();
    expect(await provider.get()).toBe(base);
    expect(await provider.get('test-model')).toBe(base);
    const tuned = await provider.get('ft:tuned');
    expect(tuned).not.toBe(base);
    expect(await provider.get('ft:tuned')).toBe(tuned);
    await tuned.generate(request);
    expect(requests[0].body.model).toBe('ft:tuned');
    await provider.close();
  });
});
