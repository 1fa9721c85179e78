/**
 * What the agent's LLM steps take and give (the paper's Figure 2): decision, summary, answer, relevance check,
 * grounding check. Types only, so few-shots, prompts, records and workflows share them without an import circle.
 */
import type { OutputSpec } from '../output-spec';

export type StepKind = 'decision' | 'summary' | 'answer' | 'relevance_check' | 'grounding_check';
export const LLM_STEP_KINDS: StepKind[] = ['decision', 'summary', 'answer', 'relevance_check', 'grounding_check'];

export interface PastAction {
  query: string;
  knowledge: string;
}

export interface SearchResultView {
  title: string;
  snippet: string;
}

export interface DecisionInput {
  question: string;
  pastActions: PastAction[];
  remainingSearches: number;
}
export interface SummaryInput {
  question: string;
  query: string;
  results: SearchResultView[];
  /** What earlier summaries of the trajectory stated: a grounded summary does not state it again. */
  known?: string[];
}
export interface AnswerInput {
  question: string;
  pastActions: PastAction[];
}
export interface CheckInput {
  question: string;
  pastActions: PastAction[];
  answer: string;
}

export type Decision = { call: 'Search'; query: string } | { call: 'Terminate' };
export type Summary = { call: 'Summary'; knowledge: string; used_results: number[] };
export type Answer = { call: 'Answer'; text: string };
export type CheckVerdict = { call: 'Check_Answer'; passed: boolean } | { call: 'Revise_Answer'; revised_answer: string };

export interface StepInputs {
  decision: DecisionInput;
  summary: SummaryInput;
  answer: AnswerInput;
  relevance_check: CheckInput;
  grounding_check: CheckInput;
}
export interface StepOutputs {
  decision: Decision;
  summary: Summary;
  answer: Answer;
  relevance_check: CheckVerdict;
  grounding_check: CheckVerdict;
}

/**
 * How free a step's output is: `evidence` builds each call's grammar from its input, so summaries state sentences
 * of the results and answers are spans of the knowledge (what a small model needs); `free` allows any text of
 * the right form (a strong model on an OpenAI-compatible server), checked by the same rules after the fact.
 */
export type Grounding = 'evidence' | 'free';

export interface StepDefinition<K extends StepKind> {
  kind: K;
  /** The free form of the output: few-shot examples and fine-tuning targets render with it. */
  spec: OutputSpec<StepOutputs[K]>;
  /** The output this call may give under `evidence` grounding (absent: the free spec). */
  groundedSpec?(input: StepInputs[K]): OutputSpec<StepOutputs[K]>;
  /** Output token budget; the grammar's string bounds keep real outputs well below it. */
  maxTokens: number;
  render(input: StepInputs[K], notes?: string[]): string;
  /** Rules that need the input as well as the output. */
  check?(input: StepInputs[K], output: StepOutputs[K]): string | undefined;
  /**
   * The value to continue with when every attempt broke a rule (rather than failing the trajectory), e.g.
   * Terminate() for a decision that only repeats earlier searches; undefined to fail.
   */
  fallback?(input: StepInputs[K], lastError: string): StepOutputs[K] | undefined;
  /**
   * What the prompt shows of the input under `evidence` grounding, where the grammar offers only some of it (a
   * summary's results cut to the sentences it may state); absent: the input as it is.
   */
  groundedView?(input: StepInputs[K]): StepInputs[K];
  /** The input with the question blanked out: the baseline of a choice by PMI with the question (lib/agent/choice-scoring.ts). */
  withoutQuestion?(input: StepInputs[K]): StepInputs[K];
}
