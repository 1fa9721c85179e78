/**
 * Replaying recorded histories against workflow code with the SDK's replayer (`restact replay`). A failure is
 * reported with the core's exact message and the history event where the code and the history parted: the event
 * the message names, or else the one found by replaying ever longer prefixes of the history, one workflow task at a
 * time, until the first one fails.
 */
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { coreMessage, formatEvent, isNondeterminism, namedActivityType, namedEventId, type EventView } from '../lib/replay-errors';
import { WORKFLOWS_PATH } from '../worker';
import { eventIds, eventView, historyPrefix, startedRun, type History } from './history';

export type WorkflowBundle = Awaited<ReturnType<typeof bundleWorkflowCode>>;

export interface ReplayTarget {
  workflowId: string;
  history: History;
  /** Where the history came from: the server, or a file. */
  source: string;
}

export interface ReplayReport {
  workflowId: string;
  workflowType: string;
  source: string;
  events: number;
  ok: boolean;
  nondeterministic?: boolean;
  /** The core's (or the SDK's) exact message. */
  error?: string;
  /** The event where replay failed. */
  at?: EventView;
  /** The workflow task whose commands did not match: its WorkflowTaskCompleted event. */
  workflowTaskCompletedEventId?: number;
}

/** The workflow code to replay against: this project's (`dist/workflows` or the sources), or another copy of it. */
export async function bundleForReplay(workflowsPath = WORKFLOWS_PATH): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath: require.resolve(workflowsPath), logger: new DefaultLogger('ERROR') });
}

async function replayError(bundle: WorkflowBundle, history: History, workflowId: string): Promise<Error | undefined> {
  try {
    await Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'restact-replay' }, history, workflowId);
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

export async function replay(bundle: WorkflowBundle, target: ReplayTarget): Promise<ReplayReport> {
  const { history, workflowId, source } = target;
  const base = { workflowId, workflowType: startedRun(history).workflowType, source, events: history.events?.length ?? 0 };
  const failure = await replayError(bundle, history, workflowId);
  if (!failure) return { ...base, ok: true };
  const error = coreMessage(failure.message);
  const nondeterministic = failure.name === 'DeterminismViolationError' || isNondeterminism(error);
  if (!nondeterministic) return { ...base, ok: false, nondeterministic, error };
  return { ...base, ok: false, nondeterministic, error, ...(await locate(bundle, target, error)) };
}

const { EVENT_TYPE_WORKFLOW_TASK_STARTED, EVENT_TYPE_WORKFLOW_TASK_COMPLETED } = temporal.api.enums.v1.EventType;

/** The event of the failure, and the workflow task whose commands did not match. */
async function locate(bundle: WorkflowBundle, target: ReplayTarget, error: string): Promise<Pick<ReplayReport, 'at' | 'workflowTaskCompletedEventId'>> {
  const events = target.history.events ?? [];
  const byId = (id: number) => events.find((e) => Number(e.eventId) === id);
  const named = namedEventId(error);
  const completedIds = eventIds(target.history, EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  const taskBefore = (id: number) => completedIds.filter((c) => c < id).pop();
  if (named !== undefined && byId(named)) return { at: eventView(byId(named)!), workflowTaskCompletedEventId: taskBefore(named) };

  // Replaying the history up to a workflow task's start checks the commands of every task completed before it.
  const ends = [...eventIds(target.history, EVENT_TYPE_WORKFLOW_TASK_STARTED), Number(events[events.length - 1]?.eventId ?? 0)];
  let lo = 0;
  let hi = ends.length - 1; // the whole history fails
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (await replayError(bundle, historyPrefix(target.history, ends[mid]), target.workflowId)) hi = mid;
    else lo = mid + 1;
  }
  const completed = completedIds.filter((c) => c > (ends[lo - 1] ?? 0) && c < ends[lo]).shift() ?? taskBefore(ends[lo]);
  if (completed === undefined) return {};
  // The commands that task recorded follow its completion; prefer the one the message names.
  const recorded = events.filter((e) => Number(e.eventId) > completed && Number(e.eventId) < ends[lo]).map(eventView);
  const activity = namedActivityType(error);
  const at = recorded.find((v) => activity !== undefined && v.type === 'ActivityTaskScheduled' && v.detail === activity) ?? recorded[0];
  return { at, workflowTaskCompletedEventId: completed };
}

export function formatReplayReport(r: ReplayReport): string {
  const what = `${r.workflowId} (${r.workflowType}, ${r.events} events, ${r.source})`;
  if (r.ok) return `ok: ${what} replays against the current workflow code`;
  const lines = [`${r.nondeterministic ? 'NON-DETERMINISTIC' : 'FAILED'}: ${what}`, `  error: ${r.error}`];
  if (r.at) lines.push(`  at:    ${formatEvent(r.at)}${r.workflowTaskCompletedEventId ? `, a command of the workflow task completed at event ${r.workflowTaskCompletedEventId}` : ''}`);
  return lines.join('\n');
}
