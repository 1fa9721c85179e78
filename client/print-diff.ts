/** The side-by-side diff of two trajectories' steps (`restact rerun`). */
import type { ShownStep } from '../lib/history-steps';
import { diffSteps, type DiffMark } from '../lib/trajectory-diff';
import { bold, dim, green, red } from './print';
import { describeParsed } from './print-show';
import type { ShownTrajectory } from './show';

const WIDTH = 58;
const MARKS: Record<DiffMark, string> = { same: '=', changed: '~', 'only left': '<', 'only right': '>' };

/** One step as one line: its kind and what it did (the exact raw output when the record is there). */
export function stepLine(step: ShownStep): string {
  if (step.status === 'activity failed') return `${step.kind}: ${step.query !== undefined ? `${JSON.stringify(step.query)} ` : ''}activity failed: ${step.error}`;
  if (step.status === 'failed') return `${step.kind}: FAILED ${step.raw !== undefined ? JSON.stringify(step.raw) : ''}`.trim();
  if (step.kind === 'search') return `search: ${JSON.stringify(step.query)} -> ${(step.results ?? []).map((r) => r.title).join(' | ') || '(none)'}`;
  return `${step.kind}: ${describeParsed(step.parsed)}`;
}

const cell = (text = '') => {
  const flat = text.replace(/\s+/g, ' ');
  return (flat.length > WIDTH ? flat.slice(0, WIDTH - 1) + '…' : flat).padEnd(WIDTH);
};

const outcome = (t: ShownTrajectory) => (t.result ? `${t.result.status === 'answered' ? green('answered') : red('failed')}: ${JSON.stringify(t.result.answer)}` : `workflow ${t.run.status}`);

export function formatStepDiff(left: ShownTrajectory, right: ShownTrajectory): string {
  const rows = diffSteps(left.steps.map(stepLine), right.steps.map(stepLine));
  const changed = rows.filter((r) => r.mark !== 'same').length;
  return [
    `  ${bold(cell(left.workflowId))} ${bold(right.workflowId)}`,
    `  ${cell(`model ${left.input.model ?? 'default'}`)} model ${right.input.model ?? 'default'}`,
    ...rows.map((r) => {
      const line = `${MARKS[r.mark]} ${cell(r.left)} ${r.right ?? ''}`;
      return r.mark === 'same' ? dim(line) : line;
    }),
    `  ${cell(outcome(left))} ${outcome(right)}`,
    dim(`  ${rows.length - changed} of ${rows.length} steps the same (= same, ~ changed, < only in the original, > only in the rerun)`),
  ].join('\n');
}
