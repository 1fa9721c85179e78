/**
 * OpenAiFineTuner against a local HTTP double of the OpenAI fine-tuning API (loopback only): upload + create +
 * poll to success, resuming a job after an activity restart without a second job, adopting a job a crashed
 * attempt created, cancellation on abort (also mid-sleep), and failed jobs (NonRetryableError vs retryable).
 * Longer than 250 lines: one HTTP double of the API shared by those five groups of tests.
 */
import { getEventListeners } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { abortCancelsJob, OpenAiFineTuner, type OpenAiFineTunerOptions } from '../../adapters/finetune/openai-finetune';
import { NonRetryableError, RetryLaterError } from '../../ports/errors';
import type { FineTuneContext, FineTuneProgress, FineTuneRequest } from '../../ports/fine-tuner';

type Status = 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

interface FakeJob {
  id: string;
  model: string;
  /** Statuses returned by successive GETs; the last one sticks. */
  script: Status[];
  polls: number;
  status: Status;
  error: { code: string; message: string; param: string | null } | null;
  metadata: Record<string, string> | null;
}

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string;
  raw: string;
}

const FT_MODEL = 'ft:base:restact:abc';
const requests: Recorded[] = [];
const jobs = new Map<string, FakeJob>();
/** Script and error given to the next job the double creates. */
let nextScript: Status[];
let nextError: FakeJob['error'];
/** One-shot failures: `METHOD /path` → HTTP status. */
const failOnce = new Map<string, number>();
let fileCount = 0;
let jobCount = 0;
let server: http.Server;
let baseURL: string;
let dir: string;
let trainFile: string;
let validationFile: string;

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function jobBody(job: FakeJob) {
  return {
    id: job.id,
    object: 'fine_tuning.job',
    created_at: 0,
    model: job.model,
    status: job.status,
    fine_tuned_model: job.status === 'succeeded' ? FT_MODEL : null,
    error: job.status === 'failed' ? job.error : null,
    finished_at: null,
    hyperparameters: { n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' },
    organization_id: 'org',
    result_files: job.status === 'succeeded' ? ['file-result'] : [],
    seed: 0,
    trained_tokens: null,
    training_file: 'file-1',
    validation_file: null,
    metadata: job.metadata,
  };
}

/** Metrics events for the steps "trained" so far (one per running poll), newest first like the API. */
function events(job: FakeJob) {
  const steps = job.script.slice(0, job.polls).filter((s) => s === 'running').length + (job.status === 'succeeded' ? 1 : 0);
  const out = [];
  for (let step = 1; step <= steps; step++) {
    out.push({ id: `ev-${job.id}-${step}`, object: 'fine_tuning.job.event', created_at: step, level: 'info', message: `Step ${step}`, type: 'metrics', data: { step, train_loss: 2 / step, total_steps: 3 } });
  }
  out.push({ id: `ev-${job.id}-0`, object: 'fine_tuning.job.event', created_at: 0, level: 'info', message: 'Job started', type: 'message' });
  return out.reverse();
}

function seedJob(id: string, script: Status[], metadata: Record<string, string> | null = null): FakeJob {
  const job: FakeJob = { id, model: 'base', script, polls: 0, status: script[0]!, error: null, metadata };
  jobs.set(id, job);
  return job;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restact-ft-'));
  trainFile = path.join(dir, 'train.jsonl');
  validationFile = path.join(dir, 'valid.jsonl');
  fs.writeFileSync(trainFile, JSON.stringify({ messages: [{ role: 'user', content: 'train-marker' }, { role: 'assistant', content: 'ok' }] }) + '\n');
  fs.writeFileSync(validationFile, JSON.stringify({ messages: [{ role: 'user', content: 'valid-marker' }, { role: 'assistant', content: 'ok' }] }) + '\n');

  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const route = url.pathname.replace(/^\/v1/, '');
      requests.push({ method: req.method ?? '', path: route, query: url.searchParams, contentType: String(req.headers['content-type'] ?? ''), raw });
      const forced = failOnce.get(`${req.method} ${route}`);
      if (forced) {
        failOnce.delete(`${req.method} ${route}`);
        // A forced 429 asks the client to come back in 3 s, as rate limiters do.
        return send(res, forced, { error: { message: `forced ${forced}`, type: 'test', code: null, param: null } }, forced === 429 ? { 'retry-after': '3' } : {});
      }
      let m: RegExpMatchArray | null;
      if (req.method === 'POST' && route === '/files') {
        fileCount++;
        return send(res, 200, { id: `file-${fileCount}`, object: 'file', bytes: raw.length, created_at: 0, filename: 'x.jsonl', purpose: 'fine-tune', status: 'processed' });
      }
      if (req.method === 'POST' && route === '/fine_tuning/jobs') {
        const body = JSON.parse(raw);
        const job = seedJob(`ftjob-${++jobCount}`, ['queued', ...nextScript], body.metadata ?? null);
        job.model = body.model;
        job.error = nextError;
        return send(res, 200, jobBody(job));
      }
      if (req.method === 'GET' && route === '/fine_tuning/jobs') {
        const key = url.searchParams.get('metadata[restact_job_key]');
        const data = [...jobs.values()].filter((j) => key === null || j.metadata?.restact_job_key === key).map(jobBody);
        return send(res, 200, { object: 'list', data, has_more: false });
      }
      if ((m = route.match(/^\/fine_tuning\/jobs\/([^/]+)(\/events|\/cancel)?$/))) {
        const job = jobs.get(m[1]!);
        if (!job) return send(res, 404, { error: { message: `No such job: ${m[1]}`, type: 'invalid_request_error', code: null, param: null } });
        if (req.method === 'GET' && !m[2]) {
          if (job.status !== 'cancelled') job.status = job.script[Math.min(job.polls, job.script.length - 1)]!;
          job.polls++;
          return send(res, 200, jobBody(job));
        }
        if (req.method === 'GET' && m[2] === '/events') return send(res, 200, { object: 'list', data: events(job), has_more: false });
        if (req.method === 'POST' && m[2] === '/cancel') {
          job.status = 'cancelled';
          return send(res, 200, jobBody(job));
        }
      }
      send(res, 404, { error: { message: `no route ${req.method} ${route}`, type: 'test', code: null, param: null } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  requests.length = 0;
  jobs.clear();
  failOnce.clear();
  fileCount = 0;
  jobCount = 0;
  nextScript = ['running', 'running', 'succeeded'];
  nextError = null;
});

function tuner(overrides: OpenAiFineTunerOptions = {}) {
  return new OpenAiFineTuner({ baseURL, apiKey: 'test-key', pollIntervalMs: 20, suffix: 'restact', timeoutMs: 5000, ...overrides });
}

function request(overrides: Partial<FineTuneRequest> = {}): FineTuneRequest {
  return {
    jobKey: `camp-${Math.random().toString(36).slice(2)}`,
    baseModel: 'base',
    trainFile,
    outputDir: dir,
    hyperparameters: { epochs: 2, learningRate: 2e-4, batchSize: 4, loraRank: 8, loraAlpha: 16 },
    ...overrides,
  };
}

function context(resumeFrom?: FineTuneProgress, controller = new AbortController()) {
  const progress: FineTuneProgress[] = [];
  const ctx: FineTuneContext = {
    onProgress: (p) => {
      progress.push({ ...p });
    },
    resumeFrom,
    signal: controller.signal,
  };
  return { progress, controller, ctx };
}

const count = (method: string, route: string | RegExp) =>
  requests.filter((r) => r.method === method && (typeof route === 'string' ? r.path === route : route.test(r.path))).length;

test('a full run uploads once, creates one job, reports its id before waiting, and returns the fine-tuned model', async () => {
  const { progress, ctx } = context();
  const result = await tuner().fineTune(request({ jobKey: 'camp1-round0' }), ctx);

  expect(result.model).toBe(FT_MODEL);
  expect(result.jobId).toBe('ftjob-1');
  expect(result.outputs).toEqual({ jobId: 'ftjob-1', resultFiles: 'file-result' });
  expect(result.trainLoss).toEqual([2, 1, 2 / 3]); // from the metrics events, oldest step first

  expect(count('POST', '/files')).toBe(1);
  const upload = requests.find((r) => r.path === '/files')!;
  expect(upload.contentType).toMatch(/^multipart\/form-data/);
  expect(upload.raw).toContain('train-marker');
  expect(upload.raw).toContain('fine-tune');
  expect(count('POST', '/fine_tuning/jobs')).toBe(1);
  const created = JSON.parse(requests.find((r) => r.method === 'POST' && r.path === '/fine_tuning/jobs')!.raw);
  expect(created).toMatchObject({
    model: 'base',
    training_file: 'file-1',
    suffix: 'restact',
    method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, batch_size: 4, learning_rate_multiplier: 'auto' } } },
    metadata: { restact_job_key: 'camp1-round0', restact_base_model: 'base' },
  });
  expect(created.validation_file).toBeUndefined();

  // The first progress with a job id is `created`, reported before the first poll; nothing before it has one.
  const firstWithId = progress.findIndex((p) => p.jobId);
  expect(progress[firstWithId]).toEqual({ stage: 'created', jobId: 'ftjob-1' });
  expect(progress.slice(0, firstWithId).map((p) => p.stage)).toEqual(['uploading']);
  const createIdx = requests.findIndex((r) => r.method === 'POST' && r.path === '/fine_tuning/jobs');
  expect(requests.slice(0, createIdx).some((r) => r.path.startsWith('/fine_tuning/jobs/'))).toBe(false);
  expect(progress.slice(firstWithId).every((p) => p.jobId === 'ftjob-1')).toBe(true);
  expect(progress.map((p) => p.stage)).toEqual(['uploading', 'created', 'queued', 'running', 'running', 'succeeded']);
  expect(progress.find((p) => p.stage === 'running' && p.step === 1)).toMatchObject({ loss: 2, totalSteps: 3 });
  // The SDK never removes the abort listener it adds per request; the adapter must not leak them onto ctx.signal.
  expect(getEventListeners(ctx.signal, 'abort')).toHaveLength(0);
});

