/**
 * Connecting a command to Temporal: the configured server, or (when none is configured) the embedded dev
 * server started for the command; plus, where wanted, an in-process worker. Everything opened here is
 * closed again by `withTemporal`, so commands exit cleanly.
 */
import fs from 'node:fs';
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, PromiseCompletionTimeoutError, Runtime, DefaultLogger, makeTelemetryFilterString, Worker } from '@temporalio/worker';
import type { Config } from '../lib/config';
import { ALL_SEARCH_ATTRIBUTES, cliTypeName } from '../lib/search-attributes';
import type { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ConfigFileError, temporalConnectionOptions } from './config-loader';
import { connectOrExplain } from './connect';
import { defaultUiUrl } from './web-ui';
import { startDevServer, DevServer } from './dev-server';
import { projectRoot } from '../project-root';
import { createWorkerDeps, createWorkers, runWorkersUntil, WorkerDeps } from '../worker';

export interface TemporalSession {
  client: Client;
  config: Config;
  /** Base URL of the Web UI, when known. */
  uiUrl?: string;
  address: string;
  embedded: boolean;
  worker?: Worker;
  deps?: WorkerDeps;
}

let runtimeInstalled = false;

/** The SDK logs to stderr at WARN (`restact replay`: ERROR, its report says what failed), so `--json` output on stdout stays clean. */
export function installRuntime(level: 'WARN' | 'INFO' | 'ERROR' = 'WARN'): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      // With local steps (temporal.localSteps) a workflow task stays open while a step runs, by design.
      if (entry.message.includes('[TMPRL1104]')) return;
      process.stderr.write(`[temporal ${entry.level}] ${entry.message}\n`);
    }),
    // The native core logs too; unforwarded, it prints them on stdout, into `restact ask --json` output.
    telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: level, other: level }) } },
  });
}

/** Where the embedded dev server keeps its history, so `restact dev` shows earlier runs. */
export function devServerDbFile(config: Config): string {
  return config.temporal.devServer.dbFile ?? path.join(path.dirname(config.artifacts.dir), 'temporal.sqlite');
}

