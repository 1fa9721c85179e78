/**
 * The activities, built once per worker from injected dependencies (model provider, search engines, store).
 * Workflows import this file as a type only, so none of these dependencies enter the workflow bundle.
 *
 * Every activity maps `NonRetryableError` to a non-retryable failure (./failures.ts) and heartbeats while it works
 * (./heartbeat.ts; the fine-tune with its progress), so a dead worker is noticed within the heartbeat timeout
 * (workflows/activity-options.ts gives each group its timeouts). The model
 * calls of LLM steps and ranking are counted by class in a failure ledger per attempt (./failure-ledger.ts).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ChatModelProvider } from '../ports/chat-model';
import type { SearchEngineProvider } from '../ports/search-engine';
import type { ArtifactStore } from '../ports/artifact-store';
import type { FineTuner } from '../ports/fine-tuner';
import type { AgentSettings } from '../lib/config';
import { mapNonRetryable } from './failures';
import { heartbeatWhile } from './heartbeat';
import { runLlmStep, StepCall } from './llm-step';
import { FailureLedger, withFailureLedger } from './failure-ledger';
import { tallyFailures, TallyFailuresCall } from './tally-failures';
import { parseStepOutput } from '../lib/agent/steps';
import { parseJudgement } from '../lib/eval/judge';
import type { StepKind } from '../lib/agent/types';
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
  agent: Pick<AgentSettings, 'topK' | 'maxRepairs' | 'snippetChars' | 'grounding'> & Partial<Pick<AgentSettings, 'pmiSteps'>>;
  /** Needed only by ReST rounds. */
  fineTuner?: FineTuner;
  /** A directory on the worker's machine for local copies of artifacts (the fine-tune's files); needed only by ReST rounds. */
  workDir?: string;
}

/** Maps NonRetryableError, and heartbeats while `fn` runs. */
const waiting = <T>(fn: () => Promise<T>) => mapNonRetryable(() => heartbeatWhile(fn));
/** The same for activities that are usually done within milliseconds: they heartbeat only when one is slow. */
const io = waiting;

/**
 * A local activity's history records its result but not its input (a marker, not an ActivityTaskScheduled
 * event): the trajectory's steps return their call with the result, so `restact replay --show` can still show each
 * step's input from the history alone.
 */
async function withCall<C, R extends { call?: C }>(call: C, run: Promise<R>): Promise<R> {
  const result = await run;
  return Context.current().info.isLocal ? { ...result, call } : result;
}

export function createActivities(deps: ActivityDeps) {
  const llm = { models: deps.models, store: deps.store, maxRepairs: deps.agent.maxRepairs, grounding: deps.agent.grounding, pmiSteps: deps.agent.pmiSteps };
  const search = { search: deps.search, store: deps.store, topK: deps.agent.topK, snippetChars: deps.agent.snippetChars };
  /** One LLM step; its model calls counted in a ledger, outputs its own parser rejects as unparsable. */
  const llmStep = <K extends StepKind>(kind: K, call: StepCall<K>) => {
    const ledger = new FailureLedger((_, text) => parseStepOutput(kind, call.input, text, deps.agent.grounding).ok);
    const watched = { ...llm, models: ledger.watch(deps.models) };
    const where = { trajectoryId: call.trajectoryId, activity: `${String(call.index).padStart(2, '0')}-${kind}` };
    return withCall(call, waiting(() => withFailureLedger(deps.store, where, ledger, () => runLlmStep(watched, kind, call))));
  };
  return {
    // The agent (trajectoryWorkflow).
    decide: (call: StepCall<'decision'>) => llmStep('decision', call),
    summarize: (call: StepCall<'summary'>) => llmStep('summary', call),
    generateAnswer: (call: StepCall<'answer'>) => llmStep('answer', call),
    checkRelevance: (call: StepCall<'relevance_check'>) => llmStep('relevance_check', call),
    checkGrounding: (call: StepCall<'grounding_check'>) => llmStep('grounding_check', call),
    search: (call: SearchCall) => withCall(call, io(() => runSearch(search, call))),
    saveTrajectory: (call: SaveTrajectoryCall) => io(() => saveTrajectory(deps, call)),

    // ReST: collection helpers, AI-feedback ranking, dataset, fine-tuning, evaluation, registry, report.
    loadQuestions: (call: LoadQuestionsCall) => io(() => loadQuestions(deps, call)),
    rankTrajectory: (call: RankTrajectoryCall) => {
      const ledger = new FailureLedger();
      const ranking = { models: ledger.watch(deps.models), store: deps.store, ledger, grounding: deps.agent.grounding };
      return waiting(() => withFailureLedger(deps.store, { trajectoryId: call.workflowId, activity: 'rank' }, ledger, () => rankTrajectory(ranking, call)));
    },
    tallyFailures: (call: TallyFailuresCall) => io(() => tallyFailures(deps, call)),
    buildRoundDataset: (call: BuildRoundDatasetCall) => io(() => buildRoundDataset(deps, call)),
    fineTune: (call: FineTuneCall) => {
      const { fineTuner, workDir } = deps;
      if (!fineTuner || !workDir) throw ApplicationFailure.nonRetryable('this worker has no fine-tuning backend configured', 'NonRetryableError');
      return mapNonRetryable(() => fineTune({ store: deps.store, fineTuner, workDir }, call));
    },
    scoreEvaluation: (call: ScoreEvaluationCall) => io(() => scoreEvaluation(deps, call)),
    registerModel: (entry: RegistryEntry) => io(() => registerModel(deps, entry)),
    writeCampaignReport: (call: CampaignReportCall) => io(() => writeCampaignReport(deps, call)),

    // Distillation: the teacher's data (or that it is not new), then the registry entries of student and teacher.
    prepareDistillation: (call: PrepareDistillationCall) => mapNonRetryable(() => prepareDistillation(deps, call)),
    recordDistillation: (call: RecordDistillationCall) => mapNonRetryable(() => recordDistillation(deps, call)),

    // Artifacts for clients that cannot reach the store themselves (the CLI on another machine).
    readArtifact: (call: ReadArtifactCall) => io(() => readArtifact(deps, call)),
    writeArtifact: (call: { key: string; text: string }) => io(() => writeArtifact(deps, call)),

    // Evaluation: score (and judge) one answer; aggregate an evaluation into its report; judge one human-labelled
    // answer (calibration).
    scoreAnswer: (call: ScoreAnswerCall) => {
      // The judge's model calls are counted under the trajectory they judge (evalWorkflow adds them up).
      const ledger = new FailureLedger((_, text) => parseJudgement(text).ok);
      const judging = { ...llm, models: ledger.watch(deps.models) };
      return waiting(() => withFailureLedger(deps.store, { trajectoryId: call.workflowId, activity: 'judge' }, ledger, () => scoreAnswer(judging, call)));
    },
    writeEvalReport: (call: WriteEvalReportCall) => io(() => writeEvalReport(deps.store, call)),
    compareEvals: (call: CompareEvalsCall) => io(() => compareEvals(deps, call)),
    judgeAnswer: (call: JudgeCall) => waiting(() => judgeAnswer(llm, call)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
