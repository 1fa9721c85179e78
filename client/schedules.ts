/**
 * Temporal Schedules from the CLI (`restact schedule ...`): the nightly distillation's schedule, and the list,
 * describe, pause, unpause, trigger and delete every schedule shares. Overlap policy SKIP: a run never starts while
 * the previous one is still going.
 */
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import type { DistillationInput } from '../lib/distill/plan';
import { MODEL, modelLabel } from '../lib/search-attributes';
import { runLabel } from '../lib/run-summary';
import { distillScheduleId, distillWorkflowId } from '../lib/workflow-ids';
import { UsageError } from './command-line';
import type { TemporalSession } from './runtime';

export function distillRunSummary(input: DistillationInput): string {
  const teacher = input.teacher.datasets ? `${input.teacher.datasets.length} chosen dataset(s)` : input.teacher.campaign === 'latest' ? 'the latest campaign' : `campaign ${input.teacher.campaign}`;
  return `distillation ${input.name}: student ${input.student} learns from ${teacher}; student and teacher evaluated side by side`;
}

export async function createDistillSchedule(session: TemporalSession, input: DistillationInput, cron: string, timezone?: string): Promise<{ scheduleId: string; nextRuns: Date[] }> {
  const scheduleId = distillScheduleId(input.name);
  try {
    const handle = await session.client.schedule.create({
      scheduleId,
      spec: { cronExpressions: [cron], ...(timezone ? { timezone } : {}) },
      action: {
        type: 'startWorkflow',
        workflowType: 'distillationWorkflow',
        workflowId: distillWorkflowId(input.name),
        taskQueue: session.config.temporal.taskQueue,
        args: [input],
        typedSearchAttributes: [{ key: MODEL, value: modelLabel(input.student) }],
        ...runLabel(distillRunSummary(input)),
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      memo: { summary: `${distillRunSummary(input)}; ${cron} (${timezone ?? 'UTC'})`, cron, timezone: timezone ?? 'UTC' },
    });
    return { scheduleId, nextRuns: (await handle.describe()).info.nextActionTimes };
  } catch (e) {
    const message = (e as Error).message;
    if (/already (exists|registered|running)/i.test(message)) throw new UsageError(`schedule ${scheduleId} exists already: delete it first (restact schedule delete ${scheduleId}) or use another distill.name`);
    if (/cron|invalid|parse/i.test(message)) throw new UsageError(`--cron "${cron}": ${message}`);
    throw e;
  }
}

/** Describes a schedule, or says plainly that there is none. */
export async function describeSchedule(client: Client, scheduleId: string): Promise<ScheduleDescription> {
  try {
    return await client.schedule.getHandle(scheduleId).describe();
  } catch (e) {
    if (e instanceof ScheduleNotFoundError) throw new UsageError(`no schedule ${scheduleId} (restact schedule list shows them)`);
    throw e;
  }
}

/** Triggers a run now and waits (up to `timeoutMs`) until the schedule names the workflow it started. */
export async function triggerNow(client: Client, scheduleId: string, timeoutMs = 30_000): Promise<string | undefined> {
  const described = await describeSchedule(client, scheduleId);
  const before = new Set([...described.info.runningActions.map((a) => a.workflow.workflowId), ...described.info.recentActions.map((a) => a.action.workflow.workflowId)]);
  const skippedBefore = described.info.numActionsSkippedOverlap;
  await client.schedule.getHandle(scheduleId).trigger();
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const { info } = await describeSchedule(client, scheduleId);
    const started = [...info.runningActions.map((a) => a.workflow.workflowId), ...info.recentActions.map((a) => a.action.workflow.workflowId)].find((id) => !before.has(id));
    if (started) return started;
    if (info.numActionsSkippedOverlap > skippedBefore) return undefined; // skipped: the last run is still going
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}
