/**
 * How activity errors reach Temporal: a `NonRetryableError` (ports/errors.ts) fails the activity for good, as a
 * non-retryable failure of the same type name; a `RetryLaterError` is retried after the delay the server named
 * (Retry-After) instead of the policy's backoff; every other error is retried by the activity's retry policy
 * (workflows/activity-options.ts).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { NonRetryableError, RetryLaterError } from '../ports/errors';

export async function mapNonRetryable<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NonRetryableError) throw ApplicationFailure.nonRetryable(err.message, 'NonRetryableError');
    if (err instanceof RetryLaterError) throw ApplicationFailure.create({ message: err.message, type: 'RetryLaterError', nextRetryDelay: err.retryAfterMs });
    throw err;
  }
}
