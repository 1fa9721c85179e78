/**
 * Connecting a command to Temporal: the configured server, or (when none is configured) the embedded dev
 * server started for the command; plus, where wanted, an in-process worker. Everything opened here is
 * closed again by `withTemporal`, so commands exit cleanly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, makeTelemetryFilterString, Worker } from '@temporalio/worker';
import type { Config } from '../lib/config';
import { ALL_SEARCH_ATTRIBUTES, cliTypeName } from '../lib/search-attributes';
import type { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ConfigFileError, temporalConnectionOptions } from './config-loader';
import { connectOrExplain } from './connect';
import { defaultUiUrl } from './web-ui';
import { startDevServer, DevServer } from './dev-server';
import { projectRoot } from '../project-root';
import { createWorker, createWorkerDeps, WorkerDeps } from '../worker';

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

/** The SDK logs to stderr at WARN, so `--json` output on stdout stays clean. */
export function installRuntime(level: 'WARN' | 'INFO' | 'ERROR' = 'WARN'): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => process.stderr.write(`[temporal ${entry.level}] ${entry.message}\n`)),
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
}

export async function withTemporal<T>(config: Config, options: SessionOptions, fn: (session: TemporalSession) => Promise<T>): Promise<T> {
  if (options.worker === 'always' || (options.worker === 'embedded' && !config.temporal.address)) requireModelFile(config);
  installRuntime();
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  let devServer: DevServer | undefined;
  let connection: Connection | undefined;
  let nativeConnection: NativeConnection | undefined;
  let deps: WorkerDeps | undefined;
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
    if (!wantWorker) return await fn(session);

    nativeConnection = await connectOrExplain(address, () => NativeConnection.connect(connOptions));
    deps = createWorkerDeps(config);
    const worker = await createWorker({ connection: nativeConnection, config, deps });
    session.worker = worker;
    session.deps = deps;
    return await worker.runUntil(fn(session));
  } finally {
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
