/**
 * The fine-tune activity between the artifact store and a trainer that works on local files (the local LoRA
 * backend's shape), in a real activity context: inputs are copied into the work directory, outputs go back into
 * the store (checkpoints stay local), and the model comes back as an `artifact:` ref that a worker elsewhere, with
 * its own work directory, resolves from the store.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { LocalCopies } from '../../adapters/store/local-copies';
import { ArtifactModelRefs } from '../../adapters/llm/artifact-model-refs';
import type { FineTuneContext, FineTuner, FineTuneRequest, FineTuneResult } from '../../ports/fine-tuner';
import type { ChatModel, ChatModelProvider } from '../../ports/chat-model';
import { tempDir } from '../helpers/temporal';

/** Writes what the local LoRA trainer writes, into the request's output folder. */
class FileTrainer implements FineTuner {
  readonly name = 'files';
  readonly requests: FineTuneRequest[] = [];
  async fineTune(request: FineTuneRequest, ctx: FineTuneContext): Promise<FineTuneResult> {
    this.requests.push(request);
    const train = fs.readFileSync(request.trainFile, 'utf8');
    const out = request.outputDir;
    fs.mkdirSync(path.join(out, 'peft'), { recursive: true });
    fs.mkdirSync(path.join(out, 'checkpoint'), { recursive: true });
    fs.writeFileSync(path.join(out, 'adapter.gguf'), `adapter trained on ${train.length} bytes from ${request.baseModel}`);
    fs.writeFileSync(path.join(out, 'peft', 'adapter_config.json'), '{}');
    fs.writeFileSync(path.join(out, 'checkpoint', 'state.pt'), 'optimizer state');
    ctx.onProgress({ stage: 'succeeded', step: 1, totalSteps: 1 });
    return { model: path.join(out, 'adapter.gguf'), trainLoss: [1], outputs: { peftAdapterDir: path.join(out, 'peft'), ggufAdapter: path.join(out, 'adapter.gguf') } };
  }
}

const quiet = new DefaultLogger('WARN');

test('inputs are copied in, outputs put back (not checkpoints), and the model is an artifact: ref any worker loads', async () => {
  const store = new LocalDirStore(tempDir('ft-store'));
  await store.put('c1/round-0/dataset/train.jsonl', '{"messages":[]}\n');
  const trainer = new FileTrainer();
  const deps: ActivityDeps = { store, fineTuner: trainer, workDir: tempDir('ft-work'), models: {} as ActivityDeps['models'], search: {} as ActivityDeps['search'], agent: { topK: 3, maxRepairs: 0, snippetChars: 100, grounding: 'free' } };
  const { fineTune } = createActivities(deps);
  const hyperparameters = { epochs: 1, learningRate: 1e-4, batchSize: 1, loraRank: 8, loraAlpha: 16 };
  const run = (call: Parameters<typeof fineTune>[0]): Promise<FineTuneResult> => new MockActivityEnvironment({ activityType: 'fineTune' }, { logger: quiet }).run(fineTune, call);

  const round0 = await run({ jobKey: 'c1-round0', baseModel: 'base', trainKey: 'c1/round-0/dataset/train.jsonl', outputKey: 'c1/round-0/model', hyperparameters });
  expect(round0.model).toBe('artifact:c1/round-0/model/adapter.gguf');
  expect(round0.outputs).toEqual({ peftAdapterDir: 'c1/round-0/model/peft', ggufAdapter: 'c1/round-0/model/adapter.gguf' });
  expect(await store.list('c1/round-0/model/')).toEqual(['c1/round-0/model/adapter.gguf', 'c1/round-0/model/peft/adapter_config.json']);
  expect(trainer.requests[0].trainFile.startsWith(deps.workDir!)).toBe(true);

  // The next round starts from that model: its folder (adapter and peft/) is copied in for the trainer.
  await store.put('c1/round-1/dataset/train.jsonl', '{"messages":[]}\n');
  const round1 = await run({ jobKey: 'c1-round1', baseModel: round0.model, trainKey: 'c1/round-1/dataset/train.jsonl', outputKey: 'c1/round-1/model', hyperparameters });
  const base = trainer.requests[1].baseModel;
  expect(path.isAbsolute(base) && fs.existsSync(base) && fs.existsSync(path.join(path.dirname(base), 'peft', 'adapter_config.json'))).toBe(true);
  expect(round1.model).toBe('artifact:c1/round-1/model/adapter.gguf');

  // A worker on another machine (its own work directory) loads the adapter from a local copy of the artifact.
  const asked: Array<string | undefined> = [];
  const inner: ChatModelProvider = { get: async (ref) => (asked.push(ref), {} as ChatModel), close: async () => undefined };
  const elsewhere = new ArtifactModelRefs(inner, new LocalCopies(store, tempDir('other-worker')));
  await elsewhere.get(`${round1.model}+${round0.model}`);
  await elsewhere.get('base');
  const [local1, local0] = asked[0]!.split('+');
  expect(fs.readFileSync(local1, 'utf8')).toBe(`adapter trained on 16 bytes from ${base}`);
  expect(fs.readFileSync(local0, 'utf8')).toBe('adapter trained on 16 bytes from base');
  expect(asked[1]).toBe('base');
  await expect(elsewhere.get('artifact:nowhere/adapter.gguf')).rejects.toMatchObject({ name: 'NonRetryableError', message: expect.stringMatching(/no artifact nowhere\/adapter.gguf/) });
});

