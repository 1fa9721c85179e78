/**
 * The activity proxies every workflow uses, grouped by how long an activity may run, with the one retry policy.
 * Timeouts and retries are not part of a workflow's command sequence, so changing them here is replay-safe.
 */
import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** Transient failures are retried with backoff; a `NonRetryableError` (ports/errors.ts) fails at once. */
export const RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 5,
  nonRetryableErrorTypes: ['NonRetryableError'],
};

type HeartbeatingActivity = 'decide' | 'summarize' | 'generateAnswer' | 'checkRelevance' | 'checkGrounding' | 'rankTrajectory' | 'scoreAnswer' | 'judgeAnswer';
type TrainingActivity = 'fineTune';
type IoActivity = Exclude<keyof Activities, HeartbeatingActivity | TrainingActivity>;

/**
 * Every activity heartbeats while it runs (activities/heartbeat.ts; one shorter than 5 s never needs to), so a worker
 * killed mid-activity is noticed within the heartbeat timeout and the activity retried elsewhere, not after its
 * whole start-to-close timeout (5 minutes for a search that takes milliseconds, 24 hours for a fine-tune).
 */
const HEARTBEAT_TIMEOUT = '30 seconds';

/** LLM steps, ranking and judging: they may queue behind others for the embedded model. */
export const heartbeating = proxyActivities<Pick<Activities, HeartbeatingActivity>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: RETRY,
});

/** Search, artifact reads and writes, dataset, scoring, registry, report, the failure tally. */
export const io = proxyActivities<Pick<Activities, IoActivity>>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: HEARTBEAT_TIMEOUT, retry: RETRY });

/**
 * The fine-tune can run for hours; its heartbeats (at least every HEARTBEAT_TIMEOUT) show it is alive and carry the job id / progress a retry resumes
 * from. `taskQueue` (config `temporal.trainingTaskQueue`, passed in the workflow's input) sends it to the training
 * workers (`restact worker --queue train`); unset, it runs on the workflow's own task queue.
 */
export function training(taskQueue?: string) {
  return proxyActivities<Pick<Activities, TrainingActivity>>({
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: RETRY,
    ...(taskQueue ? { taskQueue } : {}),
  });
}
