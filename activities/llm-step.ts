/**
 * One LLM step as an activity: render the step's prompt, call the model with the step's grammar, parse
 * strictly; on an unparsable output re-ask with a repair note, a bounded number of times. The full record
 * goes to the artifact store; the workflow gets the parsed value and a reference.
 *
 * With `samples > 1` the step is sampled several times (the paper's collection); the valid sample with the
 * lowest perplexity continues the trajectory, and all samples are kept for ranking.
 *
 * Under `evidence` grounding the grammar is built for this call from the step's input (lib/agent/specs.ts), and the
 * prompt shows only what the grammar offers (a summary's results cut to the sentences it may state).
 * A repair re-asks at a sampling temperature: at temperature 0 the same prompt tends to give the same rejected
 * output (a repeated search, a copied example) however the note is worded.
 */
import type { ChatModel, ChatModelProvider } from '../ports/chat-model';
import type { ArtifactStore } from '../ports/artifact-store';
import { putJson } from '../ports/artifact-store';
import { parseStepOutput, promptInput, repairNote, specFor, stepDefinition, stepPrompt, stepRequest } from '../lib/agent/steps';
import type { Grounding, StepInputs, StepKind, StepOutputs } from '../lib/agent/types';
import type { LlmStepRecord, StepAttempt, StepRef, StepSample } from '../lib/trajectory';
import { stepKey } from '../lib/artifact-keys';
import { lowestPerplexity, perplexity } from '../lib/rest/perplexity';
import { argmax, pmiScores } from '../lib/agent/choice-scoring';
import { hash53 } from '../lib/hash';
import { quoteOutput, type OutputSpec } from '../lib/output-spec';

/** The temperature of a repair attempt, when the step's own is lower. */
export const REPAIR_TEMPERATURE = 0.7;

export interface LlmStepDeps {
  models: ChatModelProvider;
  store: ArtifactStore;
  maxRepairs: number;
  grounding: Grounding;
  /** Steps chosen by PMI with the question where they can be (config `agent.pmiSteps`); default none. */
  pmiSteps?: readonly StepKind[];
}

export interface StepCall<K extends StepKind> {
  trajectoryId: string;
  index: number;
  model?: string;
  temperature: number;
  input: StepInputs[K];
  /** Samples drawn for this step (ReST collection); default 1. */
  samples?: number;
}

export interface StepOutcome<K extends StepKind> {
  step: StepRef;
  /** Present when the step succeeded. */
  value?: StepOutputs[K];
  /** Why the step failed for good (after repairs), with the last raw output. */
  error?: string;
  raw?: string;
  /** The call, echoed when the step ran as a local activity (whose history records no input). */
  call?: StepCall<K>;
}

interface Draw<K extends StepKind> {
  attempt: StepAttempt;
  parsed?: StepOutputs[K];
  tokenLogprobs?: number[];
  model: string;
}

interface DrawOptions<K extends StepKind> {
  kind: K;
  call: StepCall<K>;
  spec: OutputSpec<StepOutputs[K]>;
  grounding: Grounding;
  prompt: string;
  temperature: number;
  seed?: number;
}

async function draw<K extends StepKind>(model: ChatModel, o: DrawOptions<K>): Promise<Draw<K>> {
  const started = Date.now();
  const result = await model.generate({
    ...stepRequest(o.kind, o.prompt, o.spec, o.temperature),
    logprobs: (o.call.samples ?? 1) > 1,
    seed: o.seed,
  });
  const parsed = parseStepOutput(o.kind, o.call.input, result.text, o.grounding);
  return {
    attempt: {
      raw: result.text,
      tokens: { prompt: result.promptTokens, completion: result.completionTokens },
      latencyMs: Date.now() - started,
      ...(parsed.ok ? {} : { error: parsed.error }),
    },
    parsed: parsed.ok ? parsed.value : undefined,
    tokenLogprobs: result.tokenLogprobs,
    model: result.model,
  };
}

/**
 * The grammar's line with the highest PMI with the question (lib/agent/choice-scoring.ts): two scoring passes of
 * the model, no sampling. Undefined when the step, the grammar or the model does not allow it.
 */
async function pmiDraw<K extends StepKind>(model: ChatModel, o: DrawOptions<K>): Promise<Draw<K> | undefined> {
  const lines = o.spec.grammar.choices;
  const def = stepDefinition(o.kind);
  if (!model.score || !def.withoutQuestion || !lines || lines.length < 2) return undefined;
  const started = Date.now();
  const messages = (prompt: string) => stepRequest(o.kind, prompt, o.spec, 0).messages;
  const withQ = await model.score({ messages: messages(o.prompt), completions: lines });
  // The same results on show in both prompts: the view is taken with the question, then the question blanked.
  const withoutQ = await model.score({ messages: messages(def.render(def.withoutQuestion(promptInput(o.kind, o.call.input, o.grounding)))), completions: lines });
  const best = argmax(pmiScores(withQ.tokenLogprobs, withoutQ.tokenLogprobs));
  const raw = lines[best];
  const parsed = parseStepOutput(o.kind, o.call.input, raw, o.grounding);
  return {
    attempt: {
      raw,
      tokens: { prompt: withQ.promptTokens + withoutQ.promptTokens, completion: 0 },
      latencyMs: Date.now() - started,
      ...(parsed.ok ? {} : { error: parsed.error }),
    },
    parsed: parsed.ok ? parsed.value : undefined,
    tokenLogprobs: withQ.tokenLogprobs[best],
    model: withQ.model,
  };
}

