/**
 * `restact campaign start|status|watch|stop`: start a ReST campaign, show its progress (a query on the campaign
 * workflow), stop it after the current round (a signal).
 */
import fs from 'node:fs';
import { z } from 'zod';
import { CancelledFailure, TerminatedFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import type { campaignWorkflow } from '../../workflows/campaign';
import { progressQuery, stopSignal } from '../../workflows/signals';
import { commandConfig, err, out, parseFlags, requireIndex, UsageError, validate } from '../command-line';
import { loadCampaignSettings, refuseHeldOutOverlap, selectQuestions, startCampaign, watchCampaign } from '../campaigns';
import { formatProgress, formatRoundSummary, printCampaignResult } from '../print-campaign';
import { withTemporal } from '../runtime';
import { runIndex } from './index-cmd';

export const CampaignIdArg = z.string().regex(/^[A-Za-z0-9._-]+$/, 'a campaign workflow id, e.g. campaign-sample-20261125-101500');

export async function campaignCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseFlags(rest, { wait: { type: 'boolean' } });
  if (sub === 'start') {
    if (!values.config) throw new UsageError('restact campaign start needs --config FILE (see examples/sample-campaign.json)');
    return start(values.config, !!values.wait);
  }
  if (sub !== 'status' && sub !== 'watch' && sub !== 'stop') throw new UsageError('restact campaign start|status|watch|stop');
  if (!positionals[0]) throw new UsageError(`${sub} needs the campaign's workflow id (restact campaign start prints it)`);
  const id = validate(CampaignIdArg, positionals[0]);
  const cfg = commandConfig(values.config);
  if (!cfg.temporal.address) throw new UsageError(`restact campaign ${sub} talks to a running server: set TEMPORAL_ADDRESS (restact dev prints it).`);
  return withTemporal(cfg, { worker: 'never', log: err }, async ({ client }) => {
    if (sub === 'watch') return watchAndPrint(client, id);
    const handle = client.workflow.getHandle<typeof campaignWorkflow>(id);
    if (sub === 'stop') {
      await handle.signal(stopSignal);
      out(`Asked ${id} to stop after its current round.`);
      return 0;
    }
    const description = await handle.describe();
    const progress = await handle.query(progressQuery);
    out(`${id}: ${description.status.name}`);
    out(formatProgress(progress));
    for (const r of progress.summaries) out(formatRoundSummary(r));
    if (description.status.name === 'CANCELLED' || description.status.name === 'TERMINATED') err(endedEarly(id, description.status.name.toLowerCase()));
    return ['RUNNING', 'COMPLETED'].includes(description.status.name) ? 0 : 1;
  });
}

async function start(configFile: string, wait: boolean): Promise<number> {
  const settings = loadCampaignSettings(configFile);
  const cfg = commandConfig(configFile);
  // Both question sets (and their overlap) are checked before anything is built or started (startCampaign stages them).
  refuseHeldOutOverlap(selectQuestions(settings.questions, false).rows, selectQuestions(settings.evalQuestions, true).rows);
  if (settings.corpus && !fs.existsSync(cfg.search.dbPath)) runIndex({ corpus: settings.corpus, db: cfg.search.dbPath }, err);
  requireIndex(cfg.search.dbPath);
  // The embedded server lives only as long as this command, so without a configured server we wait.
  const waitForIt = wait || !cfg.temporal.address;
  return withTemporal(cfg, { worker: 'embedded', log: err }, async (session) => {
    const started = await startCampaign(session, settings);
    out(`Started ${started.workflowId}`);
    if (started.uiLink) out(`Web UI: ${started.uiLink}`);
    return waitForIt ? watchAndPrint(session.client, started.workflowId) : 0;
  });
}

/** Progress until the campaign ends, then its result; exit code 1 when it failed. */
async function watchAndPrint(client: Client, workflowId: string): Promise<number> {
  try {
    printCampaignResult(await watchCampaign(client, workflowId, out), out);
    return 0;
  } catch (e) {
    if (!(e instanceof WorkflowFailedError)) throw e;
    if (e.cause instanceof CancelledFailure || e.cause instanceof TerminatedFailure) err(endedEarly(workflowId, e.cause instanceof CancelledFailure ? 'cancelled' : 'terminated'));
    else err(`Campaign ${workflowId} failed: ${e.cause?.message ?? e.message}`);
    return 1;
  }
}

/** A campaign stopped from outside: what is kept, and what to do. */
function endedEarly(workflowId: string, how: string): string {
  return (
    `Campaign ${workflowId} was ${how} before it finished. Everything it wrote stays in the artifact store (trajectories, ` +
    `rankings, finished rounds); \`restact campaign status ${workflowId}\` lists the rounds it completed. Start a new campaign to go on.`
  );
}
