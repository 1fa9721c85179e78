/**
 * One LLM step as an activity: render the step's prompt, call the model with the step's grammar, parse
 * strictly; on an unparsable output re-ask with a repair note, a bounded number of times. The full record
 * goes to the artifact store; the workflow gets the parsed value and a reference.
 */
import type { ChatModelProvider } from '../ports/chat-model';
import type { ArtifactStore } from '../ports/artifact-store';
import { putJson } from '../ports/artifact-store';
import { parseStepOutput, repairNote, stepDefinition, SYSTEM_PROMPT } from '../lib/agent/steps';
import type { StepInputs, StepKind, StepOutputs } from '../lib/agent/steps';
import { LlmStepRecord, StepAttempt, StepRef, stepKey } from '../lib/trajectory';

export interface StepCall<K extends StepKind> {
  trajectoryId: string;
  index: number;
  model?: string;
  temperature: number;
  input: StepInputs[K];
}

export interface StepOutcome<K extends StepKind> {
  step: StepRef;
  /** Present when the step succeeded. */
  value?: StepOutputs[K];
  /** Why the step failed for good (after repairs), with the last raw output. */
  error?: string;
  raw?: string;
}

export async function runLlmStep<K extends StepKind>(
  deps: { models: ChatModelProvider; store: ArtifactStore; maxRepairs: number },
  kind: K,
  call: StepCall<K>,
): Promise<StepOutcome<K>> {
  const def = stepDefinition(kind);
  const model = await deps.models.get(call.model);
  const attempts: StepAttempt[] = [];
  let notes: string[] | undefined;
  let prompt = '';
  let modelName = '';
  for (let attempt = 0; attempt <= deps.maxRepairs; attempt++) {
    prompt = def.render(call.input, notes);
    const started = Date.now();
    const result = await model.generate({
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: prompt },
      ],
      grammar: def.spec.grammar,
      temperature: call.temperature,
      maxTokens: def.maxTokens,
      stop: ['\n'],
    });
    modelName = result.model;
    const tokens = { prompt: result.promptTokens, completion: result.completionTokens };
    const parsed = parseStepOutput(kind, call.input, result.text);
    attempts.push({ raw: result.text, tokens, latencyMs: Date.now() - started, ...(parsed.ok ? {} : { error: parsed.error }) });
    if (parsed.ok) return finish({ status: 'ok', parsed: parsed.value });
    notes = [repairNote(kind, parsed.error)];
  }
  return finish({ status: 'failed' });

  async function finish(outcome: { status: 'ok' | 'failed'; parsed?: StepOutputs[K] }): Promise<StepOutcome<K>> {
    const last = attempts[attempts.length - 1];
    const record: LlmStepRecord<K> = {
      index: call.index,
      kind,
      status: outcome.status,
      model: modelName,
      input: call.input,
      prompt,
      raw: last.raw,
      parsed: outcome.parsed,
      error: last.error,
      attempts,
      tokens: {
        prompt: attempts.reduce((n, a) => n + a.tokens.prompt, 0),
        completion: attempts.reduce((n, a) => n + a.tokens.completion, 0),
      },
      latencyMs: attempts.reduce((n, a) => n + a.latencyMs, 0),
    };
    const ref = await putJson(deps.store, stepKey(call.trajectoryId, call.index, kind), record);
    const step: StepRef = { index: call.index, kind, status: outcome.status, ref };
    return outcome.status === 'ok'
      ? { step, value: outcome.parsed }
      : { step, error: `${kind} output unparsable after ${attempts.length} attempt(s): ${last.error}`, raw: last.raw };
  }
}
