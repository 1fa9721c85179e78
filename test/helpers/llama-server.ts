/**
 * A real llama.cpp HTTP server for tests: scripts/llama-server.py (the PyPI wheel xllamacpp, installed into .venv
 * by `npm run setup`) on a free loopback port, serving the embedded GGUF with passive OpenMP waiting. Start it in
 * beforeAll and stop it in afterAll; it also exits by itself when the test process ends (its stdin closes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');
const PYTHON = path.join(ROOT, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
export const EMBEDDED_GGUF = path.join(ROOT, 'models/SmolLM2-135M-Instruct.Q4_1.gguf');
/** The model name the server answers to (llm.model). */
export const SERVED_MODEL = 'smollm2';

export interface LlamaServer {
  /** e.g. http://127.0.0.1:41234/v1 */
  baseURL: string;
  model: string;
  stop(): Promise<void>;
}

export async function startLlamaServer(options: { threads?: number; parallel?: number; startTimeoutMs?: number } = {}): Promise<LlamaServer> {
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`npm run setup\``);
  const threads = options.threads ?? Math.min(2, os.availableParallelism?.() ?? os.cpus().length);
  const args = [path.join(ROOT, 'scripts/llama-server.py'), '--model', EMBEDDED_GGUF, '--alias', SERVED_MODEL, '--port', '0'];
  args.push('--threads', String(threads), '--parallel', String(options.parallel ?? 2), '--exit-on-stdin-eof');
  const child = spawn(PYTHON, args, { cwd: ROOT, env: { ...process.env, OMP_WAIT_POLICY: 'passive' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not start within ${options.startTimeoutMs ?? 60_000} ms`), options.startTimeoutMs ?? 60_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`llama.cpp server (scripts/llama-server.py) ${why}; is xllamacpp installed (npm run setup)?\n${stderr}`));
    };
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => fail(`exited with code ${code}`));
  });
  child.removeAllListeners('exit');
  return { baseURL: `${address}/v1`, model: SERVED_MODEL, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin!.end(); // the launcher exits when its stdin closes
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
