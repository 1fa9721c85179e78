/**
 * Workflow histories: fetched from the server, read from a JSON file, written as JSON, and read back into what a
 * report needs (the started event, how the run ended, one event described).
 *
 * A history file may be proto JSON (`restact history ID > FILE`, `temporal workflow show --output json`, the Web UI's
 * download, with enum names in either spelling), a bare array of its events, or protobufjs's object form (the
 * fixtures in test/fixtures).
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { eventTypeName, type EventView } from '../lib/replay-errors';
import type { RecordedActivity } from '../lib/history-steps';
import { UsageError } from './command-line';
import { historyFromJson, historyToJson } from './proto-json';

export type History = temporal.api.history.v1.IHistory;
export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payloads = temporal.api.common.v1.IPayloads | null | undefined;
type Failure = temporal.api.failure.v1.IFailure | null | undefined;

export async function fetchHistory(client: Client, workflowId: string, runId?: string): Promise<History> {
  return client.workflow.getHandle(workflowId, runId).fetchHistory();
}

/** The proto JSON every Temporal tool reads (`temporal workflow show --output json` writes the same). */
export function historyJson(history: History): string {
  return historyToJson(history);
}

export function parseHistoryFile(text: string, source: string): History {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${source} is not JSON (${(e as Error).message}); expected a workflow history from \`restact history ID\`, \`temporal workflow show --output json\` or the Web UI`);
  }
  const json = Array.isArray(data) ? { events: data } : data;
  const events = (json as { events?: unknown })?.events;
  if (!Array.isArray(events) || events.length === 0) throw new UsageError(`${source} has no history events (expected {"events": [...]})`);
  // protobufjs's object form writes timestamps as {seconds, nanos}; proto JSON writes RFC 3339 strings.
  const objectForm = typeof (events[0] as { eventTime?: unknown }).eventTime === 'object';
  try {
    return objectForm ? temporal.api.history.v1.History.fromObject(json as object) : historyFromJson(json as { events: Record<string, unknown>[] });
  } catch (e) {
    throw new UsageError(`${source}: not a workflow history (${(e as Error).message})`);
  }
}

const num = (v: unknown): number => Number(v ?? 0);

export function decodePayloads(payloads: Payloads): unknown[] {
  return (payloads?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p as temporal.api.common.v1.Payload));
}

/** `ApplicationFailure NonRetryableError: message <- cause ...`, the failure chain in one line. */
export function describeFailure(failure: Failure): string {
  const parts: string[] = [];
  for (let f = failure; f; f = f.cause) {
    const type = f.applicationFailureInfo?.type;
    parts.push(`${type ? `${type}: ` : ''}${f.message ?? ''}`.trim());
  }
  return parts.filter(Boolean).join(' <- ') || 'failed';
}

export interface StartedRun {
  workflowId?: string;
  workflowType: string;
  taskQueue?: string;
  input: unknown[];
  memo: Record<string, unknown>;
  searchAttributes: Record<string, unknown>;
}

export function startedRun(history: History): StartedRun {
  const a = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!a) throw new UsageError('the history does not begin with WorkflowExecutionStarted');
  const fields = (m: Record<string, temporal.api.common.v1.IPayload> | null | undefined) =>
    Object.fromEntries(Object.entries(m ?? {}).map(([k, p]) => [k, defaultPayloadConverter.fromPayload(p as temporal.api.common.v1.Payload)]));
  return {
    workflowId: a.workflowId || undefined,
    workflowType: a.workflowType?.name ?? 'unknown',
    taskQueue: a.taskQueue?.name ?? undefined,
    input: decodePayloads(a.input),
    memo: fields(a.memo?.fields),
    searchAttributes: fields(a.searchAttributes?.indexedFields),
  };
}

export type RunEnd =
  | { status: 'completed'; result: unknown }
  | { status: 'failed' | 'timed out' | 'terminated' | 'cancelled' | 'continued as new'; failure: string }
  | { status: 'running' };

export function runEnd(history: History): RunEnd {
  const last = history.events?.[history.events.length - 1];
  if (!last) return { status: 'running' };
  if (last.workflowExecutionCompletedEventAttributes) return { status: 'completed', result: decodePayloads(last.workflowExecutionCompletedEventAttributes.result)[0] };
  if (last.workflowExecutionFailedEventAttributes) return { status: 'failed', failure: describeFailure(last.workflowExecutionFailedEventAttributes.failure) };
  if (last.workflowExecutionTimedOutEventAttributes) return { status: 'timed out', failure: 'the workflow timed out' };
  if (last.workflowExecutionTerminatedEventAttributes) return { status: 'terminated', failure: `terminated: ${last.workflowExecutionTerminatedEventAttributes.reason ?? ''}`.trim() };
  if (last.workflowExecutionCanceledEventAttributes) return { status: 'cancelled', failure: 'cancelled' };
  if (last.workflowExecutionContinuedAsNewEventAttributes) return { status: 'continued as new', failure: 'continued as new' };
  return { status: 'running' };
}

