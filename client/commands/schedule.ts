/**
 * `restact schedule ...`: Temporal Schedules.
 *
 *   restact schedule distill --cron "0 3 * * *" --config FILE [--timezone TZ]   nightly distillation (the `distill` section)
 *   restact schedule list | describe ID | pause ID [--note T] | unpause ID [--note T] | trigger ID [--wait] | delete ID
 */
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { formatDistillationEvaluation, type DistillationResult } from '../../lib/distill/plan';
import { commandConfig, err, out, parseFlags, UsageError, validate } from '../command-line';
import { distillationInput, loadDistillSettings } from '../distill';
import { formatScheduleDescription, formatScheduleLine, type RunStatus } from '../print-schedule';
import { withTemporal } from '../runtime';
import { createDistillSchedule, describeSchedule, triggerNow } from '../schedules';
import { webUiWorkflowUrl } from '../web-ui';

const SUBCOMMANDS = ['distill', 'list', 'describe', 'pause', 'unpause', 'trigger', 'delete'] as const;
const Flags = z.object({
  cron: z.string().regex(/^(@\w+|\S+(\s+\S+){4,6})$/, 'a cron expression, e.g. "0 3 * * *" (minute hour day month weekday), or @daily').optional(),
  timezone: z.string().min(1).optional(),
  note: z.string().min(1).optional(),
  wait: z.boolean().optional(),
  config: z.string().optional(),
});

export async function scheduleCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!SUBCOMMANDS.includes(sub as (typeof SUBCOMMANDS)[number])) throw new UsageError(`restact schedule ${SUBCOMMANDS.join('|')}`);
  const { values, positionals } = parseFlags(rest, { cron: { type: 'string' }, timezone: { type: 'string' }, note: { type: 'string' }, wait: { type: 'boolean' } });
  const flags = validate(Flags, values);
  const cfg = commandConfig(flags.config);
  if (!cfg.temporal.address) throw new UsageError('Schedules live on a server that stays up: set TEMPORAL_ADDRESS (run `restact dev` for the embedded one, with its history kept on disk).');
  if (sub === 'distill') {
    if (!flags.cron) throw new UsageError('restact schedule distill needs --cron, e.g. --cron "0 3 * * *" (03:00 UTC every night)');
    if (!flags.config) throw new UsageError('restact schedule distill needs --config FILE with a "distill" section (see examples/nightly-distill.json)');
    const settings = loadDistillSettings(flags.config);
    return withTemporal(cfg, { worker: 'never', log: err }, async (session) => {
      const { scheduleId, nextRuns } = await createDistillSchedule(session, await distillationInput(session, settings), flags.cron!, flags.timezone);
      out(`Created schedule ${scheduleId}: distillation ${settings.name}, ${flags.cron} (${flags.timezone ?? 'UTC'}), overlap SKIP`);
      out(`Next runs: ${nextRuns.slice(0, 3).map((d) => d.toISOString()).join(', ')}`);
      out(`Run it now: restact schedule trigger ${scheduleId} --wait`);
      return 0;
    });
  }
  if (sub === 'list') return withTemporal(cfg, { worker: 'never', log: err }, async ({ client }) => list(client));
  const [id] = positionals;
  if (!id) throw new UsageError(`restact schedule ${sub} needs a schedule id (restact schedule list shows them)`);
  return withTemporal(cfg, { worker: 'never', log: err }, async (session) => {
    const { client } = session;
    const handle = client.schedule.getHandle(id);
    await describeSchedule(client, id); // a clear message for an unknown id
    switch (sub) {
      case 'describe':
        out(formatScheduleDescription(await describeSchedule(client, id), await recentRuns(client, id)));
        return 0;
      case 'pause':
      case 'unpause':
        await handle[sub](flags.note);
        out(`${sub === 'pause' ? 'Paused' : 'Unpaused'} ${id}${flags.note ? ` (${flags.note})` : ''}.`);
        return 0;
      case 'delete':
        await handle.delete();
        out(`Deleted schedule ${id} (runs it started stay in the history).`);
        return 0;
      default: {
        const workflowId = await triggerNow(client, id);
        if (!workflowId) {
          out(`${id}: the trigger was skipped, or is still pending: a run is still going (overlap policy SKIP). restact schedule describe ${id}`);
          return 1;
        }
        out(`Triggered ${id}: started ${workflowId}`);
        if (session.uiUrl) out(`Web UI: ${webUiWorkflowUrl(session.uiUrl, cfg.temporal.namespace, workflowId)}`);
        if (!flags.wait) return 0;
        const result = await client.workflow.getHandle(workflowId).result();
        out(describeResult(result as DistillationResult));
        return 0;
      }
    }
  });
}

async function list(client: Client): Promise<number> {
  let n = 0;
  for await (const s of client.schedule.list()) {
    // The list comes from the visibility store, which lags a pause or an unpause by up to a second or so: the
    // state and the next and recent runs come from the schedule itself.
    const d = await client.schedule.getHandle(s.scheduleId).describe().catch(() => undefined);
    out(formatScheduleLine(d ? { ...s, state: d.state, info: { ...s.info, nextActionTimes: d.info.nextActionTimes, recentActions: d.info.recentActions } } : s));
    n++;
  }
  if (!n) out('No schedules. Create one: restact schedule distill --cron "0 3 * * *" --config FILE');
  return 0;
}

/** The schedule's recent runs with their status and, for finished distillations, what they did. */
async function recentRuns(client: Client, scheduleId: string): Promise<RunStatus[]> {
  const { info } = await describeSchedule(client, scheduleId);
  return Promise.all(
    info.recentActions.slice(-5).map(async (a) => {
      const handle = client.workflow.getHandle(a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId);
      const { status, type } = await handle.describe();
      const outcome = status.name === 'COMPLETED' && type === 'distillationWorkflow' ? describeResult((await handle.result()) as DistillationResult).split('\n')[0] : undefined;
      return { workflowId: a.action.workflow.workflowId, status: status.name, outcome };
    }),
  );
}

export function describeResult(r: DistillationResult): string {
  if (r.status === 'no-new-data') return `no new data since ${r.since}: nothing trained`;
  const distilled = `distilled: student ${r.studentModel} (teacher ${r.teacherModel}, ${r.datasetKeys.length} dataset(s)); registry ${r.keys.student ?? ''}`;
  return r.evaluation ? `${distilled}\n  ${formatDistillationEvaluation(r.evaluation)}` : distilled;
}
