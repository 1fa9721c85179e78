/**
 * End to end on real parts: LocalLoraFineTuner runs trainer/train_lora.py (CPU torch) on a tiny dataset, then
 * the embedded ChatModel (node-llama-cpp) loads the adapter.gguf it wrote. The dataset teaches one distinctive
 * line, so a few steps at a high learning rate are enough to move both the loss and the greedy output.
 *
 * The first attempt is aborted at its first checkpoint (as a cancelled or timed-out activity would be); the
 * retry must resume from that checkpoint, and a retry after completion must return the finished result.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LocalLoraFineTuner, initAdapterDir } from '../../adapters/finetune/local-lora';
import type { FineTuneProgress, FineTuneRequest, FineTuneResult } from '../../ports/fine-tuner';

const ROOT = path.join(__dirname, '../..');
const MODEL = path.join(ROOT, 'models/SmolLM2-135M-Instruct.Q4_1.gguf');
const TARGET = 'Search(query="zebra migration patterns")';
const QUESTIONS = [
  'Who directed the film Jaws?',
  'What is the capital of Australia?',
  'When was the Eiffel Tower built?',
  'Which river flows through Cairo?',
  'Who wrote Pride and Prejudice?',
  'What is the tallest mountain in Africa?',
  'Which planet has the most moons?',
  'Who painted the Mona Lisa?',
  'What language is spoken in Brazil?',
  'Where is the Great Barrier Reef?',
];

/** A decision-like program, as the agent's steps render them (the model continues the last line). */
const program = (q: string) => `# Decide the next step: search or answer.\nquestion = "${q}"\nsearches = []\nnext_step = `;