test('a validation file is uploaded too, and the learning rate maps to a multiplier when a reference is given', async () => {
  const { ctx } = context();
  await tuner({ referenceLearningRate: 1e-4 }).fineTune(request({ validationFile }), ctx);
  expect(count('POST', '/files')).toBe(2);
  expect(requests.filter((r) => r.path === '/files')[1]!.raw).toContain('valid-marker');
  const created = JSON.parse(requests.find((r) => r.method === 'POST' && r.path === '/fine_tuning/jobs')!.raw);
  expect(created).toMatchObject({ training_file: 'file-1', validation_file: 'file-2' });
  expect(created.method.supervised.hyperparameters.learning_rate_multiplier).toBeCloseTo(2);
});

test('resume after a restart polls the same job: no upload, no second job', async () => {
  seedJob('ftjob-prev', ['running', 'running', 'succeeded']);
  const { progress, ctx } = context({ stage: 'running', jobId: 'ftjob-prev' });
  const result = await tuner().fineTune(request(), ctx);

  expect(result).toMatchObject({ model: FT_MODEL, jobId: 'ftjob-prev' });
  expect(count('POST', '/files')).toBe(0);
  expect(count('POST', '/fine_tuning/jobs')).toBe(0);
  expect(count('GET', '/fine_tuning/jobs')).toBe(0); // not even the metadata lookup
  expect(count('GET', '/fine_tuning/jobs/ftjob-prev')).toBe(3);
  expect(progress.every((p) => p.jobId === 'ftjob-prev')).toBe(true);
  expect(progress.at(-1)!.stage).toBe('succeeded');
});

