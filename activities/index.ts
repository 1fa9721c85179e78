/**
 * The activities, built once per worker from injected dependencies (model provider, search engines, store).
 * Workflows import this file as a type only, so none of these dependencies enter the workflow bundle.
 *
 * Every activity maps `NonRetryableError` to a non-retryable failure (./failures.ts). Those that may wait long
 * without progress of their own (LLM steps, ranking) also heartbeat while they work (./heartbeat.ts); the
 * fine-tune heartbeats its own progress. workflows/activity-options.ts gives each group its timeouts.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { ChatModelProvider } from '../ports/chat-model';
import type { SearchEngineProvider } from '../ports/search-engine';
import type { ArtifactStore } from '../ports/artifact-store';
import type { FineTuner } from '../ports/fine-tuner';
import type { AgentSettings } from '../lib/config';
import { mapNonRetryable } from './failures';
import { heartbeatWhile } from './heartbeat';
import { runLlmStep, StepCall } from './llm-step';
import { runSearch, SearchCall } from './search';
import { saveTrajectory, SaveTrajectoryCall } from './save-trajectory';
import { loadQuestions, LoadQuestionsCall } from './load-questions';
import { rankTrajectory, RankTrajectoryCall } from './rank-trajectory';
import { buildRoundDataset, BuildRoundDatasetCall } from './build-round-dataset';
import { fineTune, FineTuneCall } from './fine-tune';
import { scoreEvaluation, ScoreEvaluationCall } from './score-evaluation';
import { registerModel, RegistryEntry } from './register-model';
import { writeCampaignReport, CampaignReportCall } from './write-campaign-report';
import { prepareDistillation, PrepareDistillationCall } from './prepare-distillation';
import { recordDistillation, RecordDistillationCall } from './record-distillation';
import { readArtifact, type ReadArtifactCall } from './read-artifact';
import { writeArtifact } from './write-artifact';
import { scoreAnswer, type ScoreAnswerCall } from './score-answer';
import { writeEvalReport, type WriteEvalReportCall } from './write-eval-report';
import { judgeAnswer, type JudgeCall } from './judge';
import { compareEvals, type CompareEvalsCall } from './compare-evals';

export interface ActivityDeps {
  models: ChatModelProvider;
  search: SearchEngineProvider;
  store: ArtifactStore;
  agent: Pick<AgentSettings, 'topK' | 'maxRepairs' | 'snippetChars' | 'grounding'>;
  /** Needed only by ReST rounds. */
  fineTuner?: FineTuner;
  /** A directory on the worker's machine for local copies of artifacts (the fine-tune's files); needed only by ReST rounds. */
  workDir?: string;
}

/** Maps NonRetryableError, and heartbeats while `fn` runs. */
const waiting = <T>(fn: () => Promise<T>) => mapNonRetryable(() => heartbeatWhile(fn));

export function createActivities(deps: ActivityDeps) {
  const llm = { models: deps.models, store: deps.store, maxRepairs: deps.agent.maxRepairs, grounding: deps.agent.grounding };
  const search = { search: deps.search, store: deps.store, topK: deps.agent.topK, snippetChars: deps.agent.snippetChars };
  return {
    // The agent (trajectoryWorkflow).
    decide: (call: StepCall<'decision'>) => waiting(() => runLlmStep(llm, 'decision', call)),
    summarize: (call: StepCall<'summary'>) => waiting(() => runLlmStep(llm, 'summary', call)),
    generateAnswer: (call: StepCall<'answer'>) => waiting(() => runLlmStep(llm, 'answer', call)),
    checkRelevance: (call: StepCall<'relevance_check'>) => waiting(() => runLlmStep(llm, 'relevance_check', call)),
    checkGrounding: (call: StepCall<'grounding_check'>) => waiting(() => runLlmStep(llm, 'grounding_check', call)),
    search: (call: SearchCall) => mapNonRetryable(() => runSearch(search, call)),
    saveTrajectory: (call: SaveTrajectoryCall) => mapNonRetryable(() => saveTrajectory(deps, call)),

    // ReST: collection helpers, AI-feedback ranking, dataset, fine-tuning, evaluation, registry, report.
    loadQuestions: (call: LoadQuestionsCall) => mapNonRetryable(() => loadQuestions(deps, call)),
    rankTrajectory: (call: RankTrajectoryCall) => waiting(() => rankTrajectory(deps, call)),
    buildRoundDataset: (call: BuildRoundDatasetCall) => mapNonRetryable(() => buildRoundDataset(deps, call)),
    fineTune: (call: FineTuneCall) => {
      const { fineTuner, workDir } = deps;
      if (!fineTuner || !workDir) throw ApplicationFailure.nonRetryable('this worker has no fine-tuning backend configured', 'NonRetryableError');
      return mapNonRetryable(() => fineTune({ store: deps.store, fineTuner, workDir }, call));
    },
    scoreEvaluation: (call: ScoreEvaluationCall) => mapNonRetryable(() => scoreEvaluation(deps, call)),
    registerModel: (entry: RegistryEntry) => mapNonRetryable(() => registerModel(deps, entry)),
    writeCampaignReport: (call: CampaignReportCall) => mapNonRetryable(() => writeCampaignReport(deps, call)),

    // Distillation: the teacher's data (or that it is not new), then the registry entries of student and teacher.
    prepareDistillation: (call: PrepareDistillationCall) => mapNonRetryable(() => prepareDistillation(deps, call)),
    recordDistillation: (call: RecordDistillationCall) => mapNonRetryable(() => recordDistillation(deps, call)),

    // Artifacts for clients that cannot reach the store themselves (the CLI on another machine).
    readArtifact: (call: ReadArtifactCall) => mapNonRetryable(() => readArtifact(deps, call)),
    writeArtifact: (call: { key: string; text: string }) => mapNonRetryable(() => writeArtifact(deps, call)),

    // Evaluation: score (and judge) one answer; aggregate an evaluation into its report; judge one human-labelled
    // answer (calibration).
    scoreAnswer: (call: ScoreAnswerCall) => waiting(() => scoreAnswer(llm, call)),
    writeEvalReport: (call: WriteEvalReportCall) => mapNonRetryable(() => writeEvalReport(deps.store, call)),
    compareEvals: (call: CompareEvalsCall) => mapNonRetryable(() => compareEvals(deps, call)),
    judgeAnswer: (call: JudgeCall) => waiting(() => judgeAnswer(llm, call)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
