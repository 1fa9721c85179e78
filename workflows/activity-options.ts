/**
 * The activity proxies every workflow uses, grouped by whether the activity heartbeats, with the one retry policy.
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
 * LLM steps, ranking and judging: they may queue behind others for the embedded model and heartbeat meanwhile
 * (activities/heartbeat.ts), so a worker that dies is noticed within the heartbeat timeout.
 */
export const heartbeating = proxyActivities<Pick<Activities, HeartbeatingActivity>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: RETRY,
});

/** Search, artifact reads and writes, dataset, scoring, registry, report: they never heartbeat, so no heartbeat timeout. */
export const io = proxyActivities<Pick<Activities, IoActivity>>({ startToCloseTimeout: '5 minutes', retry: RETRY });

/**
 * The fine-tune can run for hours; its heartbeats show it is alive and carry the job id / progress a retry resumes
 * from. `taskQueue` (config `temporal.trainingTaskQueue`, passed in the workflow's input) sends it to the training
 * workers (`restact worker --queue train`); unset, it runs on the workflow's own task queue.
 */
export function training(taskQueue?: string) {
  return proxyActivities<Pick<Activities, TrainingActivity>>({
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: '5 minutes',
    retry: RETRY,
    ...(taskQueue ? { taskQueue } : {}),
  });
}
