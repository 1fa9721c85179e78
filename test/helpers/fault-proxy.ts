/**
 * A fault-injecting HTTP proxy in front of a real OpenAI-compatible server (the llama.cpp server of
 * ./llama-server.ts), for faults a real server cannot be made to produce on demand. Every `every`-th completion
 * call gets the next fault of `faults`, in turn; every other request goes through unchanged:
 *   rate_limited      HTTP 429 with Retry-After
 *   server_error      HTTP 500 (its message echoes the request's Authorization header when `echoAuthorization`:
 *                     a server that leaks what it was sent)
 *   timeout           no answer at all, until the client gives up
 *   truncated_json    the real server's answer, cut in half (a complete HTTP response whose body is not JSON)
 *   empty_completion  HTTP 200 with an empty completion
 * `injected` counts each fault as it is served.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAULTS = ['rate_limited', 'server_error', 'timeout', 'truncated_json', 'empty_completion'] as const;
export type Fault = (typeof FAULTS)[number];

export interface FaultProxy {
  /** e.g. http://127.0.0.1:41234/v1 */
  baseURL: string;
  /** Completion calls seen, faulty or not. */
  readonly calls: () => number;
  readonly injected: Record<Fault, number>;
  /** The Authorization headers received. */
  readonly authorizations: Set<string>;
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  /** The real server, e.g. http://127.0.0.1:8080/v1 */
  upstream: string;
  /** One completion call in `every` is faulty (5: 20%). */
  every: number;
  faults?: readonly Fault[];
  retryAfterS?: number;
  echoAuthorization?: boolean;
}

const isCompletion = (req: http.IncomingMessage) => req.method === 'POST' && /\/(chat\/)?completions$/.test(new URL(req.url ?? '/', 'http://x').pathname);

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const faults = options.faults ?? FAULTS;
  const upstream = new URL(options.upstream);
  const injected = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
  const authorizations = new Set<string>();
  let calls = 0;
  let nextFault = 0;
  const open = new Set<http.ServerResponse>();

  /** The request as the real server answers it: status, headers and the whole body. */
  const forward = (req: http.IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const path = upstream.pathname.replace(/\/v1$/, '') + (req.url ?? '/');
      const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path, headers: { ...req.headers, host: upstream.host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });

  const json = (res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      if (req.headers.authorization) authorizations.add(req.headers.authorization);
      open.add(res);
      res.on('close', () => open.delete(res));
      const fault = isCompletion(req) && ++calls % options.every === 0 ? faults[nextFault++ % faults.length] : undefined;
      if (fault) injected[fault]++;
      try {
        if (fault === 'rate_limited') return json(res, 429, { error: { message: 'Rate limit reached; try again shortly', type: 'rate_limit' } }, { 'retry-after': String(options.retryAfterS ?? 1) });
        if (fault === 'server_error') {
          const echo = options.echoAuthorization ? ` (request headers: authorization=${req.headers.authorization})` : '';
          return json(res, 500, { error: { message: `Internal server error${echo}`, type: 'server_error' } });
        }
        if (fault === 'timeout') return; // hold the request open; the client's timeout ends it
        if (fault === 'empty_completion') {
          const chat = /chat\/completions$/.test(req.url ?? '');
          const choice = chat ? { index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'stop' } : { index: 0, text: '', finish_reason: 'stop' };
          return json(res, 200, { id: 'cmpl-empty', object: chat ? 'chat.completion' : 'text_completion', model: 'proxy', choices: [choice], usage: { prompt_tokens: 0, completion_tokens: 0 } });
        }
        const answer = await forward(req, body);
        const sent = fault === 'truncated_json' ? answer.body.subarray(0, Math.floor(answer.body.length / 2)) : answer.body;
        const headers = { ...answer.headers, 'content-length': String(sent.length) };
        delete headers['transfer-encoding'];
        res.writeHead(answer.status, headers);
        res.end(sent);
      } catch (err) {
        json(res, 502, { error: { message: `fault proxy: upstream failed: ${(err as Error).message}` } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    calls: () => calls,
    injected,
    authorizations,
    async stop() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
