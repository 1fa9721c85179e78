/**
 * FineTuner adapter for the OpenAI fine-tuning API (api.openai.com, or any server with the same API).
 * Longer than 250 lines: one job's whole life (upload, adopt, create, poll, resume, cancel) is one state machine,
 * easier to check read in one piece than split across files.
 *
 * Durability (see ports/fine-tuner.ts): one `fineTune` call runs inside one long activity.
 * - A fresh call uploads the JSONL files, creates the job and reports `{ stage: 'created', jobId }` at once, so
 *   the activity heartbeats the job id before any further waiting; every poll then reports `{ stage, jobId, ... }`.
 * - A retried activity passes that progress back as `resumeFrom`: with a `jobId` it only polls that job again
 *   (no upload, no second job). The exception is `resumeFrom.stage` `failed` / `cancelled`: that job is dead, so the
 *   retry starts a new one (this is what makes a retryable job failure worth retrying).
 * - The gap between "job created" and "heartbeat recorded" (worker killed in between) is closed by job metadata:
 *   each job carries `restact_job_key` (+ base model and a hash of the training file), and a fresh call first
 *   looks for a live or succeeded job with the same metadata and adopts it instead of creating a duplicate.
 *   Servers without metadata support simply never match.
 * - Aborting `signal` (activity cancelled) cancels the job, best effort, and rejects with `signal.reason`. Except
 *   when the reason says only this attempt is being abandoned (see `abortCancelsJob`): then the job keeps running
 *   and the next attempt resumes it.
 *
 * Errors follow adapters/openai-errors.ts, like the chat adapter: `NonRetryableError` for what a retry cannot fix
 * (auth, bad request, unknown job id, a job that failed on its data or settings, a job cancelled outside restact),
 * `RetryLaterError` for 429/503 with `Retry-After`, plain `Error` for the rest (network, 408/409/429/5xx, a job
 * that failed on the provider's side), which Temporal retries.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import OpenAI from 'openai';
import { NonRetryableError, RetryLaterError } from '../../ports/errors';
import { mapOpenAiError, redactError, redactSecrets } from '../openai-errors';
import type { FineTuneContext, FineTuneProgress, FineTuneRequest, FineTuneResult, FineTuner } from '../../ports/fine-tuner';

export interface OpenAiFineTunerOptions {
  /** Unset: OPENAI_BASE_URL, else https://api.openai.com/v1. */
  baseURL?: string;
  /** Falls back to OPENAI_API_KEY; local servers accept any value. */
  apiKey?: string;
  /** Time between two status polls. */
  pollIntervalMs?: number;
  /** Model name suffix, e.g. `restact` gives `ft:gpt-4o-mini:org:restact:abc123`. */
  suffix?: string;
  /** Per HTTP request (uploads included). */
  timeoutMs?: number;
  /**
   * OpenAI takes a learning-rate *multiplier*, not the absolute rate in `hyperparameters.learningRate` (which is
   * meant for the local LoRA trainer). A number or `auto` here wins; else, with `referenceLearningRate`, the
   * multiplier is `learningRate / referenceLearningRate`; else `auto` (the provider picks).
   */
  learningRateMultiplier?: number | 'auto';
  referenceLearningRate?: number;
  /** Recent job events read per poll for step/loss (0: never read events). */
  eventsPerPoll?: number;
  /** Transient poll failures (network, 5xx, 429) tolerated in a row before the activity fails (and is retried). */
  maxConsecutivePollErrors?: number;
}

/** A job in one of these states will never produce a model: a retry must start a new one. */
const DEAD_STAGES = new Set(['failed', 'cancelled']);
/** `job.error.code` values (by pattern) that mean the data or settings are wrong, so retrying cannot help. */
const CONFIG_FAILURE_CODE = /invalid|unsupported|not_?found|quota|billing|moderation|safety|policy|permission|file|format|model/i;
const MAX_EVENTS_READ = 10_000;
const CANCEL_TIMEOUT_MS = 10_000;

