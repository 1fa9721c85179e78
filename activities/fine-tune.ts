/**
 * The fine-tune, inside one heartbeating activity: a retry resumes from the last heartbeat's details.
 *
 * The FineTuner port works on local files (a trainer process reads and writes files), the artifact store on keys.
 * This activity bridges them: it copies the dataset (and a base model that lives in the store) into the worker's
 * work directory, mirrored by key, lets the trainer write its outputs into the mirror of `outputKey`, and puts them
 * back into the store. Checkpoints stay in the work directory (a retry on the same worker resumes from them; one on
 * another worker starts over). A model the trainer wrote is returned as an `artifact:` model ref, which every
 * worker's model provider resolves from the store (adapters/llm/artifact-model-refs.ts).
 */
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { ArtifactStore } from '../ports/artifact-store';
import type { FineTuneHyperparameters, FineTuneProgress, FineTuner, FineTuneResult } from '../ports/fine-tuner';
import { ARTIFACT_MODEL_REF, artifactModelRef } from '../lib/artifact-keys';
import { LocalCopies } from '../adapters/store/local-copies';
import { heartbeatWhile } from './heartbeat';

export interface FineTuneCall {
  jobKey: string;
  baseModel: string;
  trainKey: string;
  validationKey?: string;
  /** The store prefix the outputs go to (e.g. `campaigns/c1/round-0/model`). */
  outputKey: string;
  hyperparameters: FineTuneHyperparameters;
}

/** Trainer state that only a retry on the same worker can use. */
const LOCAL_ONLY = (rel: string) => rel === 'checkpoint' || rel.startsWith('checkpoint/');

export async function fineTune(deps: { store: ArtifactStore; fineTuner: FineTuner; workDir: string }, call: FineTuneCall): Promise<FineTuneResult> {
  const ctx = Context.current();
  const copies = new LocalCopies(deps.store, deps.workDir);
  const resumeFrom = ctx.info.heartbeatDetails as FineTuneProgress | undefined;
  // Between two progress reports (a long training step, a queued job) the last one is sent again, so a dead
  // worker is noticed within the heartbeat timeout and the retry still gets the job id / progress to resume from.
  let last = resumeFrom;
  const result = await heartbeatWhile(async () => deps.fineTuner.fineTune(
    {
      jobKey: call.jobKey,
      baseModel: await localModelRef(copies, call.baseModel),
      trainFile: await copies.fetch(call.trainKey),
      validationFile: call.validationKey ? await copies.fetch(call.validationKey) : undefined,
      outputDir: copies.pathOf(call.outputKey),
      hyperparameters: call.hyperparameters,
    },
    {
      onProgress: (p) => {
        last = p;
        ctx.heartbeat(p);
      },
      resumeFrom,
      signal: ctx.cancellationSignal,
    },
  ), () => last);
  await copies.storeAll(call.outputKey, LOCAL_ONLY);
  // Local paths in the result become store keys (`artifact:` refs for the model), so they mean the same on every worker.
  const key = (value: string) => copies.keyOf(value);
  const modelKey = key(result.model);
  return {
    ...result,
    model: modelKey ? artifactModelRef(modelKey) : result.model,
    outputs: Object.fromEntries(Object.entries(result.outputs).map(([name, value]) => [name, key(value) ?? value])),
  };
}

/** A base model in the store is copied with its folder (a LoRA adapter.gguf and its sibling peft/ folder). */
async function localModelRef(copies: LocalCopies, ref: string): Promise<string> {
  if (!ref.startsWith(ARTIFACT_MODEL_REF)) return ref;
  const key = ref.slice(ARTIFACT_MODEL_REF.length);
  await copies.fetchAll(path.posix.dirname(key));
  return copies.pathOf(key);
}
