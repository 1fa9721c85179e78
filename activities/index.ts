/**
 * The activities, built once per worker from injected dependencies (model provider, search engine, store).
 * Workflows import this file as a type only, so none of these dependencies enter the workflow bundle.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { NonRetryableError } from '../ports/errors';
import type { ChatModelProvider } from '../ports/chat-model';
import type { SearchEngineProvider } from '../ports/search-engine';
import type { ArtifactStore } from '../ports/artifact-store';
import type { AgentSettings } from '../lib/config';
import { runLlmStep, StepCall } from './llm-step';
import { runSearch, SearchCall } from './search';
import { saveTrajectory, SaveTrajectoryCall } from './save-trajectory';
import type { FineTuner } from '../ports/fine-tuner';
import * as rest from './rest';
import * as evaluation from './eval';

export interface ActivityDeps {
  models: ChatModelProvider;
  search: SearchEngineProvider;
  store: ArtifactStore;
  agent: Pick<AgentSettings, 'topK' | 'maxRepairs' | 'snippetChars'>;
  /** Needed only by ReST rounds. */
  fineTuner?: FineTuner;
}

/**
 * Problems a retry cannot fix fail the activity for good; everything else is retried by Temporal.
 * While the step runs (or waits for a free model sequence) it heartbeats, so a worker that dies is noticed
 * within the heartbeat timeout instead of the whole start-to-close timeout.
 */
async function nonRetryableOnConfigError<T>(fn: () => Promise<T>, keepAlive = true): Promise<T> {
  // (The fine-tune heartbeats its own progress, which later retries resume from; no plain keep-alive there.)
  const beat = keepAlive ? setInterval(() => Context.current().heartbeat(), HEARTBEAT_EVERY_MS) : undefined;
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NonRetryableError) throw ApplicationFailure.nonRetryable(err.message, 'NonRetryableError');
    throw err;
  } finally {
    if (beat) clearInterval(beat);
  }
}

const HEARTBEAT_EVERY_MS = 5_000;

export function createActivities(deps: ActivityDeps) {
  const llm = { models: deps.models, store: deps.store, maxRepairs: deps.agent.maxRepairs };
  return {
    decide: (call: StepCall<'decision'>) => nonRetryableOnConfigError(() => runLlmStep(llm, 'decision', call)),
    summarize: (call: StepCall<'summary'>) => nonRetryableOnConfigError(() => runLlmStep(llm, 'summary', call)),
    generateAnswer: (call: StepCall<'answer'>) => nonRetryableOnConfigError(() => runLlmStep(llm, 'answer', call)),
    checkRelevance: (call: StepCall<'relevance_check'>) => nonRetryableOnConfigError(() => runLlmStep(llm, 'relevance_check', call)),
    checkGrounding: (call: StepCall<'grounding_check'>) => nonRetryableOnConfigError(() => runLlmStep(llm, 'grounding_check', call)),
    search: (call: SearchCall) =>
      nonRetryableOnConfigError(() => runSearch({ search: deps.search, store: deps.store, topK: deps.agent.topK, snippetChars: deps.agent.snippetChars }, call)),
    saveTrajectory: (call: SaveTrajectoryCall) => saveTrajectory({ store: deps.store }, call),

    // ReST: collection helpers, AI-feedback ranking, dataset, fine-tuning, evaluation, registry.
    loadQuestions: (call: { key: string; offset: number; limit: number }) => rest.loadQuestions(deps.store, call),
    rankTrajectory: (call: Parameters<typeof rest.rankTrajectory>[1]) => nonRetryableOnConfigError(() => rest.rankTrajectory(deps, call)),
    buildRoundDataset: (call: Parameters<typeof rest.buildRoundDataset>[1]) => rest.buildRoundDataset(deps.store, call),
    fineTune: (call: Parameters<typeof rest.fineTune>[1]) => {
      if (!deps.fineTuner) throw ApplicationFailure.nonRetryable('this worker has no fine-tuning backend configured', 'NonRetryableError');
      return nonRetryableOnConfigError(() => rest.fineTune({ store: deps.store, fineTuner: deps.fineTuner! }, call), false);
    },
    scoreEvaluation: (call: Parameters<typeof rest.scoreEvaluation>[1]) => rest.scoreEvaluation(deps.store, call),
    registerModel: (entry: rest.RegistryEntry) => rest.registerModel(deps.store, entry),
    writeCampaignReport: (call: Parameters<typeof rest.writeCampaignReport>[1]) => rest.writeCampaignReport(deps.store, call),

    // Evaluation: score (and judge) one answer; aggregate an evaluation into its report.
    scoreAnswer: (call: evaluation.ScoreAnswerCall) => nonRetryableOnConfigError(() => evaluation.scoreAnswer({ ...llm }, call)),
    writeEvalReport: (call: evaluation.WriteEvalReportCall) => evaluation.writeEvalReport(deps.store, call),
  };
}

export type Activities = ReturnType<typeof createActivities>;
