/**
 * `restact report CAMPAIGN_ID`: reads a campaign's evaluation reports through a worker (their keys are known: the
 * baseline's, then each round's until the first missing one), writes one Markdown page with the per-round table
 * and its charts beside them through the worker, and prints where. The store belongs to the workers.
 */
import path from 'node:path';
import type { RoundSummary } from '../../lib/rest/progress';
import type { EvalReport } from '../../lib/eval/report';
import { campaignMarkdown, roundModels, type CampaignEvalRow } from '../../lib/eval/campaign-report';
import { accuracyChart, behaviourChart } from '../../lib/eval/charts';
import { campaignEvalPrefix, campaignKeys, evalReportKeys } from '../../lib/artifact-keys';
import { artifactLocation, readArtifactIfExists, writeArtifact } from '../artifacts';
import { commandConfig, out, parseFlags, UsageError, validate } from '../command-line';
import { withTemporal, type TemporalSession } from '../runtime';
import { CampaignIdArg } from './campaign';

/** `restact report CAMPAIGN_ID`. */
export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {});
  const id = validate(CampaignIdArg, positionals[0]);
  return withTemporal(commandConfig(values.config), { worker: 'embedded' }, (session) => runReport(session, id, out));
}

export async function runReport(session: TemporalSession, id: string, out: (line: string) => void): Promise<number> {
  // Accept the workflow id (`campaign-<id>`) as well as the campaign id.
  const candidates = [...new Set([id, id.replace(/^campaign-/, '')])];
  let found: { campaignId: string; rows: CampaignEvalRow[] } | undefined;
  for (const campaignId of candidates) {
    const rows = await readEvalReports(session, campaignId);
    if (rows.length) {
      found = { campaignId, rows };
      break;
    }
  }
  if (!found) {
    const started = (await Promise.all(candidates.map((c) => readArtifactIfExists(session, campaignKeys(c).questions)))).findIndex((q) => q !== undefined);
    if (started < 0) throw new UsageError(`no campaign ${id} in the workers' artifact store`);
    throw new UsageError(`campaign ${candidates[started]} has no evaluation reports yet (${evalReportKeys(campaignEvalPrefix(candidates[started], 0)).json})`);
  }
  const { campaignId, rows } = found;
  const keys = campaignKeys(campaignId);
  // The campaign's result (written when it ends) has each round's training side.
  const result = await readJson<{ rounds?: RoundSummary[] }>(session, keys.report);
  const models = roundModels(rows);
  const title = `Campaign ${campaignId}`;
  const accuracy = await writeArtifact(session, keys.accuracyChart, accuracyChart(title, models, rows[0].report.judge));
  const behaviour = await writeArtifact(session, keys.behaviourChart, behaviourChart(title, models));
  // The page links its charts by file name: they sit beside it.
  const page = await writeArtifact(session, keys.page, campaignMarkdown(campaignId, rows, result?.rounds ?? [], { accuracy: path.posix.basename(accuracy), behaviour: path.posix.basename(behaviour) }));
  out(`Report: ${artifactLocation(session, page)}`);
  out(`Charts: ${artifactLocation(session, accuracy)}, ${artifactLocation(session, behaviour)}`);
  return 0;
}

/** The baseline's evaluation report, if the campaign had one, then each round's, up to the first not written yet. */
async function readEvalReports(session: TemporalSession, campaignId: string): Promise<CampaignEvalRow[]> {
  const reportOf = (round: number) => readJson<EvalReport>(session, evalReportKeys(campaignEvalPrefix(campaignId, round)).json);
  const rows: CampaignEvalRow[] = [];
  const baseline = await reportOf(-1);
  if (baseline) rows.push({ label: 'baseline', report: baseline });
  for (let round = 0; ; round++) {
    const report = await reportOf(round);
    if (!report) return rows;
    rows.push({ label: `round ${round}`, report });
  }
}

async function readJson<T>(session: TemporalSession, key: string): Promise<T | undefined> {
  const text = await readArtifactIfExists(session, key);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}