test("wrapping a provider for artifact: refs keeps its context sizing (the worker sizes the embedded model's context)", async () => {
  const copies = new LocalCopies(new LocalDirStore(tempDir('ft-store')), tempDir('ft-work'));
  const fit = { contextSize: 2048, sequences: 2, longest: { kind: 'summary', promptTokens: 1900, maxTokens: 128 } };
  const sized: ChatModelProvider = { get: async () => ({}) as ChatModel, close: async () => undefined, fitContext: async () => fit };
  expect(await new ArtifactModelRefs(sized, copies).fitContext?.([])).toBe(fit);
  const unsized: ChatModelProvider = { get: async () => ({}) as ChatModel, close: async () => undefined };
  expect(new ArtifactModelRefs(unsized, copies).fitContext).toBeUndefined();
});

test('while the trainer is silent, the activity heartbeats its last progress again (a dead worker is noticed, a retry resumes)', async () => {
  const store = new LocalDirStore(tempDir('ft-store'));
  await store.put('c1/round-0/dataset/train.jsonl', '{"messages":[]}\n');
  const silent: FineTuner = {
    name: 'silent',
    async fineTune(_request, ctx) {
      ctx.onProgress({ stage: 'running', jobId: 'job-1', step: 3 });
      await new Promise((r) => setTimeout(r, 11_000)); // a long training step: no progress of its own
      return { model: 'ft-1', trainLoss: [], outputs: {} };
    },
  };
  const deps: ActivityDeps = { store, fineTuner: silent, workDir: tempDir('ft-work'), models: {} as ActivityDeps['models'], search: {} as ActivityDeps['search'], agent: { topK: 3, maxRepairs: 0, snippetChars: 100, grounding: 'free' } };
  const env = new MockActivityEnvironment({ activityType: 'fineTune', heartbeatDetails: { stage: 'created', jobId: 'job-1' } }, { logger: quiet });
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  const hyperparameters = { epochs: 1, learningRate: 1e-4, batchSize: 1, loraRank: 8, loraAlpha: 16 };
  await env.run(createActivities(deps).fineTune, { jobKey: 'c1-round0', baseModel: 'base', trainKey: 'c1/round-0/dataset/train.jsonl', outputKey: 'c1/round-0/model', hyperparameters });
  expect(beats[0]).toEqual({ stage: 'running', jobId: 'job-1', step: 3 });
  expect(beats.length).toBeGreaterThanOrEqual(3); // the report itself, then again every 5 s
  expect(new Set(beats.map((b) => JSON.stringify(b))).size).toBe(1);
}, 30_000);
