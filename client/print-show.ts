/** Terminal rendering of a trajectory read back from its history (`restact replay ID --show`). */
import type { ShownStep } from '../lib/history-steps';
import type { LlmStepRecord, SearchStepRecord } from '../lib/trajectory';
import { LLM_STEP_KINDS, type StepKind } from '../lib/agent/types';
import { stepDefinition } from '../lib/agent/steps';
import { taskPart } from '../lib/rest/ranker-prompt';
import { bold, cyan, dim, green, red } from './print';
import type { ShownTrajectory } from './show';

const indent = (text: string, pad: string) => text.split('\n').map((l) => pad + l).join('\n');

/** A parsed step value in the form the model wrote it, e.g. `Search(query="...")`. */
export function describeParsed(value: unknown): string {
  const v = value as Record<string, unknown> | undefined;
  if (!v || typeof v !== 'object' || typeof v.call !== 'string') return JSON.stringify(value);
  const literal = (x: unknown): string => (typeof x === 'boolean' ? (x ? 'True' : 'False') : Array.isArray(x) ? `[${x.map(literal).join(', ')}]` : JSON.stringify(x));
  const args = Object.entries(v).filter(([k]) => k !== 'call').map(([k, x]) => `${k}=${literal(x)}`);
  return `${v.call}(${args.join(', ')})`;
}

/** The prompt: the step's exact one from its record, or re-rendered from the recorded input by today's prompt code. */
function promptOf(step: ShownStep): { text: string; exact: boolean } | undefined {
  const record = step.record as LlmStepRecord | undefined;
  if (record?.prompt) return { text: record.prompt, exact: true };
  if (!LLM_STEP_KINDS.includes(step.kind as StepKind) || !step.input) return undefined;
  try {
    return { text: stepDefinition(step.kind as StepKind).render(step.input as never), exact: false };
  } catch {
    return undefined; // an input from older code that today's prompt no longer takes
  }
}

function llmStepLines(step: ShownStep, fullPrompts: boolean): string[] {
  const lines: string[] = [];
  const prompt = promptOf(step);
  if (prompt) {
    const label = prompt.exact ? 'prompt' : 'prompt, re-rendered from the recorded input by the current prompt code';
    lines.push(dim(`     ${label}${fullPrompts ? '' : ' (its task part; --full-prompts for the whole program)'}:`), indent(fullPrompts ? prompt.text : taskPart(prompt.text), '       '));
  }
  const record = step.record as LlmStepRecord | undefined;
  if (record) {
    record.attempts.forEach((a, i) => lines.push(`     output${record.attempts.length > 1 ? ` (attempt ${i + 1})` : ''}: ${JSON.stringify(a.raw)}${a.error ? red(`  rejected: ${a.error}`) : ''}  ${dim(`${a.tokens.prompt}+${a.tokens.completion} tok, ${(a.latencyMs / 1000).toFixed(1)} s`)}`));
    if (record.samples?.length) {
      lines.push(dim(`     ${record.samples.length} samples (the continuing one chosen by ${record.selection?.replace('_', ' ')}):`));
      record.samples.forEach((x, i) => lines.push(dim(`       #${i + 1} ${JSON.stringify(x.raw)}${x.perplexity !== undefined ? ` perplexity ${x.perplexity.toFixed(2)}` : ''}${x.error ? `  rejected: ${x.error}` : ''}`)));
    }
  } else if (step.raw !== undefined) {
    lines.push(`     output: ${JSON.stringify(step.raw)}`);
  }
  if (step.status === 'ok') lines.push(`     parsed: ${describeParsed(step.parsed)}`);
  return lines;
}

function searchLines(step: ShownStep): string[] {
  const record = step.record as SearchStepRecord | undefined;
  const results = record?.results ?? step.results ?? [];
  if (!results.length) return ['     (no results)'];
  return results.map((r, i) => `     ${i + 1}. ${bold(r.title)}${'score' in r ? dim(` (${(r as { score: number }).score.toFixed(2)})`) : ''}: ${r.snippet.replace(/\s+/g, ' ')}`);
}

function headline(step: ShownStep): string {
  if (step.status === 'activity failed') return `${step.query !== undefined ? `${JSON.stringify(step.query)}: ` : ''}${red(`activity ${step.activity} failed: ${step.error}`)}`;
  if (step.status === 'running') return dim('(still running)');
  if (step.status === 'failed') return red(`FAILED: ${step.error ?? 'unparsable output'}`);
  if (step.kind === 'search') return JSON.stringify(step.query);
  return describeParsed(step.parsed);
}

export function formatShownTrajectory(t: ShownTrajectory, options: { fullPrompts?: boolean; uiLink?: string } = {}): string {
  const outcome = t.result ? (t.result.status === 'answered' ? green('answered') : red('failed')) : t.run.status === 'running' ? 'running' : red(`workflow ${t.run.status}`);
  const lines = [
    `${bold(t.workflowId)}  ${outcome}  ${dim(`${t.steps.length} steps, from the ${t.evidence}`)}`,
    `  Q: ${t.input.question}  ${dim(`(question ${t.input.questionId}, model ${t.input.model ?? 'default'}, temperature ${t.input.temperature ?? 0}, at most ${t.input.maxSearches ?? 10} searches)`)}`,
  ];
  if (t.rerunOf) lines.push(`  rerun of ${t.rerunOf}`);
  for (const step of t.steps) {
    const retries = step.attempts > 1 ? dim(` (activity attempt ${step.attempts})`) : '';
    lines.push(`  ${String(step.index + 1).padStart(2)}. ${cyan(step.kind.padEnd(15))} ${headline(step)}${retries}  ${dim(`event ${step.scheduledEventId}`)}`);
    if (step.status === 'activity failed' || step.status === 'running') continue;
    lines.push(...(step.kind === 'search' ? searchLines(step) : llmStepLines(step, !!options.fullPrompts)));
  }
  if (t.result?.failure) lines.push(`  ${red('failure:')} ${t.result.failure}`);
  if ('failure' in t.run) lines.push(`  ${red('workflow failure:')} ${t.run.failure}`);
  if (t.result) lines.push(`  ${bold('A:')} ${t.result.answer ?? '(none)'}`);
  if (options.uiLink) lines.push(`  Web UI: ${options.uiLink}`);
  return lines.join('\n');
}
