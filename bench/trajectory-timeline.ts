/**
 * Where a batch's trajectories spend their time on the Temporal side, read from the histories: how long the server
 * took to start each child after the batch asked, how long its first workflow task waited for the worker, how long
 * its steps ran, and how long its close took to reach the batch. Medians over the batch's children, in ms.
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { fetchHistory, type HistoryEvent } from '../client/history';
import { median, round } from './machine';

const EventType = temporal.api.enums.v1.EventType;

export interface TrajectoryTimeline {
  children: number;
  /** The batch's start command to the child's first event. */
  startMs: number;
  /** The child's first event to its first workflow task picked up by the worker. */
  dispatchMs: number;
  /** That task picked up to the child's close: its steps, and the workflow tasks between them. */
  runMs: number;
  /** The child's close to the batch's record of it. */
  reportMs: number;
}

const at = (e: HistoryEvent) => tsToMs(e.eventTime);

export async function trajectoryTimeline(client: Client, batchWorkflowId: string): Promise<TrajectoryTimeline> {
  const batch = (await fetchHistory(client, batchWorkflowId)).events ?? [];
  const initiated = new Map<string, number>();
  const recorded = new Map<string, number>();
  for (const e of batch) {
    if (e.eventType === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) initiated.set(e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId!, at(e));
    const closed = e.childWorkflowExecutionCompletedEventAttributes ?? e.childWorkflowExecutionFailedEventAttributes;
    if (closed) recorded.set(closed.workflowExecution!.workflowId!, at(e));
  }
  const parts = { startMs: [] as number[], dispatchMs: [] as number[], runMs: [] as number[], reportMs: [] as number[] };
  for (const [id, asked] of initiated) {
    const events = (await fetchHistory(client, id)).events ?? [];
    const first = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    const done = recorded.get(id);
    if (!events.length || !first || done === undefined) continue;
    const [begun, closed] = [at(events[0]), at(events[events.length - 1])];
    parts.startMs.push(begun - asked);
    parts.dispatchMs.push(at(first) - begun);
    parts.runMs.push(closed - at(first));
    parts.reportMs.push(done - closed);
  }
  const med = (xs: number[]) => (xs.length ? round(median(xs), 1) : NaN);
  return { children: parts.runMs.length, startMs: med(parts.startMs), dispatchMs: med(parts.dispatchMs), runMs: med(parts.runMs), reportMs: med(parts.reportMs) };
}
