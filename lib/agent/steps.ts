/**
 * The agent's LLM steps (the paper's Figure 2): decision, summary, answer, relevance check, grounding check.
 * Each step has its prompt (lib/agent/prompts.ts), its output spec, free and grounded (lib/agent/specs.ts), a
 * token budget, and the checks that need the input: no repeated search, cited results that exist, an answer of
 * the type the question asks for, no worked example copied. Pure: no I/O.
 */
import type { OutputSpec, ParseResult } from '../output-spec';
import type { ChatRequest } from '../../ports/chat-model';
import { COMPLETION_LEAD } from '../call-grammar';
import {
  answerSpec,
  decisionSpec,
  groundedDecisionSpec,
  groundedAnswerSpec,
  groundedGroundingSpec,
  groundedRelevanceSpec,
  groundedSummarySpec,
  groundingSpec,
  relevanceSpec,
  summarySpec,
} from './specs';
import { renderAnswer, renderDecision, renderGroundingCheck, renderRelevanceCheck, renderSummary } from './prompts';
import { answerTypeProblem, answerWords, classifyQuestion } from './question-type';
import { copiedExample, exampleText } from './copy-check';
import { FEW_SHOTS } from './few-shots';
import { NO_QUESTION } from './choice-scoring';
import { offeredResults } from './evidence';
import type { CheckInput, CheckVerdict, Grounding, StepDefinition, StepInputs, StepKind, StepOutputs } from './types';

/** The start of the decision check's message for a repeated search: all attempts repeating means Terminate. */
export const REPEATED_SEARCH = 'repeats the earlier search';
const COPIED = 'copies a worked example';

const EXAMPLE_TEXT = exampleText(FEW_SHOTS);

/** A revision must itself answer the question's type (a same-answer revision is a pass, see sameAnswer). */
function checkRevision(input: CheckInput, output: CheckVerdict): string | undefined {
  if (output.call !== 'Revise_Answer') return undefined;
  const problem = answerTypeProblem(output.revised_answer, classifyQuestion(input.question));
  return problem && `revised_answer: ${problem}`;
}

export const STEPS: { [K in StepKind]: StepDefinition<K> } = {
  decision: {
    kind: 'decision',
    spec: decisionSpec,
    groundedSpec: groundedDecisionSpec,
    maxTokens: 64,
    render: renderDecision,
    check: (input, output) => {
      if (output.call !== 'Search') return undefined;
      const words = answerWords(output.query).join(' ');
      const earlier = input.pastActions.find((a) => answerWords(a.query).join(' ') === words);
      return earlier && `${REPEATED_SEARCH} ${JSON.stringify(earlier.query)}; search for a fact not in PAST_ACTIONS yet, or Terminate()`;
    },
    // A model that can only repeat itself has nothing new to search for.
    fallback: (_input, lastError) => (lastError.startsWith(REPEATED_SEARCH) || lastError.startsWith(COPIED) ? { call: 'Terminate' } : undefined),
  },
  summary: {
    kind: 'summary',
    spec: summarySpec,
    groundedSpec: groundedSummarySpec,
    // Two sentences of up to MAX_SENTENCE_CHARS each (summaryStatements), at 2 characters a token or more.
    maxTokens: 384,
    render: renderSummary,
    groundedView: (input) => ({ ...input, results: offeredResults(input, input.known ?? []) }),
    withoutQuestion: (input) => ({ ...input, question: NO_QUESTION }),
    check: (input, output) => {
      const bad = output.used_results.filter((id) => id > input.results.length);
      return bad.length ? `used_results cites ${bad.join(', ')}, but there are only ${input.results.length} results` : undefined;
    },
  },
  answer: {
    kind: 'answer',
    spec: answerSpec,
    groundedSpec: groundedAnswerSpec,
    maxTokens: 64,
    render: renderAnswer,
    // The cheap, deterministic type check that runs before the LLM self-checks.
    check: (input, output) => answerTypeProblem(output.text, classifyQuestion(input.question)),
  },
  relevance_check: {
    kind: 'relevance_check',
    spec: relevanceSpec,
    groundedSpec: groundedRelevanceSpec,
    maxTokens: 64,
    render: renderRelevanceCheck,
    check: checkRevision,
  },
  grounding_check: {
    kind: 'grounding_check',
    spec: groundingSpec,
    groundedSpec: groundedGroundingSpec,
    maxTokens: 64,
    render: renderGroundingCheck,
    check: checkRevision,
  },
};

export function stepDefinition<K extends StepKind>(kind: K): StepDefinition<K> {
  return STEPS[kind] as StepDefinition<K>;
}

/** The output spec of one call: grounded in the step's input under `evidence`, the free form under `free`. */
export function specFor<K extends StepKind>(kind: K, input: StepInputs[K], grounding: Grounding): OutputSpec<StepOutputs[K]> {
  const def = stepDefinition(kind);
  return grounding === 'evidence' && def.groundedSpec ? def.groundedSpec(input) : def.spec;
}

/** The input as a call's prompt shows it: under `evidence` grounding, only what its grammar offers (groundedView). */
export function promptInput<K extends StepKind>(kind: K, input: StepInputs[K], grounding: Grounding): StepInputs[K] {
  const def = stepDefinition(kind);
  return grounding === 'evidence' && def.groundedView ? def.groundedView(input) : input;
}

/** A call's prompt: the step's program for the input as the call shows it (promptInput), with any repair notes. */
export function stepPrompt<K extends StepKind>(kind: K, input: StepInputs[K], grounding: Grounding, notes?: string[]): string {
  return stepDefinition(kind).render(promptInput(kind, input, grounding), notes);
}

/** A step's model request: the system prompt, the rendered program, the call's grammar, one line of output. */
export function stepRequest(kind: StepKind, prompt: string, spec: OutputSpec<unknown>, temperature: number): ChatRequest {
  return {
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: prompt },
    ],
    grammar: spec.grammar,
    temperature,
    maxTokens: stepDefinition(kind).maxTokens,
    stop: ['\n'],
  };
}

/** Parses a step's raw output against the call's spec, then applies the checks that need the input. */
export function parseStepOutput<K extends StepKind>(kind: K, input: StepInputs[K], raw: string, grounding: Grounding = 'free'): ParseResult<StepOutputs[K]> {
  const parsed = specFor(kind, input, grounding).parse(raw);
  if (!parsed.ok) return parsed;
  const problem = stepDefinition(kind).check?.(input, parsed.value);
  if (problem) return { ok: false, error: problem };
  const copied = copiedExample(parsed.value, input, EXAMPLE_TEXT);
  if (copied) return { ok: false, error: `${COPIED} (${JSON.stringify(copied)}): write about ORIGINAL_QUESTION, not the examples` };
  return parsed;
}

/** The comment added to a re-asked prompt after an unparsable output. */
export function repairNote(spec: OutputSpec<unknown>, error: string): string {
  return `The previous attempt was not valid (${error}). Write ${spec.formatHint}.`;
}

/** What the model writes after the program's open line for `value`: a fine-tuning target. */
export function completionText<K extends StepKind>(kind: K, value: StepOutputs[K]): string {
  return COMPLETION_LEAD + stepDefinition(kind).spec.render(value);
}

/** The system message for chat-style APIs; raw-completion backends use only the program. */
export const SYSTEM_PROMPT =
  'You complete Python programs. Reply with exactly the one line of code that completes the last line of the program, and nothing else.';
