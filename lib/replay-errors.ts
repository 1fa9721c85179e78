/**
 * Reading a replay failure: the SDK wraps the core's non-determinism message in its own text; this module takes
 * out the exact message and the history event it names, and describes events for the report. Pure.
 */

/** The core's own message, e.g. `[TMPRL1100] Nondeterminism error: Activity type of scheduled event 'search' does
 * not match activity type of activity command 'readArtifact'`; the whole text when it has no such part. */
export function coreMessage(sdkMessage: string): string {
  const inner = /message: "((?:[^"\\]|\\.)*)"/.exec(sdkMessage);
  return inner ? inner[1].replace(/\\"/g, '"') : sdkMessage.trim();
}

/** The history event id the message names (`HistoryEvent(id: 11, ...)`), when it names one. */
export function namedEventId(message: string): number | undefined {
  const m = /HistoryEvent\(id: (\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** The activity type the history recorded, when the message says which (`scheduled event 'search'`). */
export function namedActivityType(message: string): string | undefined {
  return /scheduled event '([^']+)'/.exec(message)?.[1];
}

export function isNondeterminism(message: string): boolean {
  return /nondeterminism|TMPRL1100/i.test(message);
}

/** The parts of a history event a report names: id, type and what it is about. */
export interface EventView {
  eventId: number;
  /** e.g. `ActivityTaskScheduled`. */
  type: string;
  /** e.g. the activity type, the child workflow's type and id, the timer or marker. */
  detail?: string;
}

/** `EVENT_TYPE_ACTIVITY_TASK_SCHEDULED` (or the enum number's name) -> `ActivityTaskScheduled`. */
export function eventTypeName(constantName: string): string {
  return constantName
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

export function formatEvent(e: EventView): string {
  return `event ${e.eventId} (${e.type}${e.detail ? ` ${e.detail}` : ''})`;
}
