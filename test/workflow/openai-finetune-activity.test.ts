/**
 * The `fineTune` activity with the OpenAI backend, in a real Temporal activity context (the SDK's
 * MockActivityEnvironment: real Context, heartbeats, cancellation, failure conversion; no server needed), against a
 * local HTTP double of the OpenAI fine-tuning API. Checks the glue between the activity and the adapter:
 * heartbeats carry the job id, a retried attempt given the last heartbeat resumes the same job, a workflow
 * cancellation cancels the job, a worker shutdown does not, and a job that failed on its data is non-retryable.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ActivityCancellationDetails, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { OpenAiFineTuner } from '../../adapters/finetune/openai-finetune';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import type { FineTuneProgress } from '../../ports/fine-tuner';
import { tempDir } from '../helpers/temporal';

type Status = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
interface FakeJob {
  id: string;
  script: Status[];
  polls: number;
  status: Status;
  error: { code: string; message: string; param: string | null } | null;
}

const FT_MODEL = 'ft:base:restact:abc';
const jobs = new Map<string, FakeJob>();
const calls: string[] = [];
let nextScript: Status[] = [];
let nextError: FakeJob['error'] = null;
let server: http.Server;
let baseURL: string;
let store: LocalDirStore;

function jobBody(job: FakeJob) {
  return {
    id: job.id,
    object: 'fine_tuning.job',
    created_at: 0,
    model: 'base',
    status: job.status,
    fine_tuned_model: job.status === 'succeeded' ? FT_MODEL : null,
    error: job.status === 'failed' ? job.error : null,
    result_files: [],
    metadata: null,
  };
}

beforeAll(async () => {
  store = new LocalDirStore(tempDir('ft-activity'));
  await store.put('rounds/r0/train.jsonl', '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n');
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const route = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/v1/, '');
      calls.push(`${req.method} ${route}`);
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      let m: RegExpMatchArray | null;
      if (req.method === 'POST' && route === '/files') return reply(200, { id: 'file-1', object: 'file', purpose: 'fine-tune' });
      if (req.method === 'GET' && route === '/fine_tuning/jobs') return reply(200, { object: 'list', data: [], has_more: false });
      if (req.method === 'POST' && route === '/fine_tuning/jobs') {
        const job: FakeJob = { id: `ftjob-${jobs.size + 1}`, script: ['queued', ...nextScript], polls: 0, status: 'queued', error: nextError };
        jobs.set(job.id, job);
        return reply(200, jobBody(job));
      }
      if ((m = route.match(/^\/fine_tuning\/jobs\/([^/]+)(\/cancel|\/events)?$/))) {
        const job = jobs.get(m[1]!);
        if (!job) return reply(404, { error: { message: 'no such job' } });
        if (m[2] === '/events') return reply(200, { object: 'list', data: [], has_more: false });
        if (m[2] === '/cancel') job.status = 'cancelled';
        else if (job.status !== 'cancelled') job.status = job.script[Math.min(job.polls++, job.script.length - 1)]!;
        return reply(200, jobBody(job));
      }
      reply(404, { error: { message: `no route ${req.method} ${route}` } });
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
  jobs.clear();
  calls.length = 0;
  nextScript = ['running', 'running', 'succeeded'];
  nextError = null;
});

function activities(pollIntervalMs = 20) {
  const deps = {
    store,
    fineTuner: new OpenAiFineTuner({ baseURL, apiKey: 'test-key', pollIntervalMs, suffix: 'restact' }),
    // The fine-tune activity touches neither the models nor the search index.
    models: {} as ActivityDeps['models'],
    search: {} as ActivityDeps['search'],
    agent: { topK: 3, maxRepairs: 0, snippetChars: 100, grounding: 'free' },
    workDir: tempDir('ft-activity-work'),
  } satisfies ActivityDeps;
  return createActivities(deps);
}

const call = {
  jobKey: 'camp1-round0',
  baseModel: 'base',
  trainKey: 'rounds/r0/train.jsonl',
  outputKey: 'rounds/r0/model',
  hyperparameters: { epochs: 1, learningRate: 1e-4, batchSize: 2, loraRank: 8, loraAlpha: 16 },
};

/** A fresh attempt; `heartbeats` collects what it heartbeats (what the server would hand the next attempt). */
function attempt(lastHeartbeat?: FineTuneProgress, attemptNo = 1) {
  const env = new MockActivityEnvironment({ heartbeatDetails: lastHeartbeat, attempt: attemptNo, activityType: 'fineTune' }, { logger: quiet });
  const heartbeats: FineTuneProgress[] = [];
  env.on('heartbeat', (d: FineTuneProgress) => heartbeats.push(d));
  return { env, heartbeats };
}