test('a job created by an attempt that died before heartbeating it is adopted through its metadata', async () => {
  const { ctx: first } = context();
  const req = request();
  nextScript = ['running', 'running', 'running', 'running', 'succeeded'];
  // Kill the "first attempt" right after the job was created, before any progress reached a heartbeat.
  const controller = new AbortController();
  const lost = tuner().fineTune(req, { ...first, signal: controller.signal, onProgress: (p) => p.stage === 'created' && controller.abort(new Error('worker died')) });
  await expect(lost).rejects.toThrow('worker died');
  jobs.get('ftjob-1')!.status = 'running'; // the crash did not really cancel it
  jobs.get('ftjob-1')!.script = ['running', 'succeeded'];
  jobs.get('ftjob-1')!.polls = 0;
  requests.length = 0;

  const { progress, ctx } = context(); // the retry has no heartbeat details
  const result = await tuner().fineTune(req, ctx);
  expect(result.jobId).toBe('ftjob-1');
  expect(count('POST', '/files')).toBe(0);
  expect(count('POST', '/fine_tuning/jobs')).toBe(0);
  expect(requests.find((r) => r.method === 'GET' && r.path === '/fine_tuning/jobs')!.query.get('metadata[restact_job_key]')).toBe(req.jobKey);
  expect(progress[1]).toMatchObject({ stage: 'running', jobId: 'ftjob-1' });

  // A different training file (different hash) under the same key is not adopted.
  const other = path.join(dir, 'other.jsonl');
  fs.writeFileSync(other, '{"messages":[]}\n');
  requests.length = 0;
  const again = await tuner().fineTune({ ...req, trainFile: other }, context().ctx);
  expect(again.jobId).toBe('ftjob-2');
  expect(count('POST', '/fine_tuning/jobs')).toBe(1);
});

test('aborting cancels the job and rejects with the abort reason, even mid-sleep', async () => {
  nextScript = ['running'];
  const controller = new AbortController();
  const { ctx } = context(undefined, controller);
  const reason = new Error('workflow cancelled');
  ctx.onProgress = (p) => {
    if (p.stage === 'queued') setTimeout(() => controller.abort(reason), 30); // lands inside the 60 s sleep
  };
  const started = Date.now();
  await expect(tuner({ pollIntervalMs: 60_000 }).fineTune(request(), ctx)).rejects.toBe(reason);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(count('POST', '/fine_tuning/jobs/ftjob-1/cancel')).toBe(1);
  expect(jobs.get('ftjob-1')!.status).toBe('cancelled');
  const polls = count('GET', '/fine_tuning/jobs/ftjob-1');
  await new Promise((r) => setTimeout(r, 100));
  expect(count('GET', '/fine_tuning/jobs/ftjob-1')).toBe(polls); // polling stopped
});

