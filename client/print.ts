/** Terminal rendering of trajectories. */
import type { StepRecord, Trajectory } from '../lib/trajectory';

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (s: string) => (useColor ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = paint(1);
export const dim = paint(2);
export const red = paint(31);
export const green = paint(32);
export const cyan = paint(36);

function clip(text: string, max = 110): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

function describeStep(step: StepRecord): string {
  if (step.kind === 'search') {
    return `${JSON.stringify(step.query)} -> ${step.results.map((r) => r.title).join(' | ') || '(no results)'}`;
  }
  if (step.status === 'failed') return red(`FAILED after ${step.attempts.length} attempt(s): ${step.error}; raw: ${JSON.stringify(clip(step.raw, 80))}`);
  const p = step.parsed!;
  const repaired = step.attempts.length > 1 ? dim(` (after ${step.attempts.length - 1} repair(s))`) : '';
  switch (p.call) {
    case 'Search':
      return `Search(${JSON.stringify(p.query)})${repaired}`;
    case 'Terminate':
      return `Terminate()${repaired}`;
    case 'Summary':
      return `${clip(p.knowledge)} ${dim(`[results ${p.used_results.join(', ') || 'none'}]`)}${repaired}`;
    case 'Answer':
      return `${JSON.stringify(p.text)}${repaired}`;
    case 'Check_Answer':
      return `${p.passed ? 'passed' : 'not passed'}${repaired}`;
    case 'Revise_Answer':
      return `revised to ${JSON.stringify(p.revised_answer)}${repaired}`;
  }
}

function stepCost(step: StepRecord): string {
  const secs = (step.latencyMs / 1000).toFixed(1) + 's';
  return step.kind === 'search' ? secs : `${secs} ${step.tokens.prompt}+${step.tokens.completion} tok`;
}

export function formatTrajectory(t: Trajectory, extra: { uiLink?: string; gold?: string[] } = {}): string {
  const status = t.status === 'answered' ? green(t.status) : red(t.status);
  const lines = [
    `${bold(t.workflowId)}  ${status}  ${dim(`${t.steps.length} steps, ${t.steps.filter((s) => s.kind === 'search').length} searches`)}`,
    `  Q: ${t.question}`,
  ];
  t.steps.forEach((s, i) => {
    lines.push(`  ${String(i + 1).padStart(2)}. ${cyan(s.kind.padEnd(15))} ${describeStep(s)}  ${dim(stepCost(s))}`);
  });
  if (t.failure) lines.push(`  ${red('failure:')} ${t.failure}`);
  lines.push(`  ${bold('A:')} ${t.answer ?? '(none)'}${extra.gold?.length ? dim(`   (reference: ${extra.gold.join(' / ')})`) : ''}`);
  if (extra.uiLink) lines.push(`  Web UI: ${extra.uiLink}`);
  return lines.join('\n');
}
