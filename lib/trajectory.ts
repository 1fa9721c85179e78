/**
 * What a trajectory is made of. Full records (prompts, raw outputs, search results) live in the artifact
 * store (keys in lib/artifact-keys.ts); workflows hold only `StepRef`s and the few values the loop needs.
 */
import type { StepInputs, StepKind, StepOutputs } from './agent/types';

export interface TokenCounts {
  prompt: number;
  completion: number;
}

export interface StepAttempt {
  raw: string;
  /** Why the output was rejected; absent for the accepted attempt. */
  error?: string;
  tokens: TokenCounts;
  latencyMs: number;
}

/** One of several samples drawn for a step (ReST collection); ranking picks the fine-tuning target among them. */
export interface StepSample extends StepAttempt {
  parsed?: unknown;
  /** exp(-mean token log-probability), when the backend gave log-probabilities. */
  perplexity?: number;
}

/** The full record of one LLM step, as stored. */
export interface LlmStepRecord<K extends StepKind = StepKind> {
  index: number;
  kind: K;
  status: 'ok' | 'failed';
  model: string;
  input: StepInputs[K];
  /** The prompt of the last attempt (earlier attempts differ only by the repair note). */
  prompt: string;
  raw: string;
  parsed?: StepOutputs[K];
  error?: string;
  attempts: StepAttempt[];
  /** All samples, when the step was sampled several times; `attempts[0]` is the one that continued. */
  samples?: StepSample[];
  /**
   * How the continuing output was chosen: among samples, by lowest perplexity or as the first parsable one (no
   * log-probs); `highest_pmi`: the grammar's line the question made most likely (lib/agent/choice-scoring.ts).
   */
  selection?: 'lowest_perplexity' | 'first_parsable' | 'highest_pmi';
  /** Every attempt broke a rule the step recovers from: `parsed` is the step's fallback (a decision's Terminate). */
  fallback?: boolean;
  tokens: TokenCounts;
  latencyMs: number;
}

export interface SearchResultRecord {
  id: string;
  title: string;
  snippet: string;
  score: number;
}

export interface SearchStepRecord {
  index: number;
  kind: 'search';
  status: 'ok';
  query: string;
  results: SearchResultRecord[];
  latencyMs: number;
}

export type StepRecord = LlmStepRecord | SearchStepRecord;

/** What an activity returns to the workflow about a step: small, with a reference to the full record. */
export interface StepRef {
  index: number;
  kind: StepKind | 'search';
  status: 'ok' | 'failed';
  /** Artifact key of the full record. */
  ref: string;
}

export type TrajectoryStatus = 'answered' | 'failed';

export interface TrajectoryInput {
  questionId: string;
  question: string;
  /** Model reference (`--model`); undefined = the worker's configured model. */
  model?: string;
  /** At most 10, as in the paper. */
  maxSearches?: number;
  temperature?: number;
  /** Samples per reasoning step (ReST collection; the paper uses 4). Default 1. */
  stepSamples?: number;
  /** The search index to use (a path on the worker's machine); unset = the worker's configured index. */
  searchDb?: string;
  /** The steps as local activities (config `temporal.localSteps`). */
  localSteps?: boolean;
}

export interface TrajectoryResult {
  workflowId: string;
  questionId: string;
  status: TrajectoryStatus;
  answer: string | null;
  /** Why the trajectory failed, when it did. */
  failure?: string;
  searches: number;
  steps: number;
  /** Artifact key of the full trajectory JSON. */
  trajectoryRef: string;
}

export interface Trajectory {
  workflowId: string;
  questionId: string;
  question: string;
  model?: string;
  status: TrajectoryStatus;
  answer: string | null;
  failure?: string;
  steps: StepRecord[];
}

/** `{ localSteps: true }` when set, else nothing: without it, a trajectory's input stays as it was before the option. */
export function withLocalSteps(input: { localSteps?: boolean }): { localSteps?: true } {
  return input.localSteps ? { localSteps: true } : {};
}
