/**
 * The project's one error vocabulary for retries. Activities map `NonRetryableError` to a non-retryable Temporal
 * failure of the same type name, and `RetryLaterError` to a retryable one whose next attempt waits as long as
 * the server asked; every other error is retried by the activity's retry policy.
 */

/** A failure a retry cannot fix: bad config, a missing file, HTTP 400/401/403/404, a failed fine-tune job. */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
}

/** A failure worth retrying after a delay the server named (HTTP 429 or 503 with `Retry-After`). */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
  constructor(message: string, readonly retryAfterMs: number, options?: ErrorOptions) {
    super(message, options);
  }
}