export function eventView(e: HistoryEvent): EventView {
  const typeName = temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType);
  const detail =
    e.activityTaskScheduledEventAttributes?.activityType?.name ??
    (e.startChildWorkflowExecutionInitiatedEventAttributes
      ? `${e.startChildWorkflowExecutionInitiatedEventAttributes.workflowType?.name} ${e.startChildWorkflowExecutionInitiatedEventAttributes.workflowId}`
      : undefined) ??
    localActivityType(e) ??
    e.markerRecordedEventAttributes?.markerName ??
    e.timerStartedEventAttributes?.timerId ??
    undefined;
  return { eventId: num(e.eventId), type: eventTypeName(typeName), detail: detail ?? undefined };
}

/** `local decide` for a local activity's marker. */
function localActivityType(e: HistoryEvent): string | undefined {
  const data = localActivityData(e);
  return data && `local ${data.activity_type ?? 'activity'}`;
}

/** A local activity's marker data (type, attempt), or undefined for any other event. */
function localActivityData(e: HistoryEvent): LocalActivityData | undefined {
  const marker = e.markerRecordedEventAttributes;
  if (marker?.markerName !== LOCAL_ACTIVITY_MARKER) return undefined;
  return (decodePayloads(marker.details?.data)[0] ?? {}) as LocalActivityData;
}

/** The events up to and including `lastEventId`. */
export function historyPrefix(history: History, lastEventId: number): History {
  return { events: (history.events ?? []).filter((e) => num(e.eventId) <= lastEventId) };
}

export function eventIds(history: History, type: temporal.api.enums.v1.EventType): number[] {
  return (history.events ?? []).filter((e) => e.eventType === type).map((e) => num(e.eventId));
}

/** The marker a local activity's result is recorded under, with its type and attempt in `data` (Temporal's SDK core). */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

interface LocalActivityData {
  activity_type?: string;
  attempt?: number;
}

/**
 * Every activity the history scheduled, with its decoded input and how it ended. A local activity (a marker) has
 * no recorded input and one event, which stands for both its scheduling and its end.
 */
export function recordedActivities(history: History): RecordedActivity[] {
  const byScheduled = new Map<number, RecordedActivity>();
  for (const e of history.events ?? []) {
    const marker = e.markerRecordedEventAttributes;
    const data = localActivityData(e);
    if (marker && data) {
      const ended = marker.failure
        ? { status: 'failed' as const, failure: describeFailure(marker.failure) }
        : { status: 'completed' as const, result: decodePayloads(marker.details?.result)[0] };
      byScheduled.set(num(e.eventId), { scheduledEventId: num(e.eventId), activityType: data.activity_type ?? '?', input: undefined, attempts: data.attempt ?? 1, local: true, ...ended });
      continue;
    }
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) {
      byScheduled.set(num(e.eventId), { scheduledEventId: num(e.eventId), activityType: scheduled.activityType?.name ?? '?', input: decodePayloads(scheduled.input)[0], status: 'running', attempts: 0 });
      continue;
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const a = byScheduled.get(num(started.scheduledEventId));
      if (a) a.attempts = started.attempt ?? a.attempts + 1;
    }
    const completed = e.activityTaskCompletedEventAttributes;
    const failed = e.activityTaskFailedEventAttributes;
    const timedOut = e.activityTaskTimedOutEventAttributes;
    const cancelled = e.activityTaskCanceledEventAttributes;
    const a = byScheduled.get(num((completed ?? failed ?? timedOut ?? cancelled)?.scheduledEventId));
    if (!a) continue;
    if (completed) Object.assign(a, { status: 'completed', result: decodePayloads(completed.result)[0] });
    if (failed) Object.assign(a, { status: 'failed', failure: describeFailure(failed.failure) });
    if (timedOut) Object.assign(a, { status: 'timed out', failure: describeFailure(timedOut.failure) || 'timed out' });
    if (cancelled) Object.assign(a, { status: 'cancelled', failure: 'cancelled' });
  }
  return [...byScheduled.values()];
}