const META_KEY = 'restact_job_key';
const META_BASE = 'restact_base_model';
const META_TRAIN = 'restact_train_sha256';

type Job = OpenAI.FineTuning.Jobs.FineTuningJob;

interface Metrics {
  step?: number;
  totalSteps?: number;
  loss?: number;
  validLoss?: number;
}

export class OpenAiFineTuner implements FineTuner {
  readonly name = 'openai';
  private readonly client: OpenAI;
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly eventsPerPoll: number;
  private readonly maxConsecutivePollErrors: number;
  private readonly apiKey?: string;

  constructor(private readonly options: OpenAiFineTunerOptions = {}) {
    const apiKey = options.apiKey ?? (process.env.OPENAI_API_KEY || undefined); // an empty variable is no key
    this.apiKey = apiKey;
    if (!apiKey && !options.baseURL) {
      throw new NonRetryableError('apiKey (or OPENAI_API_KEY) is required for OpenAI fine-tuning when baseURL is not set (api.openai.com)');
    }
    this.pollIntervalMs = options.pollIntervalMs ?? 10_000;
    if (!(this.pollIntervalMs > 0)) throw new NonRetryableError(`pollIntervalMs must be positive, got ${options.pollIntervalMs}`);
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.eventsPerPoll = Math.max(0, Math.min(100, options.eventsPerPoll ?? 20));
    this.maxConsecutivePollErrors = options.maxConsecutivePollErrors ?? 5;
    this.client = new OpenAI({
      apiKey: apiKey ?? 'unused', // local servers accept any key, but the SDK refuses to start without one
      baseURL: options.baseURL,
      timeout: this.timeoutMs,
      maxRetries: 0, // Temporal activities own retries
    });
  }

  async fineTune(request: FineTuneRequest, ctx: FineTuneContext): Promise<FineTuneResult> {
    // Progress messages quote server errors too, and heartbeats end up in histories.
    const onProgress = (p: FineTuneProgress) => ctx.onProgress(p.message ? { ...p, message: redactSecrets(p.message, [this.apiKey]) } : p);
    try {
      return await this.run(request, { ...ctx, onProgress });
    } catch (err) {
      throw redactError(err, [this.apiKey]); // a server may quote the request it refused; histories keep messages
    }
  }

  private async run(request: FineTuneRequest, ctx: FineTuneContext): Promise<FineTuneResult> {
    const { signal } = ctx;
    signal.throwIfAborted();
    const state: { jobId?: string } = {};
    try {
      const resume = ctx.resumeFrom;
      if (resume?.jobId && !DEAD_STAGES.has(resume.stage)) {
        state.jobId = resume.jobId;
      } else {
        state.jobId = await this.start(request, ctx, state);
      }
      return await this.poll(state.jobId, ctx);
    } catch (err) {
      if (signal.aborted) {
        if (state.jobId && abortCancelsJob(signal.reason)) await this.cancelQuietly(state.jobId);
        throw signal.reason;
      }
      throw err;
    }
  }

