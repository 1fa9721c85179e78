/**
 * A trajectory from its workflow history (`restact replay ID --show`), with no model or search index: the recorded
 * activity inputs and results, completed by each step's full record (exact prompt, raw outputs, attempts, tokens)
 * read through a worker when one polls the run's task queue, or what the history alone holds when none does.
 */
import { temporal } from '@temporalio/proto';
import { stepsFromHistory, type ShownStep } from '../lib/history-steps';
import type { StepRecord, TrajectoryInput, TrajectoryResult } from '../lib/trajectory';
import { RERUN_OF } from '../lib/search-attributes';
import { SUMMARY_MEMO_KEY } from '../lib/run-summary';
import { readArtifact } from './artifacts';
import { recordedActivities, runEnd, startedRun, type History, type RunEnd } from './history';
import type { TemporalSession } from './runtime';

export interface ShownTrajectory {
  workflowId: string;
  input: TrajectoryInput;
  run: RunEnd;
  result?: TrajectoryResult;
  summary?: string;
  rerunOf?: string;
  taskQueue?: string;
  steps: ShownStep[];
  /** Where the step details come from. */
  evidence: 'history' | 'history and artifact records';
}

export function trajectoryFromHistory(history: History, workflowId?: string): ShownTrajectory {
  const started = startedRun(history);
  if (started.workflowType !== 'trajectoryWorkflow') throw new Error(`${workflowId ?? started.workflowId} is a ${started.workflowType}, not a trajectory; --show shows trajectories`);
  const run = runEnd(history);
  return {
    workflowId: workflowId ?? started.workflowId ?? '(unknown id)',
    input: started.input[0] as TrajectoryInput,
    run,
    result: run.status === 'completed' ? (run.result as TrajectoryResult) : undefined,
    summary: started.memo[SUMMARY_MEMO_KEY] as string | undefined,
    rerunOf: (started.searchAttributes[RERUN_OF.name] as string[] | string | undefined)?.toString(),
    taskQueue: started.taskQueue,
    steps: stepsFromHistory(recordedActivities(history)),
    evidence: 'history',
  };
}

/** A worker polled this task queue recently, so an artifact read through it will be answered. */
export async function workerPolls(session: TemporalSession, taskQueue: string, withinMs = 180_000): Promise<boolean> {
  const { pollers } = await session.client.workflowService.describeTaskQueue({
    namespace: session.config.temporal.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const now = Date.now();
  return (pollers ?? []).some((p) => now - Number(p.lastAccessTime?.seconds ?? 0) * 1000 < withinMs);
}

/**
 * Adds each step's full record, read through a worker of the run's task queue. Returns why not, when it could
 * not (no worker polls, or the store does not have them); the history's view stands then.
 */
export async function addArtifactRecords(session: TemporalSession, shown: ShownTrajectory): Promise<string | undefined> {
  const taskQueue = shown.taskQueue ?? session.config.temporal.taskQueue;
  if (!(await workerPolls(session, taskQueue))) return `no worker polls task queue ${taskQueue}`;
  try {
    for (const step of shown.steps) {
      if (step.ref) step.record = JSON.parse(await readArtifact(session, step.ref, { taskQueue, timeout: '30 seconds' })) as StepRecord;
    }
  } catch (e) {
    for (const step of shown.steps) delete step.record;
    return (e as Error).message;
  }
  shown.evidence = 'history and artifact records';
  return undefined;
}
