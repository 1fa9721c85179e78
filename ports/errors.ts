/**
 * The project's one error vocabulary for retries. Activities map `NonRetryableError` to a non-retryable Temporal
 * failure of the same type name; every other error is retried by the activity's retry policy.
 */

/** A failure a retry cannot fix: bad config, a missing file, HTTP 400/401/403/404, a failed fine-tune job. */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
}
