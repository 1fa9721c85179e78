/**
 * FineTuner adapter that trains a LoRA on the embedded GGUF model: `trainer/train_lora.py` (torch + transformers
 * + peft, CPU or CUDA) in a supervised Python process.
 *
 * Output layout in `request.outputDir` (written by the trainer):
 * - `adapter.gguf`: the llama.cpp LoRA, the model ref the embedded ChatModel loads (`provider.get(path)`);
 * - `peft/`: the same LoRA as a PEFT adapter folder (what vLLM loads; the next round continues from it);
 * - `checkpoint/state.pt`: LoRA + optimizer + step, every `checkpointEvery` steps;
 * - `done.json`: written last, with the result and the arguments and data hashes it was made from.
 *
 * Durability (see ports/fine-tuner.ts): the state lives on disk, not in `resumeFrom`. A retried call runs the
 * trainer again with the same arguments; it resumes from the checkpoint, or, when `done.json` matches, answers
 * at once without loading torch. Each JSON progress line becomes an `onProgress` call (the activity's heartbeat).
 * Aborting `signal` kills the trainer (SIGTERM, then SIGKILL) and rejects with `signal.reason`; the checkpoint
 * stays for the next attempt. A trainer whose worker died exits as its stdin ends, and a trainer waits for any
 * other one in its output folder to exit, so two never train on the same checkpoint.
 *
 * Model refs as `baseModel`: `base` (a fresh LoRA), or a previous round's `.../adapter.gguf`, whose sibling
 * `peft/` folder the trainer continues training (a PEFT folder itself is accepted too).
 *
 * Errors: `NonRetryableError` for what a retry cannot fix (missing files or Python, bad data: trainer exit status 2),
 * plain `Error` for the rest (a crash, out of memory), which Temporal retries.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { NonRetryableError } from '../../ports/errors';
import { projectRoot } from '../../project-root';
import type { FineTuneContext, FineTuneRequest, FineTuneResult, FineTuner } from '../../ports/fine-tuner';

export interface LocalLoraFineTunerOptions {
  /** Python with torch, transformers, peft and gguf. Default: the project's `.venv/bin/python`. */
  python?: string;
  /** The embedded model's GGUF (the same file the ChatModel runs). */
  baseGguf: string;
  /** CPU threads for torch; unset: torch's default. */
  threads?: number;
  /** Default: `<projectRoot>/trainer/train_lora.py`. */
  scriptPath?: string;
  /** Steps between two checkpoints (default 10). */
  checkpointEvery?: number;
  /** Seed of the LoRA init and the data order (default 0). */
  seed?: number;
}

/** A trainer stdout line. */
interface TrainerEvent {
  event: string;
  step?: number;
  total_steps?: number;
  resumed_from_step?: number;
  loss?: number;
  message?: string;
  /** `waiting`: why the trainer waits. */
  reason?: string;
  device?: string;
  dtype?: string;
  micro_batch_tokens?: number;
  stage?: string;
  done?: number;
  total?: number;
  train_loss?: number[];
  validation_loss?: number | null;
  peft_dir?: string;
  gguf_adapter?: string;
  steps?: number;
  cached?: boolean;
}

const STDERR_TAIL = 4000;
const KILL_GRACE_MS = 5000;
/** The trainer's exit status for bad data or arguments (argparse uses it too). */
const EXIT_BAD_INPUT = 2;

export class LocalLoraFineTuner implements FineTuner {
  readonly name = 'local';
  private readonly python: string;
  private readonly baseGguf: string;
  private readonly scriptPath: string;

