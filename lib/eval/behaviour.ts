/**
 * Behaviour of one stored trajectory: how it searched, what it retrieved, how its steps failed or were repaired,
 * what its self-checks changed, what it cost, and habits worth fixing (repeated queries, repeated or uncited
 * summaries, copies of the prompt's worked examples). Counts, not rates: aggregation (lib/eval/aggregate.ts)
 * pools them into rates over questions. Pure.
 */
import type { LlmStepRecord, StepRecord, Trajectory } from '../trajectory';
import type { StepKind, StepOutputs } from '../agent/types';
import { FEW_SHOTS } from '../agent/few-shots';
import { normalizeAnswer, yesNo } from '../metrics';

export interface StepKindCounts {
  steps: number;
  failed: number;
  /** Re-asks after an unparsable output (attempts beyond the first). */
  repairs: number;
}

export interface TrajectoryBehaviour {
  /** Search steps run. */
  searches: number;
  /** Distinct queries after light normalisation (`normalizeQuery`). */
  distinctQueries: number;
  /** Searches whose normalised query equals an earlier one of this trajectory. */
  repeatedQueries: number;
  /** Searches whose query string equals an earlier one exactly. */
  exactRepeatedQueries: number;
  /** Supporting titles of the question (0: the dataset records none, recall undefined). */
  goldTitles: number;
  /** Supporting titles that appeared among any search's results. */
  goldTitlesRetrieved: number;
  /** Summary steps that succeeded. */
  summaries: number;
  /** Summaries whose normalised knowledge equals an earlier summary's. */
  repeatedSummaries: number;
  /** Summaries with `used_results=[]`. */
  uncitedSummaries: number;
  /** Text outputs (queries, knowledge, answers, revised answers) that succeeded. */
  textOutputs: number;
  /** Text outputs that reproduce content of the few-shot examples (`copiesWorkedExample`). */
  workedExampleCopies: number;
  perKind: Partial<Record<StepKind, StepKindCounts>>;
  stepFailures: number;
  repairs: number;
  /** The answer step's text, before the self-checks; null when the trajectory failed before it. */
  draftAnswer: string | null;
  /** Self-check verdicts that revised the answer. */
  revisions: number;
  promptTokens: number;
  completionTokens: number;
  /** Sum of step latencies (model and search time, without queueing). */
  stepLatencyMs: number;
}

/** Light normalisation for comparing queries: lower case, punctuation to spaces, single spaces. */
export function normalizeQuery(query: string): string {
  return query
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
}

const normTitle = (t: string) => t.trim().toLowerCase();

/** Every string the worked examples show the model (questions, queries, knowledge, answers), minus yes/no. */
export function workedExampleStrings(): string[] {
  const out = new Set<string>();
  const add = (s: unknown) => {
    if (typeof s !== 'string') return;
    const n = normalizeAnswer(s);
    if (n && !yesNo(n)) out.add(n);
  };
  for (const examples of Object.values(FEW_SHOTS)) {
    for (const ex of examples as unknown as Array<{ input: Record<string, unknown>; output: Record<string, unknown> }>) {
      add(ex.input.question);
      add(ex.input.query);
      add(ex.input.answer);
      for (const a of (ex.input.pastActions as Array<{ query: string; knowledge: string }> | undefined) ?? []) {
        add(a.query);
        add(a.knowledge);
      }
      for (const v of Object.values(ex.output)) add(v);
    }
  }
  return [...out];
}

/** Minimum length (in tokens) of an example string whose verbatim appearance inside a longer output counts. */
const MIN_EMBEDDED_COPY_TOKENS = 4;

/**
 * Whether `text` reproduces a worked example: its normalised form equals an example string, or contains one of
 * at least four tokens as a whole-token run.
 */
export function copiesWorkedExample(text: string, examples: string[]): boolean {
  const n = normalizeAnswer(text);
  if (!n || yesNo(n)) return false;
  const padded = ` ${n} `;
  return examples.some((ex) => ex === n || (ex.split(' ').length >= MIN_EMBEDDED_COPY_TOKENS && padded.includes(` ${ex} `)));
}

function isLlm(step: StepRecord): step is LlmStepRecord {
  return step.kind !== 'search';
}

/** The text fields of a parsed step output, the ones that could copy an example. */
function textsOf(parsed: StepOutputs[StepKind]): string[] {
  switch (parsed.call) {
    case 'Search':
      return [parsed.query];
    case 'Summary':
      return [parsed.knowledge];
    case 'Answer':
      return [parsed.text];
    case 'Revise_Answer':
      return [parsed.revised_answer];
    default:
      return [];
  }
}

export function trajectoryBehaviour(
  trajectory: Pick<Trajectory, 'steps'>,
  supportingTitles: string[] = [],
  examples: string[] = workedExampleStrings(),
): TrajectoryBehaviour {
  const b: TrajectoryBehaviour = {
    searches: 0, distinctQueries: 0, repeatedQueries: 0, exactRepeatedQueries: 0,
    goldTitles: new Set(supportingTitles.map(normTitle)).size, goldTitlesRetrieved: 0,
    summaries: 0, repeatedSummaries: 0, uncitedSummaries: 0, textOutputs: 0, workedExampleCopies: 0,
    perKind: {}, stepFailures: 0, repairs: 0, draftAnswer: null, revisions: 0,
    promptTokens: 0, completionTokens: 0, stepLatencyMs: 0,
  };
  const queries = new Set<string>();
  const exactQueries = new Set<string>();
  const retrieved = new Set<string>();
  const knowledge = new Set<string>();
  for (const step of trajectory.steps) {
    b.stepLatencyMs += step.latencyMs;
    if (!isLlm(step)) {
      b.searches++;
      const q = normalizeQuery(step.query);
      if (queries.has(q)) b.repeatedQueries++;
      if (exactQueries.has(step.query)) b.exactRepeatedQueries++;
      queries.add(q);
      exactQueries.add(step.query);
      for (const r of step.results) retrieved.add(normTitle(r.title));
      continue;
    }
    const counts = (b.perKind[step.kind] ??= { steps: 0, failed: 0, repairs: 0 });
    counts.steps++;
    // Sampled steps (ReST collection) keep their draws in `samples`; only re-asks in `attempts` are repairs.
    const repairs = Math.max(0, step.attempts.length - 1);
    counts.repairs += repairs;
    b.repairs += repairs;
    b.promptTokens += step.tokens.prompt;
    b.completionTokens += step.tokens.completion;
    if (step.status === 'failed' || !step.parsed) {
      counts.failed++;
      b.stepFailures++;
      continue;
    }
    const parsed = step.parsed;
    for (const text of textsOf(parsed)) {
      b.textOutputs++;
      if (copiesWorkedExample(text, examples)) b.workedExampleCopies++;
    }
    if (parsed.call === 'Summary') {
      b.summaries++;
      const k = normalizeAnswer(parsed.knowledge);
      if (knowledge.has(k)) b.repeatedSummaries++;
      knowledge.add(k);
      if (parsed.used_results.length === 0) b.uncitedSummaries++;
    }
    if (parsed.call === 'Answer') b.draftAnswer = parsed.text;
    if (parsed.call === 'Revise_Answer') b.revisions++;
  }
  b.distinctQueries = queries.size;
  for (const t of new Set(supportingTitles.map(normTitle))) if (retrieved.has(t)) b.goldTitlesRetrieved++;
  return b;
}
