/** Terminal rendering of campaigns: progress lines, round summaries, the per-round score chart. */
import type { CampaignProgress, EvalScore, RoundSummary } from '../lib/rest/progress';
import { formatFailureCounts, totalFailures } from '../lib/failure-class';
import { formatEstimate } from '../lib/eval/report';
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
    ...(r.workerPeakRssMb !== undefined ? [`  worker memory: peak RSS ${r.workerPeakRssMb} MB (the largest worker that collected and ranked)`] : []),
    `  dataset:       ${r.dataset.train} train / ${r.dataset.validation} validation examples (${r.dataset.duplicatesRemoved} duplicates removed); per step (train/val): ${perStep}`,
    `  fine-tune:     loss ${loss}`,
    `  new model:     ${r.model}`,
    ...formatEvalScore('held-out eval:', r.eval),
  ].join('\n');
}

/** A held-out score: with evalWorkflow's CIs and paired comparisons, else EM and F1 alone. */
export function formatEvalScore(heading: string, e: EvalScore): string[] {
  const est = (k: 'autoEval' | 'em' | 'f1', v: number) => formatEstimate({ value: v, low: e.ci?.[k].low ?? null, high: e.ci?.[k].high ?? null, n: e.n }, 'percent');
  if (e.autoEval === undefined) return [`  ${heading} EM ${pct(e.em)}%  F1 ${pct(e.f1)}%  (${e.answered}/${e.n} answered)`];
  const lines = [
    `  ${heading} auto-eval ${est('autoEval', e.autoEval)}  EM ${est('em', e.em)}  F1 ${est('f1', e.f1)}  (% [95% CI]; ${e.answered}/${e.n} answered)`,
    `                 judge: ${e.judge ?? 'n/a'}; report: ${e.report ?? 'n/a'}`,
  ];
  for (const p of e.paired ?? []) {
    if (p.metric !== 'autoEval' && p.metric !== 'em') continue;
    lines.push(`  ${`${p.b} vs ${p.a}:`.padEnd(15)} ${p.metric === 'em' ? 'EM' : 'auto-eval'} ${formatEstimate(p, 'percent')} pts (paired, ${p.n} questions; CI ${p.excludesZero ? 'excludes' : 'includes'} 0)`);
  }
  return lines;
}

export function formatProgress(p: CampaignProgress): string {
  return `round ${Math.min(p.round + 1, p.rounds)}/${p.rounds}  phase ${p.phase}  questions ${p.questionsDone}/${p.questionsTotal}  trajectories ${p.trajectories}  failures ${p.failures}${p.stopRequested ? '  (stop requested)' : ''}`;
}

export function printCampaignResult(result: CampaignResult, out: (line: string) => void): void {
  out(`\nCampaign ${result.campaignId}: ${result.status}; final model ${result.finalModel}\n`);
  if (result.baseline) out(['Baseline (starting policy)', ...formatEvalScore('held-out eval:', result.baseline)].join('\n') + '\n');
  for (const r of result.rounds) out(formatRoundSummary(r) + '\n');
  out(formatRoundChart(result));
  if (result.report) out(`\nReport: ${result.report.reportKey}, chart: ${result.report.chartKey} (in the artifact store); \`restact report ${result.campaignId}\` writes the per-round page with charts`);
}