function writeJsonl(file: string, questions: string[]): void {
  const lines = questions.map((q) =>
    JSON.stringify({ messages: [{ role: 'system', content: 'You write the next line.' }, { role: 'user', content: program(q) }, { role: 'assistant', content: TARGET }] }),
  );
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

jest.setTimeout(600_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restact-lora-'));
const request: FineTuneRequest = {
  jobKey: 'test-round0',
  baseModel: 'base',
  trainFile: path.join(dir, 'train.jsonl'),
  validationFile: path.join(dir, 'validation.jsonl'),
  outputDir: path.join(dir, 'out'),
  hyperparameters: { epochs: 10, learningRate: 3e-3, batchSize: 4, loraRank: 8, loraAlpha: 16, maxSteps: 6 },
};
const tuner = new LocalLoraFineTuner({ baseGguf: MODEL, threads: 2, checkpointEvery: 3 });
let result: FineTuneResult;

beforeAll(() => {
  writeJsonl(request.trainFile, QUESTIONS.slice(0, 8));
  writeJsonl(request.validationFile!, QUESTIONS.slice(8));
});

test('an aborted run resumes from its checkpoint, and the training loss goes down', async () => {
  const abort = new AbortController();
  const first: FineTuneProgress[] = [];
  const aborted = tuner.fineTune(request, {
    signal: abort.signal,
    onProgress: (p) => {
      first.push(p);
      if (p.message?.startsWith('checkpoint')) abort.abort(new Error('attempt abandoned by the test'));
    },
  });
  await expect(aborted).rejects.toThrow('attempt abandoned by the test');
  expect(first.filter((p) => p.loss !== undefined).map((p) => p.step)).toEqual([1, 2, 3]);
  expect(fs.existsSync(path.join(request.outputDir, 'checkpoint/state.pt'))).toBe(true);

  const progress: FineTuneProgress[] = [];
  const started = Date.now();
  result = await tuner.fineTune(request, { signal: new AbortController().signal, onProgress: (p) => progress.push(p) });
  const seconds = (Date.now() - started) / 1000;

  const running = progress.filter((p) => p.stage === 'running');
  expect(running[0]).toEqual(expect.objectContaining({ step: 3, totalSteps: 6, message: 'resumed from step 3' }));
  expect(running.filter((p) => p.loss !== undefined).map((p) => p.step)).toEqual([4, 5, 6]);
  expect(progress.at(-1)).toEqual(expect.objectContaining({ stage: 'succeeded', step: 6, totalSteps: 6 }));
  // Validation and conversion beat too, so neither can outlast the activity's heartbeat timeout.
  expect(progress.filter((p) => p.stage === 'validating').map((p) => p.message)).toContain('validation 2/2 examples');
  expect(progress.filter((p) => p.stage === 'converting').map((p) => p.message)).toEqual(['writing the peft adapter', 'writing the gguf adapter']);
  expect(progress.find((p) => p.stage === 'loading')?.message).toMatch(/on cpu \(float32, micro-batches of 2048 tokens\)/);

  // The loss curve spans both attempts: three steps from the checkpoint, three from the retry.
  console.log(`train loss ${result.trainLoss.map((l) => l.toFixed(3)).join(' → ')}, validation ${result.validationLoss?.toFixed(3)}, retry took ${seconds.toFixed(0)} s`);
  expect(result.trainLoss).toHaveLength(6);
  expect(result.trainLoss.at(-1)!).toBeLessThan(result.trainLoss[0] / 2);
  expect(result.validationLoss).toBeLessThan(result.trainLoss[0]);

  expect(result.model).toBe(path.join(request.outputDir, 'adapter.gguf'));
  expect(result.outputs).toEqual({ peftAdapterDir: path.join(request.outputDir, 'peft'), ggufAdapter: result.model });
  expect(fs.statSync(result.model).size).toBeGreaterThan(1_000_000); // r=8 on q,v of 30 layers, fp32: ~1.85 MB
  const peftConfig = JSON.parse(fs.readFileSync(path.join(result.outputs.peftAdapterDir, 'adapter_config.json'), 'utf8'));
  expect(peftConfig).toEqual(expect.objectContaining({ r: 8, lora_alpha: 16, peft_type: 'LORA' }));
  expect([...peftConfig.target_modules].sort()).toEqual(['q_proj', 'v_proj']);
  expect(fs.readdirSync(result.outputs.peftAdapterDir)).toContain('adapter_model.safetensors');
});

test('the embedded ChatModel loads the adapter, and it changes the greedy output', async () => {
  // node-llama-cpp is ESM-only and cannot load inside jest: a helper process runs the ChatModel.
  const { stdout } = await promisify(execFile)(
    path.join(ROOT, 'node_modules/.bin/tsx'),
    [path.join(ROOT, 'test/helpers/generate-with-adapter.ts'), JSON.stringify({ modelPath: MODEL, adapter: result.model, prompt: program(QUESTIONS[9]) })],
    { cwd: ROOT },
  );
  const out = JSON.parse(stdout) as { base: string; adapted: string };
  console.log(`greedy output on a held-out prompt: base ${JSON.stringify(out.base)}, with the adapter ${JSON.stringify(out.adapted)}`);
  expect(out.adapted).not.toBe(out.base);
  expect(out.adapted).toMatch(/^Search\(query="zebra/);
});

test('a retry after completion returns the finished result without training again', async () => {
  const progress: FineTuneProgress[] = [];
  const started = Date.now();
  const again = await tuner.fineTune(request, { signal: new AbortController().signal, onProgress: (p) => progress.push(p) });
  expect(again).toEqual(result);
  expect(progress).toEqual([{ stage: 'succeeded', step: 6, totalSteps: 6 }]);
  expect(Date.now() - started).toBeLessThan(10_000);
});

test('a retry after a kill during conversion converts again without validating again (validation is checkpointed)', async () => {
  fs.rmSync(path.join(request.outputDir, 'done.json'));
  fs.rmSync(result.model);
  const progress: FineTuneProgress[] = [];
  const again = await tuner.fineTune(request, { signal: new AbortController().signal, onProgress: (p) => progress.push(p) });
  expect(progress.map((p) => p.stage)).not.toContain('validating');
  expect(progress.map((p) => p.stage)).toContain('converting');
  expect(again.validationLoss).toBe(result.validationLoss);
  expect(again.trainLoss).toEqual(result.trainLoss);
  expect(fs.existsSync(again.model)).toBe(true);
});

test('model refs: base starts fresh, an adapter.gguf continues from its sibling peft/ folder', () => {
  expect(initAdapterDir('base')).toBeUndefined();
  expect(initAdapterDir(result.model)).toBe(result.outputs.peftAdapterDir);
  expect(initAdapterDir(result.outputs.peftAdapterDir)).toBe(result.outputs.peftAdapterDir);
  expect(() => initAdapterDir(path.join(dir, 'nowhere/adapter.gguf'))).toThrow(/nowhere\/peft\/adapter_config.json/);
});

test('bad input is a NonRetryableError: missing files before spawning, bad data from the trainer', async () => {
  const ctx = { signal: new AbortController().signal, onProgress: () => undefined };
  await expect(tuner.fineTune({ ...request, trainFile: path.join(dir, 'missing.jsonl') }, ctx)).rejects.toMatchObject({ name: 'NonRetryableError', message: expect.stringMatching(/training file not found/) });
  const bad = path.join(dir, 'bad.jsonl');
  fs.writeFileSync(bad, '{"messages": [{"role": "user", "content": "no answer"}]}\n');
  await expect(tuner.fineTune({ ...request, trainFile: bad, validationFile: undefined, outputDir: path.join(dir, 'bad') }, ctx)).rejects.toMatchObject({
    name: 'NonRetryableError',
    message: expect.stringMatching(/needs a user and an assistant message/),
  });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
