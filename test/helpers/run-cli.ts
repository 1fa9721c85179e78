/** Runs the built CLI (`node bin/restact.js ...`, what `npx restact` runs) as a child process and collects its output. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const BIN = path.join(__dirname, '../../bin/restact.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Without TEMPORAL_* and OPENAI_* variables of the calling shell, unless `env` sets them. */
function cleanEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|OPENAI_|RESTACT_)/.test(k)));
  return { ...base, ...env };
}

export function spawnCli(args: string[], options: { cwd: string; env?: Record<string, string> }): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliRun>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliRun> {
  return spawnCli(args, options).done;
}
