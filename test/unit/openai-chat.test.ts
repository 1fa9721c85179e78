/**
 * OpenAiChatModel against a local HTTP double (loopback only), for what a real server cannot be made to do on
 * demand: exact request bodies per API and mode, a server that ignores or rejects a mode, 429/503 with
 * Retry-After, 5xx, bodies cut short. The same adapter against a real llama.cpp server: test/e2e/openai-llama-server.test.ts.
 * Longer than 250 lines: one HTTP double shared by four groups (APIs, modes, errors, Retry-After).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenAiChatModel, OpenAiChatModelProvider, type OpenAiLlmConfig } from '../../adapters/llm/openai-chat';
import { PROBE_WORD } from '../../adapters/llm/openai-request';
import { retryAfterMs } from '../../adapters/openai-errors';
import { STEPS } from '../../lib/agent/steps';
import { type ChatRequest } from '../../ports/chat-model';
import { NonRetryableError, RetryLaterError } from '../../ports/errors';
import { classifyFailure } from '../../lib/failure-class';

type Reply = { status: number; body: unknown; headers?: Record<string, string>; delayMs?: number; raw?: string; breakOff?: boolean };
type Request = { method?: string; url?: string; auth?: string; body: Record<string, any> };

const requests: Request[] = [];
/** The step reply; probes get `probeReply`, which by default applies the mode like a server that supports it. */
let reply: Reply;
let probeReply: ((req: Request) => Reply) | undefined;
let server: http.Server;
let baseURL: string;

const isProbe = (body: Record<string, any>) => (body.prompt ?? body.messages?.at(-1)?.content) === 'Write one word.';

function ok(content: string | null, extra: Record<string, unknown> = {}, api: 'chat' | 'completions' = 'chat'): Reply {
  const choice = api === 'chat' ? { index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' } : { index: 0, text: content, finish_reason: 'stop' };
  return {
    status: 200,
    body: { id: 'cmpl-1', created: 0, model: 'served-model', choices: [{ ...choice, ...extra }], usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 } },
  };
}

function applyingProbe(req: Request): Reply {
  const api = req.url?.endsWith('/chat/completions') ? 'chat' : 'completions';
  return ok(req.body.response_format ? JSON.stringify({ probe: PROBE_WORD }) : PROBE_WORD, {}, api);
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const request: Request = { method: req.method, url: req.url, auth: req.headers.authorization, body: JSON.parse(raw || '{}') };
      requests.push(request);
      const r = isProbe(request.body) ? (probeReply ?? applyingProbe)(request) : reply;
      const text = r.raw ?? JSON.stringify(r.body);
      const timer = setTimeout(() => {
        if (r.breakOff) {
          res.writeHead(r.status, { 'content-type': 'application/json', 'content-length': String(text.length * 2) });
          res.write(text, () => res.destroy());
          return;
        }
        res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
        res.end(text);
      }, r.delayMs ?? 0);
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
  reply = ok('Search(query="x")');
  probeReply = undefined;
});

function config(overrides: Partial<OpenAiLlmConfig> = {}): OpenAiLlmConfig {
  return { provider: 'openai', baseURL, apiKey: 'test-key', model: 'test-model', api: 'chat', constrainedDecoding: 'none', timeoutMs: 5000, concurrency: 8, ...overrides };
}

const decision = STEPS.decision.spec;
const steps = (rs = requests) => rs.filter((r) => !isProbe(r.body));

/** The error a call fails with (a call that succeeds fails the test). */
function failure(model: OpenAiChatModel, req: ChatRequest = request): Promise<Error> {
  return model.generate(req).then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e as Error,
  );
}

const request: ChatRequest = {
  messages: [
    { role: 'system', content: 'You complete Python programs.' },
    { role: 'user', content: 'action = ' },
  ],
  temperature: 0.7,
  maxTokens: 64,
};