const quiet = new DefaultLogger('ERROR');
const count = (c: string) => calls.filter((x) => x === c).length;

test('the activity heartbeats the job id as soon as the job exists and returns the fine-tuned model', async () => {
  const { env, heartbeats } = attempt();
  const result = await env.run(activities().fineTune, call);
  expect(result).toMatchObject({ model: FT_MODEL, jobId: 'ftjob-1' });
  expect(heartbeats.find((h) => h.jobId)).toEqual({ stage: 'created', jobId: 'ftjob-1' });
  expect(heartbeats.at(-1)).toMatchObject({ stage: 'succeeded', jobId: 'ftjob-1' });
  expect(count('POST /files')).toBe(1);
  expect(count('POST /fine_tuning/jobs')).toBe(1);
});

test('a worker shutdown leaves the job running, and the retried attempt resumes it from the heartbeat', async () => {
  nextScript = ['running'];
  const first = attempt();
  const acts = activities(60_000);
  first.env.on('heartbeat', (d: FineTuneProgress) => {
    if (d.stage === 'queued') setImmediate(() => first.env.cancel('WORKER_SHUTDOWN', new ActivityCancellationDetails({ workerShutdown: true })));
  });
  const err = await first.env.run(acts.fineTune, call).catch((e) => e);
  expect(err).toBeInstanceOf(CancelledFailure);
  expect(count('POST /fine_tuning/jobs/ftjob-1/cancel')).toBe(0);
  expect(jobs.get('ftjob-1')!.status).toBe('queued');

  // The new attempt gets the last heartbeat as its heartbeatDetails: same job, no upload, no second job.
  jobs.get('ftjob-1')!.script = ['running', 'succeeded'];
  jobs.get('ftjob-1')!.polls = 0;
  calls.length = 0;
  const second = attempt(first.heartbeats.at(-1), 2);
  const result = await second.env.run(activities().fineTune, call);
  expect(result).toMatchObject({ model: FT_MODEL, jobId: 'ftjob-1' });
  expect(count('POST /files')).toBe(0);
  expect(count('POST /fine_tuning/jobs')).toBe(0);
  expect(jobs.size).toBe(1);
});

test('a workflow cancellation cancels the job', async () => {
  nextScript = ['running'];
  const { env } = attempt();
  env.on('heartbeat', (d: FineTuneProgress) => {
    if (d.stage === 'queued') setImmediate(() => env.cancel()); // CANCELLED, cancelRequested; lands in the 60 s sleep
  });
  const err = await env.run(activities(60_000).fineTune, call).catch((e) => e);
  expect(err).toBeInstanceOf(CancelledFailure);
  expect(count('POST /fine_tuning/jobs/ftjob-1/cancel')).toBe(1);
  expect(jobs.get('ftjob-1')!.status).toBe('cancelled');
});

test('a job that failed on its data fails the activity for good (non-retryable NonRetryableError)', async () => {
  nextScript = ['failed'];
  nextError = { code: 'invalid_training_file', message: 'line 1: missing messages', param: 'training_file' };
  const { env, heartbeats } = attempt();
  const err = (await env.run(activities().fineTune, call).catch((e: unknown) => e)) as ApplicationFailure;
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect(err).toMatchObject({ nonRetryable: true, type: 'NonRetryableError' });
  expect(err.message).toContain('line 1: missing messages');
  expect(heartbeats.at(-1)).toMatchObject({ stage: 'failed', jobId: 'ftjob-1' });
});
