/** The campaign's report: its result as JSON and the per-round scores as an SVG chart. */
import type { ArtifactStore } from '../ports/artifact-store';
import { putJson } from '../ports/artifact-store';
import { campaignKeys } from '../lib/artifact-keys';
import { roundScoresSvg } from '../lib/charts';
import type { EvalScore } from '../lib/rest/progress';

export interface CampaignReportCall {
  campaignId: string;
  baseline?: EvalScore;
  rounds: Array<{ round: number; eval: EvalScore }>;
  result: unknown;
}

export async function writeCampaignReport(deps: { store: ArtifactStore }, call: CampaignReportCall): Promise<{ reportKey: string; chartKey: string }> {
  const keys = campaignKeys(call.campaignId);
  const rows = [
    ...(call.baseline ? [{ label: 'baseline', em: call.baseline.em, f1: call.baseline.f1 }] : []),
    ...call.rounds.map((r) => ({ label: `round ${r.round}`, em: r.eval.em, f1: r.eval.f1 })),
  ];
  const reportKey = await putJson(deps.store, keys.report, call.result);
  const chartKey = await deps.store.put(keys.chart, roundScoresSvg(`${call.campaignId}: held-out scores per round`, rows));
  return { reportKey, chartKey };
}
