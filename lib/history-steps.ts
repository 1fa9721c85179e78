/**
 * A trajectory's steps read back from its workflow history alone (`restact replay ID --show`): each agent activity's
 * recorded input and result (the parsed value, the search results, the step's artifact key), or its failure. Pure:
 * the client decodes the history's payloads into `RecordedActivity`s first.
 */
import type { SearchResultView, StepKind } from './agent/types';
import type { StepRecord, StepRef } from './trajectory';

/** One activity as the history recorded it. */
export interface RecordedActivity {
  scheduledEventId: number;
  activityType: string;
  input: unknown;
  status: 'completed' | 'failed' | 'timed out' | 'cancelled' | 'running';
  result?: unknown;
  failure?: string;
  attempts: number;
  /** A local activity: the history has its result (with the call echoed in it) but not its input. */
  local?: boolean;
}

/** The trajectory workflow's LLM-step activities and the step each one runs. */
export const STEP_ACTIVITIES: Record<string, StepKind> = {
  decide: 'decision',
  summarize: 'summary',
  generateAnswer: 'answer',
  checkRelevance: 'relevance_check',
  checkGrounding: 'grounding_check',
};

export interface ShownStep {
  /** Position in the trajectory (the step index the workflow gave the activity). */
  index: number;
  /** The step kind (`decision`, ..., `search`), or the activity type for any other activity. */
  kind: string;
  activity: string;
  scheduledEventId: number;
  /** `failed`: the step's output stayed unparsable; `activity failed`: the activity itself failed for good. */
  status: 'ok' | 'failed' | 'activity failed' | 'running';
  /** The step's input (question, past actions, results shown), or the search query. */
  input?: unknown;
  query?: string;
  parsed?: unknown;
  raw?: string;
  error?: string;
  results?: SearchResultView[];
  attempts: number;
  /** Artifact key of the step's full record. */
  ref?: string;
  /** The full record (prompt, raw outputs, attempts, tokens), when it could be read from the artifact store. */
  record?: StepRecord;
}

type Call = { index?: number; input?: unknown; query?: string };
/** A local step's result carries its call (activities/index.ts `withCall`). */
type Outcome = { step?: StepRef; value?: unknown; error?: string; raw?: string; results?: SearchResultView[]; call?: Call };

const NOT_STEPS = new Set(['saveTrajectory']);

export function stepsFromHistory(activities: RecordedActivity[]): ShownStep[] {
  let lastQuery: string | undefined; // a local search that failed recorded no call: its query is the decision's
  return activities
    .filter((a) => !NOT_STEPS.has(a.activityType))
    .map((a, i) => {
      const outcome = (a.result ?? {}) as Outcome;
      const call = (a.input ?? outcome.call ?? {}) as Call;
      const kind: string = STEP_ACTIVITIES[a.activityType] ?? (a.activityType === 'search' ? 'search' : a.activityType);
      const decided = outcome.value as { call?: string; query?: string } | undefined;
      if (kind === 'decision') lastQuery = decided?.call === 'Search' ? decided.query : undefined;
      const query = call.query ?? (kind === 'search' ? lastQuery : undefined);
      const base = { index: call.index ?? outcome.step?.index ?? i, kind, activity: a.activityType, scheduledEventId: a.scheduledEventId, attempts: a.attempts, ref: outcome.step?.ref };
      if (a.status !== 'completed') {
        return { ...base, status: a.status === 'running' ? 'running' : 'activity failed', input: call.input, query, error: a.failure ?? a.status } as ShownStep;
      }
      if (kind === 'search') return { ...base, status: 'ok', query, results: outcome.results ?? [] } as ShownStep;
      const failed = outcome.step?.status === 'failed' || (outcome.step && outcome.value === undefined);
      return { ...base, status: failed ? 'failed' : 'ok', input: call.input, parsed: outcome.value, raw: outcome.raw, error: outcome.error } as ShownStep;
    });
}
