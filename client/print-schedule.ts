/** Terminal rendering of Temporal Schedules (`restact schedule list|describe`). */
import type { ScheduleDescription, ScheduleSummary } from '@temporalio/client';
import { bold, dim } from './print';

const when = (d?: Date) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-');

export function formatScheduleLine(s: ScheduleSummary): string {
  const state = s.state.paused ? `paused${s.state.note ? ` (${s.state.note})` : ''}` : 'active';
  const next = s.info.nextActionTimes[0];
  const last = s.info.recentActions[s.info.recentActions.length - 1];
  return `${bold(s.scheduleId)}  ${state}  next ${when(next)}  last ${last ? `${when(last.takenAt)} ${last.action.workflow.workflowId}` : '-'}\n  ${dim(String(s.memo?.summary ?? s.action?.workflowType ?? ''))}`;
}

export interface RunStatus {
  workflowId: string;
  status: string;
  outcome?: string;
}

export function formatScheduleDescription(d: ScheduleDescription, runs: RunStatus[]): string {
  const action = d.action;
  const lines = [
    `${bold(d.scheduleId)}  ${d.state.paused ? `paused${d.state.note ? ` (${d.state.note})` : ''}` : 'active'}`,
    `  ${String(d.memo?.summary ?? '')}`,
    `  when:     cron ${String(d.memo?.cron ?? '(see the Web UI)')} (${String(d.memo?.timezone ?? 'UTC')}); overlap ${d.policies.overlap}; catch-up window ${Math.round(d.policies.catchupWindow / 60_000)} min`,
    `  starts:   ${action.workflowType} ${action.workflowId} (each run's id gets its scheduled time appended) on task queue ${action.taskQueue}`,
    `  next:     ${d.info.nextActionTimes.slice(0, 3).map(when).join(', ') || '-'}`,
    `  taken:    ${d.info.numActionsTaken} run(s); ${d.info.numActionsSkippedOverlap} skipped while one was still going; ${d.info.numActionsMissedCatchupWindow} missed`,
  ];
  if (runs.length) lines.push('  recent runs:', ...runs.map((r) => `    ${r.workflowId}  ${r.status}${r.outcome ? `  ${r.outcome}` : ''}`));
  return lines.join('\n');
}