  constructor(private readonly options: LocalLoraFineTunerOptions) {
    const root = projectRoot();
    this.python = options.python ?? path.join(root, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
    this.baseGguf = path.resolve(options.baseGguf);
    this.scriptPath = path.resolve(options.scriptPath ?? path.join(root, 'trainer', 'train_lora.py'));
  }

  async fineTune(request: FineTuneRequest, ctx: FineTuneContext): Promise<FineTuneResult> {
    const { signal } = ctx;
    if (signal.aborted) throw signal.reason;
    const args = this.trainerArgs(request);
    const outputDir = path.resolve(request.outputDir);
    fs.mkdirSync(outputDir, { recursive: true });

    let done: TrainerEvent | undefined;
    let failure: string | undefined;
    let last = { step: 0, totalSteps: undefined as number | undefined };
    await new Promise<void>((resolve, reject) => {
      // The trainer exits when its stdin ends, i.e. when this process dies (kill -9 included), so a retry never
      // trains beside an orphan; and it waits for any other trainer in the same output folder to exit first.
      const child = spawn(this.python, [this.scriptPath, ...args, '--exit-on-stdin-eof'], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, PYTHONUNBUFFERED: '1', TOKENIZERS_PARALLELISM: 'false' },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-STDERR_TAIL)));
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        if (signal.aborted) return; // the attempt is over: no heartbeats after cancellation
        let e: TrainerEvent;
        try {
          e = JSON.parse(line);
        } catch {
          return; // not a protocol line
        }
        if (e.event === 'loading') ctx.onProgress({ stage: 'loading', message: `loading the model on ${e.device} (${e.dtype}, micro-batches of ${e.micro_batch_tokens} tokens)` });
        else if (e.event === 'start') {
          last = { step: e.resumed_from_step ?? 0, totalSteps: e.total_steps };
          ctx.onProgress({ stage: 'running', ...last, ...(last.step ? { message: `resumed from step ${last.step}` } : {}) });
        } else if (e.event === 'step') {
          last = { step: e.step ?? last.step, totalSteps: e.total_steps ?? last.totalSteps };
          ctx.onProgress({ stage: 'running', step: e.step, totalSteps: e.total_steps, loss: e.loss });
        } else if (e.event === 'checkpoint') ctx.onProgress({ stage: 'running', ...last, message: `checkpoint at step ${e.step}` });
        // Validation and conversion report progress too, so neither can outlast the heartbeat timeout.
        else if (e.event === 'validating') ctx.onProgress({ stage: 'validating', ...last, message: `validation ${e.done}/${e.total} examples` });
        else if (e.event === 'converting') ctx.onProgress({ stage: 'converting', ...last, message: `writing the ${e.stage ?? ''} adapter`.replace('  ', ' ') });
        else if (e.event === 'waiting') ctx.onProgress({ stage: 'waiting', ...last, message: e.reason });
        else if (e.event === 'error') failure = e.message;
        else if (e.event === 'done') done = e;
      });

      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        killTimer.unref();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(new NonRetryableError(`cannot run the LoRA trainer with ${this.python}: ${err.message} (set fineTune.python to a Python with torch, transformers, peft and gguf)`));
      });
      child.on('close', (status, killedBy) => {
        signal.removeEventListener('abort', onAbort);
        if (killTimer) clearTimeout(killTimer);
        if (signal.aborted) return reject(signal.reason);
        if (status === 0) return resolve();
        const detail = failure ?? stderr.trim();
        const message = `LoRA trainer ${killedBy ? `killed by ${killedBy}` : `exited with status ${status}`}: ${detail || 'no output'}`;
        reject(status === EXIT_BAD_INPUT ? new NonRetryableError(message) : new Error(message));
      });
    });
    if (!done?.gguf_adapter || !done.peft_dir) throw new Error('LoRA trainer finished without a result');

    // A cached result (done.json matched) comes without start/step events: its step count is in `done`.
    const steps = done.steps ?? last.step;
    ctx.onProgress({ stage: 'succeeded', step: steps, totalSteps: last.totalSteps ?? steps });
    return {
      model: done.gguf_adapter,
      trainLoss: done.train_loss ?? [],
      validationLoss: done.validation_loss ?? undefined,
      outputs: { peftAdapterDir: done.peft_dir, ggufAdapter: done.gguf_adapter },
    };
  }

  /** The trainer's command line. Paths are absolute: the trainer keys checkpoints and `done.json` on them. */
  private trainerArgs(request: FineTuneRequest): string[] {
    const h = request.hyperparameters;
    const mustExist = (label: string, p: string) => {
      if (!fs.existsSync(p)) throw new NonRetryableError(`${label} not found: ${p}`);
      return p;
    };
    const args = [
      '--base-gguf', mustExist('base GGUF model', this.baseGguf),
      '--train', mustExist('training file', path.resolve(request.trainFile)),
      '--out', path.resolve(request.outputDir),
      '--epochs', String(h.epochs),
      '--lr', String(h.learningRate),
      '--batch-size', String(h.batchSize),
      '--rank', String(h.loraRank),
      '--alpha', String(h.loraAlpha),
      '--seed', String(this.options.seed ?? 0),
      '--checkpoint-every', String(this.options.checkpointEvery ?? 10),
    ];
    mustExist('LoRA trainer script', this.scriptPath);
    if (request.validationFile) args.push('--validation', mustExist('validation file', path.resolve(request.validationFile)));
    if (h.maxSteps) args.push('--max-steps', String(h.maxSteps));
    if (this.options.threads) args.push('--threads', String(this.options.threads));
    const init = initAdapterDir(request.baseModel);
    if (init) args.push('--init-adapter', init);
    return args;
  }
}

/** The PEFT folder to continue training from, for a model ref: none for `base`; for `DIR/adapter.gguf`, `DIR/peft`. */
export function initAdapterDir(baseModel: string): string | undefined {
  if (!baseModel || baseModel === 'base') return undefined;
  const ref = path.resolve(baseModel);
  const candidates = ref.endsWith('.gguf') ? [path.join(path.dirname(ref), 'peft')] : [ref];
  for (const dir of candidates) if (fs.existsSync(path.join(dir, 'adapter_config.json'))) return dir;
  if (baseModel.includes('+')) throw new NonRetryableError(`cannot fine-tune from several adapters at once: "${baseModel}"`);
  throw new NonRetryableError(
    `cannot fine-tune from "${baseModel}": the local backend starts from "base" or from an adapter.gguf it wrote (next to its peft/ folder); not found: ${candidates[0]}/adapter_config.json`,
  );
}