/** A per-sample seed that is stable across activity retries, so a retried step draws the same samples. */
function sampleSeed(trajectoryId: string, index: number, sample: number): number {
  return hash53(`${trajectoryId}#${index}#${sample}`) >>> 0;
}

export async function runLlmStep<K extends StepKind>(deps: LlmStepDeps, kind: K, call: StepCall<K>): Promise<StepOutcome<K>> {
  const def = stepDefinition(kind);
  const model = await deps.models.get(call.model);
  const spec = specFor(kind, call.input, deps.grounding);
  const options = { kind, call, spec, grounding: deps.grounding };
  const attempts: StepAttempt[] = [];
  let samples: StepSample[] | undefined;
  let prompt = stepPrompt(kind, call.input, deps.grounding);
  let chosen: Draw<K> | undefined;
  let modelName = '';

  const sampleCount = call.samples ?? 1;
  if (sampleCount > 1) {
    const draws: Draw<K>[] = [];
    // Sequential on purpose: concurrent draws would compete for the same cached prompt prefix.
    for (let s = 0; s < sampleCount; s++) {
      draws.push(await draw(model, { ...options, prompt, temperature: call.temperature, seed: sampleSeed(call.trajectoryId, call.index, s) }));
    }
    modelName = draws[0].model;
    samples = draws.map((d) => ({ ...d.attempt, parsed: d.parsed, perplexity: d.tokenLogprobs?.length ? perplexity(d.tokenLogprobs) : undefined }));
    const parsable = draws.map((d, i) => ({ d, i })).filter((x) => x.d.parsed !== undefined);
    if (parsable.length) {
      const best = parsable[lowestPerplexity(parsable.map((x) => ({ tokenLogprobs: x.d.tokenLogprobs })))];
      chosen = best.d;
      attempts.push(best.d.attempt);
    } else {
      attempts.push(draws[0].attempt);
    }
  }

  let selection: LlmStepRecord<K>['selection'] = samples ? (samples.some((s) => s.perplexity !== undefined) ? 'lowest_perplexity' : 'first_parsable') : undefined;
  if (sampleCount === 1 && call.temperature === 0 && deps.pmiSteps?.includes(kind)) {
    const d = await pmiDraw(model, { ...options, prompt, temperature: 0 });
    if (d) {
      modelName = d.model;
      attempts.push(d.attempt);
      if (d.parsed !== undefined) [chosen, selection] = [d, 'highest_pmi'];
    }
  }

  // Single sample, or no parsable sample or line yet: draw and repair.
  let notes: string[] | undefined = chosen || !attempts.length ? undefined : [repairNote(spec, attempts[0].error!)];
  for (let attempt = attempts.length; !chosen && attempt <= deps.maxRepairs; attempt++) {
    prompt = stepPrompt(kind, call.input, deps.grounding, notes);
    const temperature = attempt === 0 ? call.temperature : Math.max(call.temperature, REPAIR_TEMPERATURE);
    const d = await draw(model, { ...options, prompt, temperature, seed: sampleSeed(call.trajectoryId, call.index, 100 + attempt) });
    modelName = d.model;
    attempts.push(d.attempt);
    if (d.parsed !== undefined) chosen = d;
    else notes = [repairNote(spec, d.attempt.error!)];
  }

  const last = attempts[attempts.length - 1];
  // Every attempt broke a rule the step can recover from (a decision that only repeats itself): continue
  // with the step's fallback instead of failing the trajectory; the record says so.
  const fallback = chosen ? undefined : def.fallback?.(call.input, last.error ?? '');
  const record: LlmStepRecord<K> = {
    index: call.index,
    kind,
    status: chosen || fallback ? 'ok' : 'failed',
    model: modelName,
    input: call.input,
    prompt,
    raw: last.raw,
    parsed: chosen?.parsed ?? fallback,
    ...(fallback ? { fallback: true } : {}),
    error: last.error,
    attempts,
    samples,
    selection,
    tokens: {
      prompt: [...attempts, ...(samples ?? [])].reduce((n, a) => n + a.tokens.prompt, 0),
      completion: [...attempts, ...(samples ?? [])].reduce((n, a) => n + a.tokens.completion, 0),
    },
    latencyMs: [...attempts, ...(samples ?? [])].reduce((n, a) => n + a.latencyMs, 0),
  };
  const ref = await putJson(deps.store, stepKey(call.trajectoryId, call.index, kind), record);
  const step: StepRef = { index: call.index, kind, status: record.status, ref };
  const value = chosen?.parsed ?? fallback;
  return value
    ? { step, value }
    : { step, error: `${kind} output unparsable after ${attempts.length} attempt(s): ${last.error}; the model returned ${quoteOutput(last.raw)}`, raw: last.raw };
}
