/**
 * The agent loop of workflows/trajectory.ts as plain in-process calls to the same activity functions (runLlmStep,
 * runSearch, saveTrajectory): the baseline Temporal's orchestration is measured against. Keep it step for step
 * the same as the workflow, so the two sides do the same work.
 */
import { runLlmStep } from '../activities/llm-step';
import { runSearch } from '../activities/search';
import { saveTrajectory } from '../activities/save-trajectory';
import type { ActivityDeps } from '../activities';
import type { PastAction } from '../lib/agent/types';
import { sameAnswer } from '../lib/agent/question-type';
import type { StepRef } from '../lib/trajectory';

export interface PlainTrajectory {
  status: 'answered' | 'failed';
  /** LLM steps run (each one activity in the workflow). */
  llmSteps: number;
  /** Activities the workflow would have run: LLM steps, searches and the final save. */
  activities: number;
}

type LoopDeps = Pick<ActivityDeps, 'models' | 'search' | 'store' | 'agent'>;

export async function runTrajectoryInProcess(
  deps: LoopDeps,
  input: { trajectoryId: string; question: string; maxSearches: number; temperature?: number; model?: string },
): Promise<PlainTrajectory> {
  const llm = { models: deps.models, store: deps.store, maxRepairs: deps.agent.maxRepairs, grounding: deps.agent.grounding };
  const tools = { search: deps.search, store: deps.store, topK: deps.agent.topK, snippetChars: deps.agent.snippetChars };
  const { trajectoryId, question } = input;
  const call = { trajectoryId, model: input.model, temperature: input.temperature ?? 0 };
  const steps: StepRef[] = [];
  const pastActions: PastAction[] = [];
  const seen: string[] = []; // passage ids shown so far: a search pages past them, as in the workflow
  let llmSteps = 0;
  let searches = 0;
  let answer: string | null = null;
  let status: PlainTrajectory['status'] = 'answered';
  const step: typeof runLlmStep = async (d, kind, c) => {
    llmSteps++;
    const outcome = await runLlmStep(d, kind, c);
    steps.push(outcome.step);
    if (!outcome.value) throw new Error(outcome.error);
    return outcome;
  };
  try {
    for (let remaining = input.maxSearches; remaining > 0; remaining--) {
      const decision = (await step(llm, 'decision', { ...call, index: steps.length, input: { question, pastActions: [...pastActions], remainingSearches: remaining } })).value!;
      if (decision.call === 'Terminate') break;
      searches++;
      const searched = await runSearch(tools, { trajectoryId, index: steps.length, query: decision.query, exclude: seen });
      steps.push(searched.step);
      if (searched.results.length === 0) break; // nothing new: the workflow's 'stop-when-nothing-new'
      seen.push(...(searched.passageIds ?? []));
      const known = pastActions.map((a) => a.knowledge);
      const summary = (await step(llm, 'summary', { ...call, index: steps.length, input: { question, query: decision.query, results: searched.results, known } })).value!;
      pastActions.push({ query: decision.query, knowledge: summary.knowledge });
    }
    answer = (await step(llm, 'answer', { ...call, index: steps.length, input: { question, pastActions } })).value!.text;
    const relevance = (await step(llm, 'relevance_check', { ...call, index: steps.length, input: { question, pastActions, answer } })).value!;
    if (relevance.call === 'Revise_Answer' && !sameAnswer(relevance.revised_answer, answer)) answer = relevance.revised_answer;
    const grounding = (await step(llm, 'grounding_check', { ...call, index: steps.length, input: { question, pastActions, answer } })).value!;
    if (grounding.call === 'Revise_Answer' && !sameAnswer(grounding.revised_answer, answer)) answer = grounding.revised_answer;
  } catch {
    status = 'failed';
  }
  await saveTrajectory(deps, { workflowId: trajectoryId, questionId: trajectoryId, question, model: input.model, status, answer, steps });
  return { status, llmSteps, activities: llmSteps + searches + 1 };
}

/** Runs `fn` over `items` with at most `limit` in flight (what workflows/concurrency.ts does inside a batch). */
export async function inLanes<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
