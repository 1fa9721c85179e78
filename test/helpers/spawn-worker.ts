/**
 * Starts test/helpers/worker-process.ts as a child process and resolves once it polls. `node --import tsx` (not the
 * tsx wrapper script), so the pid is the worker itself and `kill -9` hits it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');

export interface WorkerVars {
  TEMPORAL_ADDRESS: string;
  TASK_QUEUE: string;
  ARTIFACT_DIR: string;
  SEARCH_DB: string;
  WORK_DIR: string;
  DELAY_MS?: string;
  ACTIVITY_SLOTS?: string;
  FINE_TUNE_URL?: string;
}

export function startWorkerProcess(vars: WorkerVars, options: { log?: (chunk: string) => void } = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker-process.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
    options.log?.(String(d));
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('worker ready') && resolve(child));
    child.on('exit', (code, signal) => reject(new Error(`worker exited early (${code ?? signal}): ${stderr.slice(-2000)}`)));
  });
}

/** kill -9, and wait until it is gone. */
export async function killWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}