/** The proto enum value for an SDK search attribute type, by name (`KEYWORD` -> `INDEXED_VALUE_TYPE_KEYWORD`, 2). */
function indexedValueType(type: SearchAttributeType): temporal.api.enums.v1.IndexedValueType {
  return temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${type}`];
}

/** Registers restact's search attributes on a configured server if they are missing (best effort). */
async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !customAttributes?.[k.name]);
    if (!missing.length) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, indexedValueType(k.type)])),
    });
  } catch (err) {
    process.stderr.write(
      `warning: could not check or register search attributes (${(err as Error).message}). ` +
        `Register them once: ${ALL_SEARCH_ATTRIBUTES.map((k) => `${k.name}=${cliTypeName(k)}`).join(', ')}\n`,
    );
  }
}

export interface SessionOptions {
  /** 'embedded': a worker only with the embedded server; 'always': also against a configured server. */
  worker: 'embedded' | 'always' | 'never';
  log?: (line: string) => void;
  /** The in-process worker's dependencies; default: built from the config (tests pass doubles). */
  createDeps?: (config: Config) => WorkerDeps;
}

/** A command stopped by SIGINT/SIGTERM after its worker drained: said plainly, without a stack trace. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

/**
 * Runs `fn` with a client, and with an in-process worker where wanted. Shutdown order matters: a signal first stops
 * the worker (the SDK's runtime: running activities get `worker.shutdownGraceSeconds` to finish, and report to the
 * server), and only then are the connections closed and the embedded server stopped; stopping the server first left
 * a killed command retrying heartbeats against a server that was gone.
 */
export async function withTemporal<T>(config: Config, options: SessionOptions, fn: (session: TemporalSession) => Promise<T>): Promise<T> {
  if (options.worker === 'always' || (options.worker === 'embedded' && !config.temporal.address)) requireModelFile(config);
  installRuntime();
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  let devServer: DevServer | undefined;
  let connection: Connection | undefined;
  let nativeConnection: NativeConnection | undefined;
  let deps: WorkerDeps | undefined;
  let stopping = false;
  // Calls `fn` leaves pending when a signal ends the session (the wait for a workflow's result) are cancelled before
  // the connection closes: left running, the server's stop fails them as UNAVAILABLE, and the client's retry then
  // throws "Channel has been shut down" from a timer, an uncaught exception instead of exit code 130.
  const calls = new AbortController();
  // Every pending call listens on this one signal (a campaign's progress polls, an evaluation's questions), so
  // more than Node's default 10 listeners is normal here, not a leak.
  setMaxListeners(0, calls.signal);
  try {
    let address = config.temporal.address;
    let uiUrl: string | undefined;
    if (!address) {
      log('Starting the embedded Temporal dev server ...');
      // In memory unless configured: a persisted history would let this command's worker resume workflows an
      // earlier, interrupted command left open. `restact dev` keeps history (durable runs live there).
      devServer = await startDevServer({
        port: config.temporal.devServer.port,
        uiPort: config.temporal.devServer.uiPort,
        dbFile: config.temporal.devServer.dbFile,
        namespace: config.temporal.namespace,
        stoppedByOwner: true,
      });
      address = devServer.address;
      uiUrl = devServer.uiUrl.replace('127.0.0.1', 'localhost');
      log(`Temporal dev server on ${address}; Web UI ${uiUrl}`);
    } else {
      uiUrl = defaultUiUrl(config, address);
    }
    const connOptions = temporalConnectionOptions(config.temporal, address);
    connection = await connectOrExplain(address, () => Connection.connect(connOptions));
    if (!devServer) await ensureSearchAttributes(connection, config.temporal.namespace);
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const session: TemporalSession = { client, config, uiUrl, address, embedded: !!devServer };

    const wantWorker = options.worker === 'always' || (options.worker === 'embedded' && !!devServer);
    const run = () => connection!.withAbortSignal(calls.signal, () => fn(session));
    if (!wantWorker) return await run();

    nativeConnection = await connectOrExplain(address, () => NativeConnection.connect(connOptions));
    deps = (options.createDeps ?? createWorkerDeps)(config);
    const workers = await createWorkers({ connection: nativeConnection, config, deps, queue: 'all' });
    session.worker = workers[0];
    session.deps = deps;
    // A server that dies under the worker would leave it retrying forever: stop the worker instead.
    void devServer?.exited.then(() => {
      if (stopping) return;
      log('The embedded Temporal dev server stopped unexpectedly; stopping the worker.');
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    });
    try {
      return await runWorkersUntil(workers, run());
    } catch (e) {
      // The worker stopped before `fn` finished: a shutdown signal (or the server gone), after the activities drained.
      if (e instanceof PromiseCompletionTimeoutError) throw new InterruptedError('interrupted: the worker let its running activities finish (or hand back) and stopped; workflows continue when a worker runs');
      throw e;
    }
  } finally {
    stopping = true;
    calls.abort();
    await deps?.close();
    await nativeConnection?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await devServer?.stop();
  }
}

/** A worker with the embedded model needs its file: say so before starting anything. */
export function requireModelFile(config: Config): void {
  if (config.llm.provider !== 'llama' || fs.existsSync(config.llm.modelPath)) return;
  throw new ConfigFileError(
    `model file not found: ${config.llm.modelPath}. Set llm.modelPath (or RESTACT_MODEL) to a GGUF file; \`npm run setup\` puts the shipped model in models/.`,
  );
}

/** The embedded model ships under the project root; find it there when the command runs elsewhere. */
export function withProjectDefaults(config: Config): Config {
  if (config.llm.provider !== 'llama' || fs.existsSync(config.llm.modelPath)) return config;
  const shipped = path.join(projectRoot(), 'models', path.basename(config.llm.modelPath));
  return fs.existsSync(shipped) ? { ...config, llm: { ...config.llm, modelPath: shipped } } : config;
}
