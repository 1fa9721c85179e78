/**
 * The reliability suite (test/reliability/) runs small in `npm test` and full in `npm run test:reliability`
 * (RESTACT_RELIABILITY=full): more questions, samples and faults, the same checks.
 */
export const FULL = process.env.RESTACT_RELIABILITY === 'full';

export const bySize = <T>(small: T, full: T): T => (FULL ? full : small);

