/**
 * `restact replay`: replays recorded workflow histories against the current workflow code (the SDK's replayer) and
 * reports success, or the exact non-determinism error and the event where it occurred.
 *
 *   restact replay WORKFLOW_ID [--run-id RUN] [--show [--history-only] [--full-prompts]]   from the server
 *   restact replay --file HISTORY.json [--workflow-id ID] [--show]                          offline
 *   restact replay --campaign ID [--failed]       every workflow of a campaign, or only its failed trajectories
 *   --workflows PATH   replay against another copy of the workflow code (a module exporting the workflows)
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { commandConfig, err, out, parseFlags, UsageError, validate } from '../command-line';
import { fetchHistory, parseHistoryFile, startedRun, type History } from '../history';
import { bundleForReplay, formatReplayReport, replay, type ReplayReport, type ReplayTarget } from '../replay';
import { addArtifactRecords, trajectoryFromHistory } from '../show';
import { formatShownTrajectory } from '../print-show';
import { installRuntime, withTemporal, type TemporalSession } from '../runtime';
import { webUiWorkflowUrl } from '../web-ui';

const Flags = z.object({
  file: z.string().min(1).optional(),
  'workflow-id': z.string().min(1).optional(),
  'run-id': z.string().min(1).optional(),
  campaign: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a campaign id or its workflow id').optional(),
  failed: z.boolean().optional(),
  show: z.boolean().optional(),
  'history-only': z.boolean().optional(),
  'full-prompts': z.boolean().optional(),
  workflows: z.string().min(1).optional(),
  json: z.boolean().optional(),
  config: z.string().optional(),
});
type Flags = z.infer<typeof Flags>;

export async function replayCommand(argv: string[]): Promise<number> {
  installRuntime('ERROR'); // the report says what failed; the SDK's own lines would repeat it
  const { values, positionals } = parseFlags(argv, {
    file: { type: 'string' }, 'workflow-id': { type: 'string' }, 'run-id': { type: 'string' }, campaign: { type: 'string' }, failed: { type: 'boolean' },
    show: { type: 'boolean' }, 'history-only': { type: 'boolean' }, 'full-prompts': { type: 'boolean' }, workflows: { type: 'string' }, json: { type: 'boolean' },
  });
  const flags = validate(Flags, values);
  const [workflowId] = positionals;
  const sources = [workflowId, flags.file, flags.campaign].filter(Boolean).length;
  if (sources !== 1) throw new UsageError('restact replay needs one of: WORKFLOW_ID, --file HISTORY.json, --campaign ID');
  if (flags.failed && !flags.campaign) throw new UsageError('--failed goes with --campaign ID');
  if (flags.show && flags.campaign) throw new UsageError('--show shows one trajectory: restact replay WORKFLOW_ID --show');
  const workflowsPath = flags.workflows ? path.resolve(flags.workflows) : undefined;
  if (workflowsPath && !fs.existsSync(workflowsPath) && !fs.existsSync(`${workflowsPath}.ts`) && !fs.existsSync(`${workflowsPath}.js`)) throw new UsageError(`--workflows: ${workflowsPath} does not exist`);

  if (flags.file) return replayFile(flags, workflowsPath);
  const cfg = commandConfig(flags.config);
  if (!cfg.temporal.address) throw new UsageError('restact replay fetches histories from a running server: set TEMPORAL_ADDRESS (restact dev prints it), or replay a file with --file.');
  return withTemporal(cfg, { worker: 'never', log: err }, async (session) => {
    if (flags.campaign) return replayCampaign(session.client, flags.campaign, !!flags.failed, flags, workflowsPath);
    const history = await fetchHistory(session.client, workflowId!, flags['run-id']);
    if (flags.show) await show(history, workflowId!, flags, session);
    return finish([await replay(await bundleForReplay(workflowsPath), { workflowId: workflowId!, history, source: 'from the server' })], flags);
  });
}

async function replayFile(flags: Flags, workflowsPath: string | undefined): Promise<number> {
  const file = path.resolve(flags.file!);
  if (!fs.existsSync(file)) throw new UsageError(`--file: ${file} does not exist`);
  const history = parseHistoryFile(fs.readFileSync(file, 'utf8'), file);
  const workflowId = flags['workflow-id'] ?? startedRun(history).workflowId;
  if (!workflowId) throw new UsageError(`${file} does not record its workflow id (older servers): pass --workflow-id ID`);
  if (flags.show) await show(history, workflowId, flags);
  return finish([await replay(await bundleForReplay(workflowsPath), { workflowId, history, source: path.basename(file) })], flags);
}

async function show(history: History, workflowId: string, flags: Flags, session?: TemporalSession): Promise<void> {
  const shown = trajectoryFromHistory(history, workflowId);
  if (session && !flags['history-only']) {
    const why = await addArtifactRecords(session, shown);
    if (why) err(`(showing what the history holds: the step records could not be read through a worker: ${why})`);
  }
  const uiLink = session?.uiUrl ? webUiWorkflowUrl(session.uiUrl, session.config.temporal.namespace, workflowId) : undefined;
  out(formatShownTrajectory(shown, { fullPrompts: flags['full-prompts'], uiLink }) + '\n');
}

/** The campaign's workflows (all, or its failed trajectories), by the search attributes README "Watching runs" uses. */
async function replayCampaign(client: Client, campaign: string, failedOnly: boolean, flags: Flags, workflowsPath: string | undefined): Promise<number> {
  const ids = [...new Set([campaign, campaign.replace(/^campaign-/, '')])].map((id) => `"${id}"`).join(', ');
  const query = `CampaignId IN (${ids})${failedOnly ? ' AND WorkflowType = "trajectoryWorkflow" AND (Outcome = "failed" OR ExecutionStatus = "Failed")' : ''}`;
  const targets: ReplayTarget[] = [];
  for await (const w of client.workflow.list({ query })) {
    targets.push({ workflowId: w.workflowId, history: await fetchHistory(client, w.workflowId, w.runId), source: 'from the server' });
  }
  targets.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
  err(`${targets.length} ${failedOnly ? 'failed trajectories' : 'workflows'} of campaign ${campaign} (${query})`);
  if (!targets.length) return 0;
  const bundle = await bundleForReplay(workflowsPath);
  const reports: ReplayReport[] = [];
  for (const t of targets) reports.push(await replay(bundle, t));
  return finish(reports, flags);
}

function finish(reports: ReplayReport[], flags: Flags): number {
  if (flags.json) out(JSON.stringify(reports, null, 2));
  else {
    for (const r of reports) out(formatReplayReport(r));
    if (reports.length > 1) {
      const bad = reports.filter((r) => !r.ok).length;
      out(`\n${reports.length - bad} of ${reports.length} replayed without error${bad ? `; ${bad} did not` : ''}.`);
    }
  }
  return reports.every((r) => r.ok) ? 0 : 1;
}
