/**
 * No trainer run starts twice: the local LoRA trainer (trainer/train_lora.py, run by the local fine-tuning backend)
 * must not train on after its worker is killed (the retry would then train beside it, on the same checkpoint), and
 * a second trainer in the same output folder waits until the first has exited. Both are decided before torch
 * loads, so these checks take seconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { tempDir } from '../helpers/temporal';

const ROOT = path.join(__dirname, '../..');
const PYTHON = path.join(ROOT, '.venv/bin/python');
const GGUF = path.join(ROOT, 'models/SmolLM2-135M-Instruct.Q4_1.gguf');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pids of trainer processes whose arguments name `outDir`. */
function trainers(outDir: string): number[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('train_lora.py') && l.includes(outDir))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (check()) return true;
  return check();
}

function trainFile(dir: string): string {
  const file = path.join(dir, 'train.jsonl');
  const example = { messages: [{ role: 'user', content: 'action = ' }, { role: 'assistant', content: 'Terminate()' }] };
  fs.writeFileSync(file, `${JSON.stringify(example)}\n`.repeat(4));
  return file;
}

function startTrainer(train: string, out: string): { child: ChildProcess; events: string[] } {
  const child = spawn(PYTHON, [path.join(ROOT, 'trainer/train_lora.py'), '--base-gguf', GGUF, '--train', train, '--out', out, '--max-steps', '1', '--exit-on-stdin-eof'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const events: string[] = [];
  child.stdout!.on('data', (d) => events.push(...String(d).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { event: string }).event)));
  return { child, events };
}

const pythonOk = fs.existsSync(PYTHON) && fs.existsSync(GGUF);
(pythonOk ? test : test.skip)('a trainer whose worker is killed with kill -9 exits too', async () => {
  const dir = tempDir('orphan');
  const out = path.join(dir, 'out');
  const parent = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../helpers/lora-parent.ts'), trainFile(dir), out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  let progress = '';
  parent.stdout!.on('data', (d) => (progress += d));
  try {
    // Once torch is in and the model loading (many seconds on a CPU, with nothing to print until it is done) ...
    expect(await until(() => progress.includes('"stage":"loading"'), 120_000)).toBe(true);
    expect(trainers(out)).toHaveLength(1);
    parent.kill('SIGKILL');
    // ... the orphan stops at once, rather than at its next progress line (a write to a closed pipe).
    expect(await until(() => trainers(out).length === 0, 3_000)).toBe(true);
  } finally {
    parent.kill('SIGKILL');
    for (const pid of trainers(out)) process.kill(pid, 'SIGKILL');
  }
}, 150_000);

(pythonOk ? test : test.skip)('a second trainer in the same output folder waits until the first has exited', async () => {
  const dir = tempDir('lock');
  const out = path.join(dir, 'out');
  const train = trainFile(dir);
  const first = startTrainer(train, out);
  const stopped: ChildProcess[] = [first.child];
  try {
    await until(() => fs.existsSync(path.join(out, 'trainer.lock')), 20_000);
    await sleep(1000); // the first holds the lock from right after it starts
    const second = startTrainer(train, out);
    stopped.push(second.child);
    expect(await until(() => second.events.includes('waiting'), 20_000)).toBe(true);
    expect(second.events).toEqual(['waiting']); // nothing more while the first runs
    const firstExited = new Promise((r) => first.child.once('exit', r));
    first.child.stdin!.end(); // as if its worker died
    await firstExited;
    expect(await until(() => second.events.length > 1, 30_000)).toBe(true); // now it goes on
  } finally {
    for (const c of stopped) c.kill('SIGKILL');
  }
}, 90_000);
