/**
 * The activity proxies every workflow uses, grouped by how long an activity may run, with the one retry policy.
 * Timeouts and retries are not part of a workflow's command sequence, so changing them here is replay-safe.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities, proxyLocalActivities, TimeoutFailure, type RetryPolicy } from '@temporalio/workflow';
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

/** The steps of one trajectory: its LLM steps, its searches and its final save (workflows/trajectory.ts). */
export type AgentStepActivity = 'decide' | 'summarize' | 'generateAnswer' | 'checkRelevance' | 'checkGrounding' | 'search' | 'saveTrajectory';

/**
 * A trajectory's steps as local activities: each runs on the worker that runs the trajectory, and its result is
 * recorded (a marker) when the workflow task completes, so a step costs no round trip through the server (bench
 * overhead at concurrency 16, 50 ms steps: Temporal adds 61 ms to a local step, 155 ms to an activity). Retries as
 * above (after `localRetryThreshold` a retry waits on a durable timer). The SDK keeps the workflow task alive while
 * a step runs. A worker that dies loses the steps of its open workflow task, which run again on another worker:
 * each step writes its record under its own key, so a rerun overwrites, never duplicates.
 */
export const localSteps = failingAsActivities(
  proxyLocalActivities<Pick<Activities, AgentStepActivity>>({
    startToCloseTimeout: '10 minutes',
    localRetryThreshold: '10 seconds',
    retry: RETRY,
  }),
);

/**
 * A local activity's final failure reaches the workflow as its bare cause (ApplicationFailure, TimeoutFailure);
 * wrapped here in an ActivityFailure that names the activity, it arrives as a regular activity's failure does.
 */
function failingAsActivities<T extends object>(activities: T): T {
  return new Proxy(activities, {
    get(target, name) {
      const run = Reflect.get(target, name) as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        try {
          return await run(...args);
        } catch (err) {
          if (!(err instanceof ApplicationFailure || err instanceof TimeoutFailure)) throw err;
          const retryState = err instanceof ApplicationFailure && err.nonRetryable ? 'NON_RETRYABLE_FAILURE' : 'MAXIMUM_ATTEMPTS_REACHED';
          throw new ActivityFailure(`local activity ${String(name)} failed`, String(name), undefined, retryState, undefined, err);
        }
      };
    },
  });
}

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
