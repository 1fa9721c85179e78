/**
 * How an error from the OpenAI SDK becomes one of the project's errors (ports/errors.ts). Shared by the chat and
 * the fine-tuning adapters, so both split retryable from non-retryable failures the same way:
 * - timeouts, refused connections, HTTP 408/409/5xx: a plain Error, retried by the activity's policy;
 * - HTTP 429 and 503 with `Retry-After` (or OpenAI's `retry-after-ms`): RetryLaterError, retried after that delay;
 * - every other HTTP error (400, 401, 403, 404, 422, ...), and a 429 for an exhausted quota: NonRetryableError.
 * Each message names the server and carries what it said, truncated; each error carries its failure class
 * (lib/failure-class.ts), which rounds count.
 */
import OpenAI from 'openai';
import { NonRetryableError, RetryLaterError } from '../ports/errors';
import { httpFailureClass, withFailureClass } from '../lib/failure-class';

/** Statuses a later attempt can succeed on (with every 5xx); every other HTTP error is a request or config problem. */
export const RETRYABLE_STATUS = new Set([408, 409, 429]);

/** How much of a server's reply an error message quotes. */
export const MAX_QUOTED_CHARS = 500;

export function truncate(text: string, max = MAX_QUOTED_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}

/** What stands for a secret in a message. */
export const REDACTED = '[redacted]';

/**
 * `text` with each secret (the API key an adapter sends) and any `Bearer`/`Basic` credential replaced by
 * [redacted]: a server may quote the request it refused, and messages end up in workflow histories and logs.
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text.replace(/\b(Bearer|Basic)\s+(?!\[redacted\])[^\s"',;)}\]]+/gi, `$1 ${REDACTED}`);
  for (const secret of secrets) if (secret && secret.length >= 8) out = out.split(secret).join(REDACTED);
  return out;
}

/** The error with secrets taken out of its message and stack, and out of its causes' (Temporal records them all). */
export function redactError<E>(err: E, secrets: ReadonlyArray<string | undefined>): E {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 10; depth++, e = e.cause) {
    e.message = redactSecrets(e.message, secrets);
    if (e.stack) e.stack = redactSecrets(e.stack, secrets);
  }
  return err;
}

export interface ErrorContext {
  /** Who answered, e.g. `OpenAI-compatible server http://127.0.0.1:8080/v1 (model m)`. */
  where: string;
  /** What the request was for, e.g. `uploading train.jsonl`; unset for an adapter that does one thing. */
  doing?: string;
  timeoutMs: number;
  /** How long the request ran: the SDK misreports its own timeout as a connection error when the AbortError
   * comes from another realm (e.g. under jest), so the elapsed time decides too. */
  elapsedMs?: number;
  /** A hint for a rejected request, by HTTP status (which setting to check), starting with a space. */
  hint?: (status: number) => string;
}

/** `Retry-After` as milliseconds: OpenAI's `retry-after-ms`, else seconds or an HTTP date; undefined if absent or unreadable. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function mapOpenAiError(err: unknown, ctx: ErrorContext): Error {
  const during = ctx.doing ? ` while ${ctx.doing}` : '';
  const timedOut =
    err instanceof OpenAI.APIConnectionTimeoutError ||
    (err instanceof OpenAI.APIConnectionError && ctx.elapsedMs !== undefined && ctx.elapsedMs >= ctx.timeoutMs);
  if (timedOut) return withFailureClass(new Error(`${ctx.where} timed out after ${ctx.timeoutMs} ms${during}`, { cause: err }), 'timeout');
  if (err instanceof OpenAI.APIConnectionError) return withFailureClass(new Error(`cannot reach ${ctx.where}${during}: ${err.message}`, { cause: err }), 'connection');
  if (!(err instanceof OpenAI.APIError) || typeof err.status !== 'number') return err instanceof Error ? err : new Error(String(err));
  return withFailureClass(mapHttpError(err, err.status, ctx), httpFailureClass(err.status));
}

function mapHttpError(err: InstanceType<typeof OpenAI.APIError>, status: number, ctx: ErrorContext): Error {
  const during = ctx.doing ? ` while ${ctx.doing}` : '';
  const said = truncate(err.message);
  // An exhausted quota or billing limit is reported as 429 too, but waiting does not refill it.
  if (status === 429 && err.code === 'insufficient_quota') {
    return new NonRetryableError(`${ctx.where} refused ${ctx.doing ?? 'the request'} with HTTP 429 (quota exhausted): ${said}`);
  }
  if (RETRYABLE_STATUS.has(status) || status >= 500) {
    const delay = status === 429 || status === 503 ? retryAfterMs(err.headers) : undefined;
    if (delay !== undefined) {
      return new RetryLaterError(`${ctx.where} failed with HTTP ${status}${during}; retry after ${delay} ms as the server asked: ${said}`, delay, { cause: err });
    }
    return new Error(`${ctx.where} failed with HTTP ${status}${during}: ${said}`, { cause: err });
  }
  return new NonRetryableError(`${ctx.where} rejected ${ctx.doing ?? 'the request'} with HTTP ${status}${ctx.hint?.(status) ?? ''}: ${said}`);
}
