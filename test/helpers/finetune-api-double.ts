/**
 * A test double of the OpenAI fine-tuning API (loopback HTTP), enough for the real adapter
 * (adapters/finetune/openai-finetune.ts): file uploads, job creation with metadata, listing, polling, cancelling.
 * A job runs for `runMs` after its creation, then succeeds. `created` lists the job key (the `restact_job_key`
 * metadata) of every job created, so a test can tell whether any fine-tune started twice. With `echoAuthorization`
 * the first upload fails with HTTP 500 and a message that quotes the request's Authorization header (a server that
 * leaks what it was sent), and `authorizations` keeps every header received.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Job {
  id: string;
  createdAt: number;
  status: 'running' | 'succeeded' | 'cancelled';
  metadata: Record<string, string>;
}

export interface FineTuneApiDouble {
  baseURL: string;
  /** The Authorization headers received. */
  authorizations: Set<string>;
  /** The job key of each job created, in order. */
  created: string[];
  /** Requests seen, as `METHOD /path`. */
  requests: string[];
  stop(): Promise<void>;
}

export async function startFineTuneApiDouble(options: { runMs: number; echoAuthorization?: boolean }): Promise<FineTuneApiDouble> {
  const jobs = new Map<string, Job>();
  const authorizations = new Set<string>();
  let echoed = false;
  const created: string[] = [];
  const requests: string[] = [];
  let files = 0;
  const body = (job: Job) => {
    if (job.status === 'running' && Date.now() - job.createdAt >= options.runMs) job.status = 'succeeded';
    return {
      id: job.id,
      object: 'fine_tuning.job',
      created_at: Math.floor(job.createdAt / 1000),
      model: 'base',
      status: job.status,
      fine_tuned_model: job.status === 'succeeded' ? `ft:base:restact:${job.id}` : null,
      error: null,
      result_files: [],
      metadata: job.metadata,
    };
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const route = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/v1/, '');
      requests.push(`${req.method} ${route}`);
      if (req.headers.authorization) authorizations.add(req.headers.authorization);
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      let m: RegExpMatchArray | null;
      if (req.method === 'POST' && route === '/files' && options.echoAuthorization && !echoed) {
        echoed = true;
        return reply(500, { error: { message: `storage backend refused the upload (request headers: authorization=${req.headers.authorization})` } });
      }
      if (req.method === 'POST' && route === '/files') return reply(200, { id: `file-${++files}`, object: 'file', purpose: 'fine-tune', bytes: 0, created_at: 0, filename: 'train.jsonl' });
      if (req.method === 'GET' && route === '/fine_tuning/jobs') return reply(200, { object: 'list', data: [...jobs.values()].map(body), has_more: false });
      if (req.method === 'POST' && route === '/fine_tuning/jobs') {
        const params = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { metadata?: Record<string, string> };
        const job: Job = { id: `ftjob-${jobs.size + 1}`, createdAt: Date.now(), status: 'running', metadata: params.metadata ?? {} };
        jobs.set(job.id, job);
        created.push(job.metadata.restact_job_key ?? job.id);
        return reply(200, body(job));
      }
      if ((m = route.match(/^\/fine_tuning\/jobs\/([^/]+)(\/cancel|\/events)?$/))) {
        const job = jobs.get(m[1]!);
        if (!job) return reply(404, { error: { message: 'no such job' } });
        if (m[2] === '/events') return reply(404, { error: { message: 'no events here' } });
        if (m[2] === '/cancel') job.status = 'cancelled';
        return reply(200, body(job));
      }
      reply(404, { error: { message: `no route ${req.method} ${route}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    authorizations,
    created,
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
