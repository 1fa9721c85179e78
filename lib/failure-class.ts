/**
 * What went wrong with a model call, as one word per kind of failure, so a round can say how often each happened
 * (`RoundSummary.llmFailures`). Adapters tag the errors they raise with a class (`withFailureClass`); the
 * activities count the failed, empty and unparsable calls of every attempt (activities/failure-ledger.ts). Pure.
 */

export const FAILURE_CLASSES = [
  /** HTTP 429 (with or without Retry-After). */
  'rate_limited',
  /** HTTP 5xx. */
  'server_error',
  /** No answer within the configured timeout (or HTTP 408). */
  'timeout',
  /** The server could not be reached, or broke off its response. */
  'connection',
  /** A body that is not JSON, or not the shape of a completion (cut short, a proxy's error page). */
  'malformed_response',
  /** A completion with no text. */
  'empty_completion',
  /** Any other rejected request (HTTP 4xx): a configuration problem, not retried. */
  'rejected',
  /** Text that the step's strict parser (or the ranker's) rejected; the step re-asks with a repair note. */
  'unparsable_output',
  /** Anything else (an embedded model's error, a bug). */
  'other',
] as const;

export type FailureClass = (typeof FAILURE_CLASSES)[number];
export type FailureCounts = Partial<Record<FailureClass, number>>;

const isFailureClass = (v: unknown): v is FailureClass => (FAILURE_CLASSES as readonly unknown[]).includes(v);

/** Marks an error with its class; `classifyFailure` reads it back. Returns the same error. */
export function withFailureClass<E extends Error>(err: E, failureClass: FailureClass): E {
  return Object.assign(err, { failureClass });
}

export function classifyFailure(err: unknown): FailureClass {
  const tagged = (err as { failureClass?: unknown } | null)?.failureClass;
  return isFailureClass(tagged) ? tagged : 'other';
}

/** The class of an HTTP error status. */
export function httpFailureClass(status: number): FailureClass {
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server_error';
  return status === 409 ? 'other' : 'rejected';
}

/** `into` plus `more`, class by class (a new object). */
export function addFailureCounts(into: FailureCounts, more: FailureCounts | undefined): FailureCounts {
  const out: FailureCounts = { ...into };
  for (const [k, n] of Object.entries(more ?? {})) if (isFailureClass(k) && n) out[k] = (out[k] ?? 0) + n;
  return out;
}

export function totalFailures(counts: FailureCounts | undefined): number {
  return Object.values(counts ?? {}).reduce((a, b) => a + (b ?? 0), 0);
}

/** `3 rate_limited, 1 timeout` in the order of FAILURE_CLASSES, or `none`. */
export function formatFailureCounts(counts: FailureCounts | undefined): string {
  const parts = FAILURE_CLASSES.filter((c) => counts?.[c]).map((c) => `${counts![c]} ${c}`);
  return parts.length ? parts.join(', ') : 'none';
}