  /** Uploads the files and creates the job (or adopts one a crashed attempt created); returns its id. */
  private async start(request: FineTuneRequest, ctx: FineTuneContext, state: { jobId?: string }): Promise<string> {
    const { signal } = ctx;
    ctx.onProgress({ stage: 'uploading' });
    const trainSha = await sha256File(request.trainFile, 'training');
    if (request.validationFile) await sha256File(request.validationFile, 'validation'); // fail fast if missing
    const metadata: Record<string, string> = {
      [META_KEY]: request.jobKey.slice(0, 512),
      [META_BASE]: request.baseModel.slice(0, 512),
      [META_TRAIN]: trainSha,
    };

    const existing = await this.findExisting(metadata, signal);
    if (existing) {
      state.jobId = existing.id;
      ctx.onProgress({ stage: existing.status, jobId: existing.id, message: `adopted existing job ${existing.id} (same ${META_KEY})` });
      return existing.id;
    }

    const trainingFile = await this.upload(request.trainFile, signal);
    const validationFile = request.validationFile ? await this.upload(request.validationFile, signal) : undefined;

    const params: OpenAI.FineTuning.Jobs.JobCreateParams = {
      model: request.baseModel,
      training_file: trainingFile,
      ...(validationFile ? { validation_file: validationFile } : {}),
      // `method` is the current form; the top-level `hyperparameters` field is deprecated.
      method: { type: 'supervised', supervised: { hyperparameters: this.hyperparameters(request) } },
      ...(this.options.suffix ? { suffix: this.options.suffix } : {}),
      metadata,
    };
    let job: Job;
    try {
      // No signal: an abort during the request must not lose the job id of a job the server did create;
      // fineTune cancels it right after.
      job = await this.client.fineTuning.jobs.create(params);
    } catch (err) {
      throw this.mapError(err, `creating a fine-tuning job on ${request.baseModel}`);
    }
    state.jobId = job.id;
    ctx.onProgress({ stage: 'created', jobId: job.id });
    return job.id;
  }

  private hyperparameters(request: FineTuneRequest): OpenAI.FineTuning.SupervisedHyperparameters {
    const hp = request.hyperparameters;
    let multiplier: number | 'auto' = 'auto';
    if (this.options.learningRateMultiplier !== undefined) multiplier = this.options.learningRateMultiplier;
    else if (this.options.referenceLearningRate && hp.learningRate > 0) multiplier = hp.learningRate / this.options.referenceLearningRate;
    return {
      // OpenAI wants whole epochs (1..50) and a positive integer batch size; maxSteps has no OpenAI equivalent.
      n_epochs: hp.epochs > 0 ? Math.min(50, Math.max(1, Math.round(hp.epochs))) : 'auto',
      batch_size: hp.batchSize > 0 ? Math.max(1, Math.round(hp.batchSize)) : 'auto',
      learning_rate_multiplier: multiplier,
    };
  }

  /** A live or succeeded job with the same metadata, created by an attempt that died before heartbeating it. */
  private async findExisting(metadata: Record<string, string>, signal: AbortSignal): Promise<Job | undefined> {
    let page: OpenAI.FineTuning.Jobs.FineTuningJobsPage;
    try {
      page = await scoped(signal, (s) => this.client.fineTuning.jobs.list({ metadata: { [META_KEY]: metadata[META_KEY]! }, limit: 20 }, { signal: s }));
    } catch (err) {
      if (signal.aborted) throw err;
      const mapped = this.mapError(err, 'listing fine-tuning jobs');
      if (mapped instanceof NonRetryableError && !isAuthError(err)) return undefined; // no list/metadata support: nothing to adopt
      throw mapped;
    }
    // Filter here too: a server that ignores the metadata query returns every job.
    return page.data.find(
      (job) => !DEAD_STAGES.has(job.status) && Object.entries(metadata).every(([k, v]) => job.metadata?.[k] === v),
    );
  }

  private async upload(path: string, signal: AbortSignal): Promise<string> {
    try {
      const file = await scoped(signal, (s) => this.client.files.create({ file: fs.createReadStream(path), purpose: 'fine-tune' }, { signal: s }));
      return file.id;
    } catch (err) {
      if (signal.aborted) throw err;
      throw this.mapError(err, `uploading ${path}`);
    }
  }

