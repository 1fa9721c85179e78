/**
 * The agent's LLM steps (the paper's Figure 2): decision, summary, answer, relevance check, grounding check.
 * Each step has its prompt (lib/agent/prompts.ts), its output spec (lib/agent/specs.ts), a token budget and any check
 * that needs the input (e.g. cited result ids must exist). Pure: no I/O.
 */
import type { ParseResult } from '../output-spec';
import { answerSpec, decisionSpec, groundingSpec, relevanceSpec, summarySpec } from './specs';
import { renderAnswer, renderDecision, renderGroundingCheck, renderRelevanceCheck, renderSummary } from './prompts';
import type { StepDefinition, StepInputs, StepKind, StepOutputs } from './types';

export const STEPS: { [K in StepKind]: StepDefinition<K> } = {
  decision: {
    kind: 'decision',
    spec: decisionSpec,
    maxTokens: 64,
    render: renderDecision,
  },
  summary: {
    kind: 'summary',
    spec: summarySpec,
    maxTokens: 128,
    render: renderSummary,
    check: (input, output) => {
      const bad = output.used_results.filter((id) => id > input.results.length);
      return bad.length ? `used_results cites ${bad.join(', ')}, but there are only ${input.results.length} results` : undefined;
    },
  },
  answer: {
    kind: 'answer',
    spec: answerSpec,
    maxTokens: 64,
    render: renderAnswer,
  },
  relevance_check: {
    kind: 'relevance_check',
    spec: relevanceSpec,
    maxTokens: 64,
    render: renderRelevanceCheck,
  },
  grounding_check: {
    kind: 'grounding_check',
    spec: groundingSpec,
    maxTokens: 64,
    render: renderGroundingCheck,
  },
};

export function stepDefinition<K extends StepKind>(kind: K): StepDefinition<K> {
  return STEPS[kind] as StepDefinition<K>;
}

/** Parses a step's raw output and applies its input-dependent checks. */
export function parseStepOutput<K extends StepKind>(kind: K, input: StepInputs[K], raw: string): ParseResult<StepOutputs[K]> {
  const def = stepDefinition(kind);
  const parsed = def.spec.parse(raw);
  if (!parsed.ok) return parsed;
  const problem = def.check?.(input, parsed.value);
  return problem ? { ok: false, error: problem } : parsed;
}

/** The comment added to a re-asked prompt after an unparsable output. */
export function repairNote(kind: StepKind, error: string): string {
  return `The previous attempt was not valid (${error}). Write ${stepDefinition(kind).spec.formatHint}.`;
}

/** The system message for chat-style APIs; raw-completion backends use only the program. */
export const SYSTEM_PROMPT =
  'You complete Python programs. Reply with exactly the one line of code that completes the last line of the program, and nothing else.';
