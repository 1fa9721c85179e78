/**
 * `restact report CAMPAIGN_ID`: reads a campaign's evaluation reports from the artifact store and writes one
 * Markdown page with the per-round table and charts beside them; prints where.
 */
import path from 'node:path';
import type { Config } from '../../lib/config';
import { getJson } from '../../ports/artifact-store';
import type { RoundSummary } from '../../lib/rest/progress';
import { commandConfig, out, parseFlags, validate } from '../command-line';
import { CampaignIdArg } from './campaign';
import type { EvalReport } from '../../lib/eval/report';
import { campaignMarkdown, roundModels, type CampaignEvalRow } from '../../lib/eval/campaign-report';
import { accuracyChart, behaviourChart } from '../../activities/eval';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { EvalInputError } from './eval';

/** `restact report CAMPAIGN_ID`. */
export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {});
  const id = validate(CampaignIdArg, positionals[0]);
  return runReport(id, commandConfig(values.config), out);
}

export async function runReport(id: string, cfg: Config, out: (line: string) => void): Promise<number> {
  const store = new LocalDirStore(cfg.artifacts.dir);
  // Accept the workflow id (`campaign-<id>`) as well as the campaign id.
  const candidates = [id, id.replace(/^campaign-/, '')];
  let campaignId: string | undefined;
  for (const c of candidates) if ((await store.list(`campaigns/${c}/`)).length) campaignId ??= c;
  if (!campaignId) throw new EvalInputError(`no campaign ${id} in ${store.location}/campaigns`);
  const keys = await store.list(`campaigns/${campaignId}/`);
  const rows: CampaignEvalRow[] = [];
  const baseline = keys.find((k) => k.endsWith('/baseline-eval/report.json'));
  if (baseline) rows.push({ label: 'baseline', report: await getJson<EvalReport>(store, baseline) });
  const roundKeys = keys
    .map((k) => ({ k, m: /\/round-(\d+)\/eval\/report\.json$/.exec(k) }))
    .filter((x) => x.m)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]));
  for (const { k, m } of roundKeys) rows.push({ label: `round ${m![1]}`, report: await getJson<EvalReport>(store, k) });
  if (!rows.length) throw new EvalInputError(`campaign ${campaignId} has no evaluation reports yet (campaigns/${campaignId}/round-N/eval/report.json)`);
  const resultKey = `campaigns/${campaignId}/report.json`;
  const rounds = keys.includes(resultKey) ? ((await getJson<{ rounds?: RoundSummary[] }>(store, resultKey)).rounds ?? []) : [];
  const models = roundModels(rows);
  const prefix = `campaigns/${campaignId}`;
  const accuracy = await store.put(`${prefix}/accuracy.svg`, accuracyChart(`Campaign ${campaignId}`, models, rows[0].report.judge));
  const behaviour = await store.put(`${prefix}/behaviour.svg`, behaviourChart(`Campaign ${campaignId}`, models));
  const page = await store.put(`${prefix}/report.md`, campaignMarkdown(campaignId, rows, rounds, { accuracy: 'accuracy.svg', behaviour: 'behaviour.svg' }));
  const where = (key: string) => path.join(store.location, key);
  out(`Report: ${where(page)}`);
  out(`Charts: ${where(accuracy)}, ${where(behaviour)}`);
  return 0;
}
