/**
 * The ReAct search agent of "ReST meets ReAct" (Figure 2), as a durable workflow.
 *
 * Loop: decide (search or terminate) -> search -> summarise, at most `maxSearches` times, or until a search
 * brings no passage the trajectory has not seen; then answer -> relevance self-check -> grounding self-check
 * (each may revise the answer; a revision to the same answer is a pass).
 *
 * Only orchestration lives here: every box is one activity (a local one with config temporal.localSteps:
 * workflows/activity-options.ts); the full records go to the artifact store.
 */
import { ActivityFailure, ApplicationFailure, patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { StepOutcome } from '../activities/llm-step';
import type { CheckVerdict, PastAction, StepKind, StepOutputs } from '../lib/agent/types';
import { sameAnswer } from '../lib/agent/question-type';
import type { StepRef, TrajectoryInput, TrajectoryResult, TrajectoryStatus } from '../lib/trajectory';
import { OUTCOME } from '../lib/search-attributes';
import { heartbeating, io as remoteIo, localSteps } from './activity-options';

/** A step whose output stayed unparsable after its repairs: the trajectory ends as failed. */
class StepFailed extends Error {}

/** The paper's bound on searches per trajectory. */
const MAX_SEARCHES = 10;

export async function trajectoryWorkflow(input: TrajectoryInput): Promise<TrajectoryResult> {
  const { workflowId } = workflowInfo();
  const { question } = input;
  const maxSearches = Math.min(input.maxSearches ?? MAX_SEARCHES, MAX_SEARCHES);
  const steps: StepRef[] = [];
  const pastActions: PastAction[] = [];
  const seen: string[] = []; // passage ids shown so far: a search pages past them
  // Local steps (config temporal.localSteps) skip the server round trip per step; histories recorded before this
  // patch ran every step as a regular activity.
  const local = input.localSteps === true && patched('local-agent-steps');
  const llm = local ? localSteps : heartbeating;
  const io = local ? localSteps : remoteIo;
  const call = { trajectoryId: workflowId, model: input.model, temperature: input.temperature ?? 0, samples: input.stepSamples };

  /** Records the step and returns its value, or ends the trajectory if it failed for good. */
  function accept<K extends StepKind>(outcome: StepOutcome<K>): StepOutputs[K] {
    steps.push(outcome.step);
    if (!outcome.value) throw new StepFailed(outcome.error);
    return outcome.value;
  }

  let answer: string | null = null;
  let status: TrajectoryStatus = 'answered';
  let failure: string | undefined;
  try {
    // Reasoning and search: decide, search, summarise, until Terminate or no searches remain.
    for (let remaining = maxSearches; remaining > 0; remaining--) {
      const decision = accept(await llm.decide({ ...call, index: steps.length, input: { question, pastActions, remainingSearches: remaining } }));
      if (decision.call === 'Terminate') break;

      const searched = await io.search({ trajectoryId: workflowId, index: steps.length, query: decision.query, searchDb: input.searchDb, exclude: seen });
      steps.push(searched.step);
      // Nothing left to learn this way. Local-step histories all postdate this patch: they need no marker for it.
      if ((local || patched('stop-when-nothing-new')) && searched.results.length === 0) break;
      seen.push(...(searched.passageIds ?? []));

      const known = pastActions.map((a) => a.knowledge);
      const summary = accept(
        await llm.summarize({ ...call, index: steps.length, input: { question, query: decision.query, results: searched.results, known } }),
      );
      pastActions.push({ query: decision.query, knowledge: summary.knowledge });
    }

    // Answer generation.
    answer = accept(await llm.generateAnswer({ ...call, index: steps.length, input: { question, pastActions } })).text;

    // Self-check 1: is the answer relevant to the question?
    const relevance = accept(await llm.checkRelevance({ ...call, index: steps.length, input: { question, pastActions, answer } }));
    answer = revised(answer, relevance);

    // Self-check 2: is the answer grounded in what the searches found?
    const grounding = accept(await llm.checkGrounding({ ...call, index: steps.length, input: { question, pastActions, answer } }));
    answer = revised(answer, grounding);
  } catch (err) {
    if (!(err instanceof StepFailed) && !(err instanceof ActivityFailure)) throw err;
    status = 'failed';
    failure = describeFailure(err);
  }

  upsertSearchAttributes([{ key: OUTCOME, value: status }]);
  const trajectoryRef = await io.saveTrajectory({
    workflowId,
    questionId: input.questionId,
    question,
    model: input.model,
    status,
    answer,
    failure,
    steps,
  });
  return {
    workflowId,
    questionId: input.questionId,
    status,
    answer,
    failure,
    searches: pastActions.length,
    steps: steps.length,
    trajectoryRef,
  };
}

/** The answer after a self-check: its revision, unless that only restates the answer (then it passed). */
function revised(answer: string, verdict: CheckVerdict): string {
  return verdict.call === 'Revise_Answer' && !sameAnswer(verdict.revised_answer, answer) ? verdict.revised_answer : answer;
}

function describeFailure(err: Error): string {
  if (err instanceof ActivityFailure) {
    const cause = err.cause instanceof ApplicationFailure ? `${err.cause.type ?? 'Error'}: ${err.cause.message}` : err.cause?.message;
    return `activity ${err.activityType} failed: ${cause ?? err.message}`;
  }
  return err.message;
}
