/** Terminal rendering of campaigns: progress lines, round summaries, the per-round score chart. */
import type { CampaignProgress, RoundSummary } from '../lib/rest/progress';
import { formatFailureCounts, totalFailures } from '../lib/failure-class';
import type { CampaignResult } from '../workflows/campaign';

const pct = (x: number) => (100 * x).toFixed(1).padStart(5);

/** A per-round chart: EM and F1 as bars, so the trend reads at a glance. */
export function formatRoundChart(result: Pick<CampaignResult, 'baseline' | 'rounds'>): string {
  const rows: Array<[string, number, number]> = [];
  if (result.baseline) rows.push(['baseline', result.baseline.em, result.baseline.f1]);
  for (const r of result.rounds) rows.push([`round ${r.round}`, r.eval.em, r.eval.f1]);
  const bar = (x: number) => '█'.repeat(Math.round(x * 40)).padEnd(40, '·');
  return ['held-out score     EM      F1', ...rows.map(([name, em, f1]) => `${name.padEnd(10)} EM ${pct(em)}% ${bar(em)}\n${''.padEnd(10)} F1 ${pct(f1)}% ${bar(f1)}`)].join('\n');
}

export function formatRoundSummary(r: RoundSummary): string {
  const loss = r.trainLoss.first !== undefined ? `${r.trainLoss.first.toFixed(3)} -> ${r.trainLoss.last!.toFixed(3)} over ${r.trainLoss.steps} logged steps` : 'n/a';
  const perStep = Object.entries(r.dataset.perStep).map(([k, v]) => `${k} ${v.train}/${v.validation}`).join(', ');
  return [
    `Round ${r.round}  (${r.workflowId})`,
    `  policy:        ${r.policyModel}`,
    `  trajectories:  ${r.trajectories} for ${r.questions} questions, ${r.failedTrajectories} failed`,
    `  ranking:       ${r.rankedSteps} ranked steps, ${r.rankerCalls} ranker calls, ${r.rankingFallbacks} fell back to lowest perplexity`,
    `  LLM failures:  ${totalFailures(r.llmFailures) ? `${formatFailureCounts(r.llmFailures)} (model calls retried or re-asked)` : 'none'}`,
    `  dataset:       ${r.dataset.train} train / ${r.dataset.validation} validation examples (${r.dataset.duplicatesRemoved} duplicates removed); per step (train/val): ${perStep}`,
    `  fine-tune:     loss ${loss}`,
    `  new model:     ${r.model}`,
    `  held-out eval: EM ${pct(r.eval.em)}%  F1 ${pct(r.eval.f1)}%  (${r.eval.answered}/${r.eval.n} answered)`,
  ].join('\n');
}

export function formatProgress(p: CampaignProgress): string {
  return `round ${Math.min(p.round + 1, p.rounds)}/${p.rounds}  phase ${p.phase}  questions ${p.questionsDone}/${p.questionsTotal}  trajectories ${p.trajectories}  failures ${p.failures}${p.stopRequested ? '  (stop requested)' : ''}`;
}

export function printCampaignResult(result: CampaignResult, out: (line: string) => void): void {
  out(`\nCampaign ${result.campaignId}: ${result.status}; final model ${result.finalModel}\n`);
  for (const r of result.rounds) out(formatRoundSummary(r) + '\n');
  out(formatRoundChart(result));
  if (result.report) out(`\nReport: ${result.report.reportKey}, chart: ${result.report.chartKey} (in the artifact store)`);
}