test('an already aborted signal does nothing', async () => {
  const controller = new AbortController();
  controller.abort(new Error('too late'));
  await expect(tuner().fineTune(request(), context(undefined, controller).ctx)).rejects.toThrow('too late');
  expect(requests).toHaveLength(0);
});

test('a job failed on its data surfaces its message as a NonRetryableError', async () => {
  nextScript = ['running', 'failed'];
  nextError = { code: 'invalid_training_file', message: 'Invalid file format: line 3 is not valid JSON', param: 'training_file' };
  const { progress, ctx } = context();
  const err = await tuner().fineTune(request(), ctx).catch((e) => e);
  expect(err).toBeInstanceOf(NonRetryableError);
  expect(err.message).toContain('Invalid file format: line 3 is not valid JSON');
  expect(progress.at(-1)).toMatchObject({ stage: 'failed', jobId: 'ftjob-1' });
});

test('a job failed on the provider side is a retryable Error, and the retry starts a new job', async () => {
  nextScript = ['failed'];
  nextError = { code: 'server_error', message: 'Internal error while training', param: null };
  const { progress, ctx } = context();
  const err = await tuner().fineTune(request(), ctx).catch((e) => e);
  expect(err).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(NonRetryableError);
  expect(err.message).toContain('Internal error while training');

  // The retry sees the last heartbeat (`failed`): that job is dead, so it uploads and creates a new one.
  nextScript = ['succeeded'];
  nextError = null;
  const retry = context(progress.at(-1));
  const result = await tuner().fineTune(request(), retry.ctx);
  expect(result.jobId).toBe('ftjob-2');
  expect(count('POST', '/fine_tuning/jobs')).toBe(2);
});

test('HTTP errors split into NonRetryableError (auth, unknown job) and retryable errors; transient poll errors are tolerated', async () => {
  failOnce.set('POST /files', 401);
  await expect(tuner().fineTune(request(), context().ctx)).rejects.toBeInstanceOf(NonRetryableError);

  failOnce.set('POST /files', 503);
  const transient = await tuner().fineTune(request(), context().ctx).catch((e) => e);
  expect(transient).not.toBeInstanceOf(NonRetryableError);
  expect(transient.message).toMatch(/HTTP 503/);

  await expect(tuner().fineTune(request(), context({ stage: 'running', jobId: 'ftjob-nope' }).ctx)).rejects.toBeInstanceOf(NonRetryableError);

  seedJob('ftjob-flaky', ['running', 'succeeded']);
  failOnce.set('GET /fine_tuning/jobs/ftjob-flaky', 502);
  const { progress, ctx } = context({ stage: 'running', jobId: 'ftjob-flaky' });
  await expect(tuner().fineTune(request(), ctx)).resolves.toMatchObject({ model: FT_MODEL });
  expect(progress[0]).toMatchObject({ stage: 'polling', jobId: 'ftjob-flaky' });
});

test('HTTP 429 with Retry-After is a RetryLaterError carrying the delay', async () => {
  failOnce.set('POST /files', 429);
  const err = await tuner().fineTune(request(), context().ctx).catch((e) => e);
  expect(err).toBeInstanceOf(RetryLaterError);
  expect(err.retryAfterMs).toBe(3000);
  expect(err.message).toMatch(/HTTP 429 while uploading/);
});

test('a missing training file is a NonRetryableError before any request', async () => {
  await expect(tuner().fineTune(request({ trainFile: path.join(dir, 'missing.jsonl') }), context().ctx)).rejects.toBeInstanceOf(NonRetryableError);
  expect(requests).toHaveLength(0);
});

test('only a real cancellation cancels the job; an abandoned attempt (Temporal CancelledFailure reasons) does not', () => {
  const cancelled = (message: string) => Object.assign(new Error(message), { name: 'CancelledFailure' });
  expect(abortCancelsJob(new Error('workflow cancelled'))).toBe(true);
  expect(abortCancelsJob(undefined)).toBe(true);
  expect(abortCancelsJob(cancelled('CANCELLED'))).toBe(true);
  for (const reason of ['WORKER_SHUTDOWN', 'TIMED_OUT', 'NOT_FOUND', 'PAUSED', 'RESET']) expect(abortCancelsJob(cancelled(reason))).toBe(false);
});
