/**
 * AI-feedback ranking of a stored trajectory ("ReST meets ReAct", section 3.4): every LLM step whose samples differ
 * goes to a rater model, which sees them in a seeded shuffled order; its best sample becomes the step's fine-tuning
 * target. The step-level items go next to the round's other rankings.
 */
import { Context } from '@temporalio/activity';
import type { ArtifactStore } from '../ports/artifact-store';
import { getJson, putJson } from '../ports/artifact-store';
import type { ChatModelProvider } from '../ports/chat-model';
import { completionText, stepPrompt } from '../lib/agent/steps';
import { LLM_STEP_KINDS, type Grounding, type StepKind } from '../lib/agent/types';
import type { LlmStepRecord, StepRecord, Trajectory } from '../lib/trajectory';
import { rankedKey, trajectoryKey } from '../lib/artifact-keys';
import { shuffleOrder, unshuffle } from '../lib/rest/shuffle';
import { renderRankerPrompt, RANKER_MAX_TOKENS, RANKER_SYSTEM_PROMPT } from '../lib/rest/ranker-prompt';
import { rankingSpec } from '../lib/rest/ranking-spec';
import type { FailureLedger } from './failure-ledger';

/** One fine-tuning example candidate: a step's clean prompt and its chosen output line. */
export interface RankedItem {
  stepKind: StepKind;
  prompt: string;
  target: string;
  sourceId: string;
  /**
   * How the target was chosen: by the rater; the only distinct sample; or, when the rater's replies stayed
   * unparsable, the sample the trajectory continued with (the lowest-perplexity one, chosen at collection).
   */
  chosenBy: 'ranker' | 'single_sample' | 'lowest_perplexity_fallback';
  ranking?: number[];
  explanation?: string;
}

export interface RankSummary {
  rankedSteps: number;
  rankerCalls: number;
  fallbacks: number;
  /** The peak RSS of the worker process that ranked it, since it started (its model included), in MB. */
  workerPeakRssMb?: number;
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

export interface RankTrajectoryCall {
  workflowId: string;
  rankerModel?: string;
  maxRepairs: number;
  seed: string;
  outPrefix: string;
}

/** `ledger` counts the rater's replies that its parser rejects (the activity's failure ledger). */
type Deps = {
  models: ChatModelProvider;
  store: ArtifactStore;
  ledger?: Pick<FailureLedger, 'note'>;
  /** The agent's grounding: a step's training prompt is the prompt its calls were given (stepPrompt). */
  grounding: Grounding;
};

/** Ranks every LLM step of a stored trajectory; writes the step-level items next to the round's other rankings. */
export async function rankTrajectory(deps: Deps, call: RankTrajectoryCall): Promise<RankSummary> {
  const outKey = rankedKey(call.outPrefix, call.workflowId);
  if (await deps.store.exists(outKey)) return { ...(await getJson<{ summary: RankSummary }>(deps.store, outKey)).summary, workerPeakRssMb: peakRssMb() }; // retried after it finished
  const trajectory = await getJson<Trajectory>(deps.store, trajectoryKey(call.workflowId));
  const items: RankedItem[] = [];
  const summary: RankSummary = { rankedSteps: 0, rankerCalls: 0, fallbacks: 0 };
  for (const step of trajectory.steps) {
    if (!isLlmStep(step) || step.status !== 'ok') continue;
    Context.current().heartbeat(step.index);
    const item = await rankStep(deps, call, trajectory.workflowId, step, summary);
    if (item) {
      items.push(item);
      summary.rankedSteps++;
    }
  }
  await putJson(deps.store, outKey, { workflowId: call.workflowId, summary, items });
  return { ...summary, workerPeakRssMb: peakRssMb() };
}

function isLlmStep(step: StepRecord): step is LlmStepRecord {
  return (LLM_STEP_KINDS as string[]).includes(step.kind);
}

async function rankStep(deps: Deps, call: RankTrajectoryCall, trajectoryId: string, step: LlmStepRecord, summary: RankSummary): Promise<RankedItem | undefined> {
  const prompt = stepPrompt(step.kind, step.input as never, deps.grounding); // the clean prompt, without repair notes
  const sourceId = `${trajectoryId}#${step.index}`;
  const samples = step.samples ?? [];
  const target = (parsed: unknown) => completionText(step.kind, parsed as never);
  const distinct = new Set(samples.map((s) => s.raw.trim()));
  if (samples.length < 2 || distinct.size < 2 || !samples.some((s) => s.parsed !== undefined)) {
    return { stepKind: step.kind, prompt, target: target(step.parsed), sourceId, chosenBy: 'single_sample' };
  }
  // Show the samples in a shuffled order, so the rater's position bias does not become the policy's.
  const order = shuffleOrder(samples.length, `${call.seed}:${sourceId}`);
  const shown = order.map((i) => samples[i].raw);
  const spec = rankingSpec(samples.length);
  const ranker = await deps.models.get(call.rankerModel);
  let notes = '';
  for (let attempt = 0; attempt <= call.maxRepairs; attempt++) {
    summary.rankerCalls++;
    const result = await ranker.generate({
      messages: [
        { role: 'system', content: RANKER_SYSTEM_PROMPT },
        { role: 'user', content: renderRankerPrompt({ stepKind: step.kind, stepPrompt: prompt, samples: shown }) + notes },
      ],
      grammar: spec.grammar,
      temperature: 0,
      maxTokens: RANKER_MAX_TOKENS,
    });
    const parsed = spec.parse(result.text);
    if (parsed.ok) {
      const ranking = unshuffle(parsed.value.ranking, order);
      const best = ranking.find((i) => samples[i].parsed !== undefined)!;
      return { stepKind: step.kind, prompt, target: target(samples[best].parsed), sourceId, chosenBy: 'ranker', ranking, explanation: parsed.value.explanation };
    }
    if (result.text.trim()) deps.ledger?.note('unparsable_output'); // an empty reply is counted by the ledger itself
    notes = `\n\n(Your previous rating was not valid: ${parsed.error}. Follow the format exactly.)`;
  }
  // The rater failed: keep the choice collection already made (lib/rest/perplexity.ts), not a second one here.
  summary.fallbacks++;
  return { stepKind: step.kind, prompt, target: target(step.parsed), sourceId, chosenBy: 'lowest_perplexity_fallback' };
}