  private async poll(jobId: string, ctx: FineTuneContext): Promise<FineTuneResult> {
    const { signal } = ctx;
    const losses = new Map<number, number>();
    let validLoss: number | undefined;
    let eventsSupported = this.eventsPerPoll > 0;
    let errorsInRow = 0;
    for (;;) {
      signal.throwIfAborted();
      let job: Job;
      try {
        job = await scoped(signal, (s) => this.client.fineTuning.jobs.retrieve(jobId, { signal: s }));
        errorsInRow = 0;
      } catch (err) {
        if (signal.aborted) throw err;
        const mapped = this.mapError(err, `polling fine-tuning job ${jobId}`);
        if (mapped instanceof NonRetryableError || ++errorsInRow > this.maxConsecutivePollErrors) throw mapped;
        ctx.onProgress({ stage: 'polling', jobId, message: `transient error ${errorsInRow}/${this.maxConsecutivePollErrors}: ${mapped.message}` });
        // A rate-limited poll waits at least as long as the server asked.
        await sleep(Math.max(this.pollIntervalMs, mapped instanceof RetryLaterError ? mapped.retryAfterMs : 0), signal);
        continue;
      }

      let latest: Metrics = {};
      if (eventsSupported) {
        const read = await this.readMetrics(jobId, signal, this.eventsPerPoll);
        if (read === 'unsupported') eventsSupported = false;
        else if (read) {
          for (const m of read) if (m.step !== undefined && m.loss !== undefined) losses.set(m.step, m.loss);
          latest = read[read.length - 1] ?? {};
          if (latest.validLoss !== undefined) validLoss = latest.validLoss;
        }
      }
      const progress: FineTuneProgress = { stage: job.status, jobId };
      if (latest.step !== undefined) progress.step = latest.step;
      if (latest.totalSteps !== undefined) progress.totalSteps = latest.totalSteps;
      if (latest.loss !== undefined) progress.loss = latest.loss;

      if (job.status === 'succeeded') {
        if (!job.fine_tuned_model) throw new Error(`fine-tuning job ${jobId} succeeded without a fine_tuned_model`);
        if (eventsSupported) {
          const all = await this.readMetrics(jobId, signal, MAX_EVENTS_READ);
          if (all && all !== 'unsupported') {
            for (const m of all) if (m.step !== undefined && m.loss !== undefined) losses.set(m.step, m.loss);
            const withValid = all.filter((m) => m.validLoss !== undefined);
            if (withValid.length) validLoss = withValid[withValid.length - 1]!.validLoss;
          }
        }
        ctx.onProgress(progress);
        const outputs: Record<string, string> = { jobId };
        if (job.result_files?.length) outputs.resultFiles = job.result_files.join(',');
        return {
          model: job.fine_tuned_model,
          jobId,
          trainLoss: [...losses.entries()].sort((a, b) => a[0] - b[0]).map(([, loss]) => loss),
          ...(validLoss !== undefined ? { validationLoss: validLoss } : {}),
          outputs,
        };
      }
      if (job.status === 'failed') {
        const error = failureError(job);
        ctx.onProgress({ ...progress, message: error.message }); // stage `failed`: a retry starts a new job
        throw error;
      }
      if (job.status === 'cancelled') {
        ctx.onProgress({ ...progress, message: 'cancelled outside restact' });
        // Somebody cancelled it on purpose (dashboard, API): do not let Temporal quietly start it again.
        throw new NonRetryableError(`fine-tuning job ${jobId} was cancelled outside restact`);
      }
      ctx.onProgress(progress);
      await sleep(this.pollIntervalMs, signal);
    }
  }

  /**
   * Metrics events (`type: 'metrics'`, data `{ step, train_loss, valid_loss, total_steps }`) of the newest `limit`
   * events, oldest first. Best effort: undefined on any error, `unsupported` when the server has no events route.
   */
  private async readMetrics(jobId: string, signal: AbortSignal, limit: number): Promise<Metrics[] | 'unsupported' | undefined> {
    const out: Metrics[] = [];
    try {
      await scoped(signal, async (s) => {
        let seen = 0;
        for await (const event of this.client.fineTuning.jobs.listEvents(jobId, { limit: Math.min(limit, 100) }, { signal: s })) {
          const m = metricsOf(event);
          if (m) out.push(m);
          if (++seen >= limit) break;
        }
      });
    } catch (err) {
      if (err instanceof OpenAI.APIError && (err.status === 404 || err.status === 405 || err.status === 501)) return 'unsupported';
      return undefined;
    }
    return out.reverse(); // the API lists newest first
  }