describe('the two APIs', () => {
  test('chat: the messages, and the reply as it came', async () => {
    reply = ok('```python\naction = Search(query="x")\n```');
    const result = await new OpenAiChatModel(config()).generate({ ...request, stop: ['\n'], seed: 7 });
    expect(result).toEqual({ text: '```python\naction = Search(query="x")\n```', promptTokens: 12, completionTokens: 5, finishReason: 'stop', model: 'served-model' });
    expect(requests).toHaveLength(1);
    const { url, auth, body } = requests[0];
    expect(url).toBe('/v1/chat/completions');
    expect(auth).toBe('Bearer test-key');
    // No `\n` stop for an unconstrained chat reply: it may open with a code fence line.
    expect(body).toEqual({ model: 'test-model', messages: request.messages, temperature: 0.7, max_tokens: 64, n: 1, seed: 7 });
    expect(decision.parse(result.text)).toEqual({ ok: true, value: { call: 'Search', query: 'x' } });
  });

  test('completions: the program alone as the prompt, with its stop strings and per-token logprobs', async () => {
    reply = ok('Terminate()', { logprobs: { tokens: ['Term', 'inate()'], token_logprobs: [-0.5, -0.25] } }, 'completions');
    const result = await new OpenAiChatModel(config({ api: 'completions' })).generate({ ...request, stop: ['\n'], logprobs: true });
    expect(requests[0].url).toBe('/v1/completions');
    expect(requests[0].body).toEqual({ model: 'test-model', prompt: 'action = ', temperature: 0.7, max_tokens: 64, n: 1, stop: ['\n'], logprobs: 1 });
    expect(result).toMatchObject({ text: 'Terminate()', tokenLogprobs: [-0.5, -0.25] });
  });

  test('completions: llama.cpp-style logprobs (content array) are read too', async () => {
    reply = ok('Terminate()', { logprobs: { content: [{ token: 'Term', logprob: -0.5 }, { token: 'inate()', logprob: -0.25 }] } }, 'completions');
    const result = await new OpenAiChatModel(config({ api: 'completions' })).generate({ ...request, logprobs: true });
    expect(result.tokenLogprobs).toEqual([-0.5, -0.25]);
  });

  test.each([
    [{ baseURL: 'http://127.0.0.1:8080/v1' }, 'completions'],
    [{ baseURL: undefined }, 'chat'],
    [{ baseURL: 'https://api.openai.com/v1' }, 'chat'],
    [{ baseURL: 'http://127.0.0.1:8080/v1', api: 'chat' as const }, 'chat'],
  ])('default API for %j is %s', (overrides, api) => {
    expect(new OpenAiChatModel({ ...config(), api: undefined, ...overrides }).api).toBe(api);
  });

  test('a local server needs no key: an empty OPENAI_API_KEY is no key, not a missing credential', async () => {
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = '';
    try {
      await new OpenAiChatModel({ ...config(), apiKey: undefined }).generate(request);
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
    expect(requests[0].auth).toBe('Bearer unused');
  });

  test('uses the model override and tolerates missing usage and content', async () => {
    reply = ok(null, { finish_reason: 'length' });
    delete (reply.body as any).usage;
    const result = await new OpenAiChatModel(config(), 'ft:my-model').generate(request);
    expect(requests[0].body.model).toBe('ft:my-model');
    expect(result).toMatchObject({ text: '', promptTokens: 0, completionTokens: 0, finishReason: 'length' });
  });
});

describe('constrained decoding modes', () => {
  const grammar = decision.grammar;
  test.each([
    ['chat', 'gbnf', { grammar: grammar.gbnf }],
    ['completions', 'gbnf', { grammar: grammar.gbnf }],
    ['completions', 'guided_grammar', { structured_outputs: { grammar: grammar.gbnf }, guided_grammar: grammar.gbnf }],
    ['chat', 'json_schema', { response_format: { type: 'json_schema', json_schema: { name: 'decision', schema: grammar.jsonSchema, strict: true } } }],
    [
      'completions',
      'json_schema',
      {
        response_format: { type: 'json_schema', json_schema: { name: 'decision', schema: grammar.jsonSchema, strict: true } },
        json_schema: { ...grammar.jsonSchema, 'x-guidance': { whitespace_flexible: false } },
      },
    ],
  ] as const)('%s + %s: probes once, then sends the grammar field(s) and the stops the mode needs', async (api, mode, fields) => {
    const model = new OpenAiChatModel(config({ api, constrainedDecoding: mode }));
    await model.generate({ ...request, grammar, stop: ['\n'] });
    await model.generate({ ...request, grammar, stop: ['\n'] });
    expect(requests.filter((r) => isProbe(r.body))).toHaveLength(1);
    expect(requests).toHaveLength(3);
    const body = steps()[0].body;
    for (const key of ['grammar', 'guided_grammar', 'structured_outputs', 'response_format', 'json_schema']) {
      expect(body[key]).toEqual((fields as Record<string, unknown>)[key]);
    }
    // JSON spans lines and the schema ends it: no `\n` stop, and room for the keys and whitespace.
    expect(body.stop).toEqual(mode === 'json_schema' ? undefined : ['\n']);
    expect(body.max_tokens).toBe(mode === 'json_schema' ? 64 * 2 + 32 : 64);
  });

  test('no grammar field and no probe without a request grammar', async () => {
    await new OpenAiChatModel(config({ constrainedDecoding: 'gbnf' })).generate(request);
    expect(requests).toHaveLength(1);
    expect(requests[0].body.grammar).toBeUndefined();
  });

  test('json_schema: the JSON reply comes back as sent, and the step parser maps it to the typed value', async () => {
    reply = ok('{"action": {"call": "Search", "query": "capital of \\"France\\""}}');
    const result = await new OpenAiChatModel(config({ constrainedDecoding: 'json_schema' })).generate({ ...request, grammar });
    expect(result.text).toBe('{"action": {"call": "Search", "query": "capital of \\"France\\""}}');
    expect(decision.parse(result.text)).toEqual({ ok: true, value: { call: 'Search', query: 'capital of "France"' } });
  });

  test('a mode the server ignores fails the first call once, naming the mode and the alternatives, without sending the step', async () => {
    probeReply = () => ok('Sure! Here is a word: hello', {}, 'completions');
    const model = new OpenAiChatModel(config({ api: 'completions', constrainedDecoding: 'guided_grammar' }));
    const err = await model.generate({ ...request, grammar }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect((err as Error).message).toContain('llm.constrainedDecoding "guided_grammar" has no effect on');
    expect((err as Error).message).toContain('"Sure! Here is a word: hello"');
    expect((err as Error).message).toContain('Use "gbnf" for a llama.cpp server');
    // The verdict is kept: later calls fail the same way without asking the server again.
    await expect(model.generate({ ...request, grammar })).rejects.toThrow('has no effect');
    expect(requests).toHaveLength(1);
    expect(steps()).toHaveLength(0);
  });

  test('a mode the server rejects (HTTP 400) is one NonRetryableError with the server message', async () => {
    probeReply = () => ({ status: 400, body: { error: { message: 'Unrecognized request argument supplied: grammar' } } });
    const err = await new OpenAiChatModel(config({ constrainedDecoding: 'gbnf' })).generate({ ...request, grammar }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect((err as Error).message).toMatch(/llm.constrainedDecoding "gbnf" is not accepted by .*Unrecognized request argument supplied: grammar.*Use "gbnf"/);
  });

  test('a probe that fails transiently is retried with the next call', async () => {
    probeReply = () => ({ status: 500, body: { error: { message: 'loading model' } } });
    const model = new OpenAiChatModel(config({ constrainedDecoding: 'gbnf' }));
    const err = await model.generate({ ...request, grammar }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(NonRetryableError);
    expect((err as Error).message).toContain('loading model');
    probeReply = undefined;
    await expect(model.generate({ ...request, grammar })).resolves.toMatchObject({ text: 'Search(query="x")' });
    expect(requests.filter((r) => isProbe(r.body))).toHaveLength(2);
  });
});

describe('errors', () => {
  const failed = (r: Reply, overrides: Partial<OpenAiLlmConfig> = {}): Promise<Error> => {
    reply = r;
    return failure(new OpenAiChatModel(config(overrides)));
  };

  test('401 becomes a NonRetryableError naming the server, API, model and server message', async () => {
    const err = await failed({ status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } } });
    expect(err).toBeInstanceOf(NonRetryableError);
    for (const part of [baseURL, 'chat API', 'test-model', 'Incorrect API key provided', 'llm.apiKey']) expect(err.message).toContain(part);
    expect(requests).toHaveLength(1);
  });

  test.each([404, 400, 422])('%s becomes a NonRetryableError with the server message, truncated', async (status) => {
    const err = await failed({ status, body: { error: { message: 'nope ' + 'x'.repeat(2000) } } });
    expect(err).toBeInstanceOf(NonRetryableError);
    expect(err.message).toContain('nope xxx');
    expect(err.message).toMatch(/\.\.\. \(\d+ more characters\)$/);
    expect(err.message.length).toBeLessThan(1000);
  });

  test('a completions call to a chat-only server hints at llm.api', async () => {
    const err = await failed({ status: 404, body: { error: { message: 'This is a chat model and not supported in the v1/completions endpoint.' } } }, { api: 'completions' });
    expect(err).toBeInstanceOf(NonRetryableError);
    expect(err.message).toContain('chat-only servers such as OpenAI need llm.api "chat"');
  });

  test.each([
    [429, { 'retry-after': '2' }, 2000],
    [503, { 'retry-after': '0.5' }, 500],
    [429, { 'retry-after-ms': '1500', 'retry-after': '2' }, 1500],
  ])('%s with %j is a RetryLaterError after %s ms, sent exactly once', async (status, headers, ms) => {
    // x-should-retry would make the SDK retry if its own retries were on.
    const err = await failed({ status, body: { error: { message: 'slow down' } }, headers: { 'x-should-retry': 'true', ...headers } });
    expect(err).toBeInstanceOf(RetryLaterError);
    expect((err as RetryLaterError).retryAfterMs).toBe(ms);
    expect(err.message).toContain(`HTTP ${status}`);
    expect(err.message).toContain('slow down');
    expect(requests).toHaveLength(1);
  });

  test.each([500, 429, 503, 408])('%s without Retry-After is a plain retryable Error, sent exactly once', async (status) => {
    const err = await failed({ status, body: { error: { message: 'busy' } }, headers: { 'x-should-retry': 'true' } });
    expect(err).not.toBeInstanceOf(NonRetryableError);
    expect(err).not.toBeInstanceOf(RetryLaterError);
    expect(err.message).toContain(`HTTP ${status}`);
    expect(err.message).toContain('busy');
    expect(requests).toHaveLength(1);
  });

  test('429 for an exhausted quota is not retried', async () => {
    const err = await failed({ status: 429, body: { error: { message: 'You exceeded your current quota', code: 'insufficient_quota' } }, headers: { 'retry-after': '1' } });
    expect(err).toBeInstanceOf(NonRetryableError);
    expect(err.message).toContain('quota');
  });

  test('a body cut short is a retryable Error quoting what arrived', async () => {
    const err = await failed({ status: 200, body: null, raw: '{"id":"cmpl-1","choices":[{"index":0,"message":{"content":"Sea' });
    expect(err).not.toBeInstanceOf(NonRetryableError);
    expect(err.message).toContain('returned a body that is not JSON');
    expect(err.message).toContain('{"id":"cmpl-1","choices":[{"index":0,"message":{"content":"Sea');
  });

  test('a connection closed mid-body is a retryable Error', async () => {
    const err = await failed({ ...ok('Search(query="x")'), breakOff: true });
    expect(err).not.toBeInstanceOf(NonRetryableError);
    expect(err.message).toContain('broke off its response after HTTP 200');
  });

  test('a body without choices is an Error quoting it', async () => {
    const err = await failed({ status: 200, body: { object: 'error', message: 'model is loading' } });
    expect(err.message).toMatch(/unexpected chat response \(choices: .*\): \{"object":"error","message":"model is loading"\}/);
  });

  test('a timeout is a plain retryable Error, sent exactly once', async () => {
    const err = await failed({ ...ok('late'), delayMs: 1000 }, { timeoutMs: 100 });
    expect(err).not.toBeInstanceOf(NonRetryableError);
    expect(err.message).toMatch(/timed out/);
    expect(requests).toHaveLength(1);
  });

  test('a server that quotes the API key back: the key is in no message, stack or cause (histories and logs keep them)', async () => {
    const err = await failed({ status: 500, body: { error: { message: 'refused: authorization=Bearer test-key, key=test-key' } } });
    const chain: unknown[] = [];
    for (let e: unknown = err; e instanceof Error; e = e.cause) chain.push(e.message, e.stack);
    expect(chain.length).toBeGreaterThan(2); // the SDK's error is kept as the cause
    expect(chain.join('\n')).not.toContain('test-key');
    expect(err.message).toContain('refused: authorization=Bearer [redacted], key=[redacted]');
  });

  test('a refused connection is a plain retryable Error', async () => {
    // Port 1 on loopback: nothing listens there.
    const err = await failed(reply, { baseURL: 'http://127.0.0.1:1/v1' });
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(NonRetryableError);
    expect(err.message).toMatch(/cannot reach/);
  });
});

describe('failure classes (counted per round)', () => {
  test.each([
    ['429 with Retry-After', { status: 429, body: { error: { message: 'slow down' } }, headers: { 'retry-after': '1' } }, 'rate_limited'],
    ['500', { status: 500, body: { error: { message: 'boom' } } }, 'server_error'],
    ['503 with Retry-After', { status: 503, body: { error: { message: 'busy' } }, headers: { 'retry-after': '1' } }, 'server_error'],
    ['404', { status: 404, body: { error: { message: 'no such model' } } }, 'rejected'],
    ['a body cut short', { status: 200, body: null, raw: '{"choices":[{"text":"Sea' }, 'malformed_response'],
    ['a body of another shape', { status: 200, body: { object: 'error' } }, 'malformed_response'],
    ['a connection closed mid-body', { ...ok('Search(query="x")'), breakOff: true }, 'connection'],
    ['no answer in time', { ...ok('late'), delayMs: 1000 }, 'timeout'],
  ] as Array<[string, Reply, string]>)('%s: %s', async (_, r, failureClass) => {
    reply = r;
    expect(classifyFailure(await failure(new OpenAiChatModel(config({ timeoutMs: 300 }))))).toBe(failureClass);
  });

  test('an empty reply to the decoding probe is transient (empty_completion): the next call probes again', async () => {
    probeReply = () => ok('', {}, 'completions');
    reply = ok('Search(query="x")', {}, 'completions');
    const model = new OpenAiChatModel(config({ api: 'completions', constrainedDecoding: 'gbnf' }));
    const err = await model.generate({ ...request, grammar: decision.grammar }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(NonRetryableError);
    expect(classifyFailure(err)).toBe('empty_completion');
    expect((err as Error).message).toContain('empty completion to the probe of llm.constrainedDecoding "gbnf"');
    probeReply = undefined;
    await expect(model.generate({ ...request, grammar: decision.grammar })).resolves.toMatchObject({ text: 'Search(query="x")' });
  });
});

describe('retryAfterMs', () => {
  const h = (entries: Record<string, string>) => new Headers(entries);
  test.each([
    [{ 'retry-after': '3' }, 3000],
    [{ 'retry-after': '1.2' }, 1200],
    [{ 'retry-after-ms': '250' }, 250],
    [{ 'retry-after': 'Thu, 01 Jan 1970 00:00:05 GMT' }, 5000],
    [{ 'retry-after': 'Thu, 01 Jan 1970 00:00:00 GMT' }, 0],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('%j -> %s', (entries, ms) => {
    expect(retryAfterMs(h(entries), 0)).toBe(ms);
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
