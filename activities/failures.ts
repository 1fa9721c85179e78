/**
 * How activity errors reach Temporal: a `NonRetryableError` (ports/errors.ts) fails the activity for good, as a
 * non-retryable failure of the same type name; every other error is retried by the activity's retry policy
 * (workflows/activity-options.ts).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { NonRetryableError } from '../ports/errors';

export async function mapNonRetryable<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NonRetryableError) throw ApplicationFailure.nonRetryable(err.message, 'NonRetryableError');
    throw err;
  }
}