  private async cancelQuietly(jobId: string): Promise<void> {
    try {
      await this.client.fineTuning.jobs.cancel(jobId, { timeout: CANCEL_TIMEOUT_MS });
    } catch {
      // Best effort: the job may already be finished, or the server unreachable.
    }
  }

  private where(): string {
    return `OpenAI fine-tuning API at ${this.options.baseURL ?? process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1'}`;
  }

  private mapError(err: unknown, doing: string): Error {
    return mapOpenAiError(err, { where: this.where(), doing, timeoutMs: this.timeoutMs, hint: fineTuneHint });
  }
}

/**
 * Whether an abort should cancel the provider's job. Temporal aborts an activity's `cancellationSignal` not only
 * when the workflow cancels it (reason `CancelledFailure('CANCELLED')`) but also when the worker shuts down, the
 * attempt timed out or is unknown to the server, or the activity is paused or reset (`CancelledFailure` with
 * message `WORKER_SHUTDOWN`, `TIMED_OUT`, `NOT_FOUND`, `PAUSED`, `RESET`, ...). Those abandon one attempt, and
 * the job must survive them so the next attempt resumes it. Duck-typed so this adapter needs no Temporal import;
 * any other reason (a plain AbortController abort) cancels.
 */
export function abortCancelsJob(reason: unknown): boolean {
  if (reason instanceof Error && reason.name === 'CancelledFailure') return reason.message === 'CANCELLED';
  return true;
}

function fineTuneHint(status: number): string {
  return status === 401 || status === 403 ? ' (check the API key / OPENAI_API_KEY)' : status === 404 ? ' (check baseURL, the model or the job id)' : '';
}

function isAuthError(err: unknown): boolean {
  return err instanceof OpenAI.APIError && (err.status === 401 || err.status === 403);
}

/** A failed job's error: NonRetryableError when its data or settings are at fault (retrying the same job cannot help),
 * plain Error when the provider failed (a retry starts a new job). */
function failureError(job: Job): Error {
  const e = job.error;
  const detail = e ? `${e.message}${e.code ? ` (code ${e.code}${e.param ? `, param ${e.param}` : ''})` : ''}` : 'no error details';
  const message = `fine-tuning job ${job.id} failed: ${detail}`;
  const configFault = !!e && (!!e.param || CONFIG_FAILURE_CODE.test(e.code ?? ''));
  return configFault ? new NonRetryableError(message) : new Error(message);
}

function metricsOf(event: OpenAI.FineTuning.Jobs.FineTuningJobEvent): Metrics | undefined {
  if (event.type !== 'metrics' || !event.data || typeof event.data !== 'object') return undefined;
  const d = event.data as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const m: Metrics = {};
  const step = num(d.step);
  const totalSteps = num(d.total_steps);
  const loss = num(d.train_loss);
  const validLoss = num(d.full_valid_loss) ?? num(d.valid_loss);
  if (step !== undefined) m.step = step;
  if (totalSteps !== undefined) m.totalSteps = totalSteps;
  if (loss !== undefined) m.loss = loss;
  if (validLoss !== undefined) m.validLoss = validLoss;
  return m;
}

/** sha256 of a local file; a missing file is a NonRetryableError (no upload can fix it). */
function sha256File(path: string, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const stream = fs.createReadStream(path);
    stream.on('error', (err) => reject(new NonRetryableError(`cannot read the ${what} file ${path}: ${err.message}`)));
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * Runs one SDK call on a child of `signal`. The SDK adds an abort listener to the signal of every request and
 * never removes it; on the activity's long-lived signal that leaks one listener per poll (and warns past 10).
 */
async function scoped<T>(signal: AbortSignal, fn: (child: AbortSignal) => Promise<T>): Promise<T> {
  const child = new AbortController();
  const onAbort = () => child.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(child.signal);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Resolves after `ms`, or rejects with `signal.reason` as soon as it aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
