/**
 * Loads the configuration: `--config FILE` (or `restact.config.json` in the working directory, or nothing), then
 * environment variables, then command-line overrides; validated by `ConfigSchema` (lib/config.ts).
 *
 * Environment variables (each overrides the file):
 *   TEMPORAL_ADDRESS        temporal.address (host:port); unset runs the embedded dev server
 *   TEMPORAL_NAMESPACE      temporal.namespace
 *   TEMPORAL_TASK_QUEUE     temporal.taskQueue
 *   TEMPORAL_TRAINING_TASK_QUEUE  temporal.trainingTaskQueue (fine-tuning on its own task queue)
 *   TEMPORAL_API_KEY        temporal.apiKey (Temporal Cloud API-key auth; implies TLS unless tls files say more)
 *   TEMPORAL_TLS_CERT       temporal.tls.clientCertPath (setting any TLS file turns tls into the object form)
 *   TEMPORAL_TLS_KEY        temporal.tls.clientKeyPath
 *   TEMPORAL_TLS_CA         temporal.tls.serverRootCACertPath
 *   TEMPORAL_UI_URL         temporal.webUiUrl
 *   RESTACT_LLM_PROVIDER    llm.provider (openai | llama)
 *   OPENAI_BASE_URL         llm.baseURL (openai provider)
 *   OPENAI_API_KEY          llm.apiKey (openai provider)
 *   RESTACT_MODEL           llm.model (openai), or llm.modelPath (llama GGUF file)
 *   RESTACT_THREADS         llm.threads (llama CPU threads)
 *   RESTACT_SEARCH_DB       search.dbPath
 *   RESTACT_ARTIFACT_DIR    artifacts.dir
 *
 * Relative paths in the file resolve against the file's directory, so commands work from any directory; those from
 * the environment, the overrides and the defaults against the working directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigSchema, formatZodError, type Config, type TemporalConfig } from '../lib/config';

export const DEFAULT_CONFIG_FILE = 'restact.config.json';

/** A configuration that cannot be read or does not validate; the message is meant for the user as is. */
export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
}

export interface LoadConfigOptions {
  /** `--config` path; must exist. */
  configPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Deep-merged last (CLI flags); undefined values are ignored. */
  overrides?: object;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; anything else (arrays included) replaces; undefined leaves the base alone. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isObj(base) || !isObj(over)) return over;
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

function child(obj: Obj, key: string): Obj {
  if (!isObj(obj[key])) obj[key] = {};
  return obj[key] as Obj;
}

const resolveStr = (v: unknown, dir: string) => (typeof v === 'string' && v !== '' ? path.resolve(dir, v) : v);

/**
 * Resolves the path fields of a raw (unvalidated, possibly partial) config in place; wrong types are left for zod.
 * Idempotent, so it can run per layer and again over the validated result.
 */
function resolvePaths(raw: unknown, dir: string): void {
  if (!isObj(raw)) return;
  const { temporal, llm, search, artifacts } = raw;
  if (isObj(temporal)) {
    if (isObj(temporal.devServer)) temporal.devServer.dbFile = resolveStr(temporal.devServer.dbFile, dir);
    if (isObj(temporal.tls)) {
      for (const k of ['clientCertPath', 'clientKeyPath', 'serverRootCACertPath']) {
        if (k in temporal.tls) temporal.tls[k] = resolveStr(temporal.tls[k], dir);
      }
    }
  }
  if (isObj(llm)) {
    if ('modelPath' in llm) llm.modelPath = resolveStr(llm.modelPath, dir);
    if (Array.isArray(llm.loraAdapters)) llm.loraAdapters = llm.loraAdapters.map((p) => resolveStr(p, dir));
  }
  if (isObj(search) && 'dbPath' in search) search.dbPath = resolveStr(search.dbPath, dir);
  if (isObj(artifacts)) {
    if ('dir' in artifacts) artifacts.dir = resolveStr(artifacts.dir, dir);
    if ('workDir' in artifacts) artifacts.workDir = resolveStr(artifacts.workDir, dir);
  }
}

function readConfigFile(file: string): Obj {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(`Cannot read config file ${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigFileError(`Invalid JSON in config file ${file}: ${(err as Error).message}`);
  }
  if (!isObj(data)) throw new ConfigFileError(`Config file ${file} must contain a JSON object`);
  return data;
}

/** Integers stay strings when malformed, so zod reports them against the field. */
const intOrRaw = (v: string): unknown => (/^\s*-?\d+\s*$/.test(v) ? Number(v) : v);

/** The environment layer, plus the names of the variables it used (for error messages). */
function envLayer(env: NodeJS.ProcessEnv, fileLayer: Obj): { layer: Obj; used: string[] } {
  const layer: Obj = {};
  const used: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    used.push(name);
    return v;
  };
  const set = (name: string, obj: () => Obj, key: string, map: (v: string) => unknown = (v) => v) => {
    const v = get(name);
    if (v !== undefined) obj()[key] = map(v);
  };

  const temporal = () => child(layer, 'temporal');
  set('TEMPORAL_ADDRESS', temporal, 'address');
  set('TEMPORAL_NAMESPACE', temporal, 'namespace');
  set('TEMPORAL_TASK_QUEUE', temporal, 'taskQueue');
  set('TEMPORAL_TRAINING_TASK_QUEUE', temporal, 'trainingTaskQueue');
  set('TEMPORAL_API_KEY', temporal, 'apiKey');
  set('TEMPORAL_UI_URL', temporal, 'webUiUrl');
  const tlsVars: Array<[string, string]> = [
    ['TEMPORAL_TLS_CERT', 'clientCertPath'],
    ['TEMPORAL_TLS_KEY', 'clientKeyPath'],
    ['TEMPORAL_TLS_CA', 'serverRootCACertPath'],
  ];
  for (const [name, key] of tlsVars) {
    const v = get(name);
    if (v === undefined) continue;
    // A boolean tls in the file becomes the object form; an object from the file is merged into.
    const t = temporal();
    if (!isObj(t.tls)) t.tls = {};
    (t.tls as Obj)[key] = v;
  }

  const llm = () => child(layer, 'llm');
  set('RESTACT_LLM_PROVIDER', llm, 'provider');
  set('OPENAI_BASE_URL', llm, 'baseURL');
  set('OPENAI_API_KEY', llm, 'apiKey');
  const fileLlm = isObj(fileLayer.llm) ? fileLayer.llm : {};
  const provider = (layer.llm as Obj | undefined)?.provider ?? fileLlm.provider ?? 'llama'; // the schema's default
  set('RESTACT_MODEL', llm, provider === 'openai' ? 'model' : 'modelPath');
  set('RESTACT_THREADS', llm, 'threads', intOrRaw);

  set('RESTACT_SEARCH_DB', () => child(layer, 'search'), 'dbPath');
  set('RESTACT_ARTIFACT_DIR', () => child(layer, 'artifacts'), 'dir');
  return { layer, used };
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;

  let file: string | undefined;
  if (options.configPath !== undefined) {
    file = path.resolve(cwd, options.configPath);
    if (!fs.existsSync(file)) throw new ConfigFileError(`Config file not found: ${file}`);
  } else if (fs.existsSync(path.join(cwd, DEFAULT_CONFIG_FILE))) {
    file = path.join(cwd, DEFAULT_CONFIG_FILE);
  }
  const baseDir = file ? path.dirname(file) : cwd;

  const fileLayer = file ? readConfigFile(file) : {};
  resolvePaths(fileLayer, baseDir);
  const { layer: envValues, used } = envLayer(env, fileLayer);
  resolvePaths(envValues, cwd);
  const overrides = structuredClone((options.overrides ?? {}) as Obj);
  resolvePaths(overrides, cwd);

  // If an env var switches the provider, settings of the other provider are ignored by the schema (it strips them).
  const raw = deepMerge(deepMerge(fileLayer, envValues), overrides) as Obj;
  // Partial llm/search objects (e.g. only RESTACT_THREADS) get the schema's default provider; the unions need one.
  if (isObj(raw.llm) && raw.llm.provider === undefined) raw.llm.provider = 'llama';
  if (isObj(raw.search) && raw.search.provider === undefined) raw.search.provider = 'sqlite';

  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const sources = [
      file,
      used.length ? `environment (${used.join(', ')})` : undefined,
      Object.keys(overrides).length ? 'command-line options' : undefined,
    ].filter(Boolean);
    throw new ConfigFileError(formatZodError(parsed.error, sources.length ? sources.join(' + ') : 'defaults'));
  }
  const config = parsed.data;
  resolvePaths(config, cwd); // defaults (not set in the file) are relative to where the command runs
  return config;
}

/** Options for both `Connection.connect` (@temporalio/client) and `NativeConnection.connect` (@temporalio/worker). */
export interface TemporalConnectionOptions {
  address: string;
  tls?: {
    clientCertPair?: { crt: Buffer; key: Buffer };
    serverRootCACertificate?: Buffer;
    serverNameOverride?: string;
  };
  apiKey?: string;
  metadata?: Record<string, string>;
}

/**
 * `address` defaults to the configured one; pass the embedded dev server's address when that is unset.
 * `tls: false` maps to undefined so the SDK's own rule applies: an API key alone implies TLS (Temporal Cloud).
 */
export function temporalConnectionOptions(temporal: TemporalConfig, address = temporal.address): TemporalConnectionOptions {
  if (!address) throw new ConfigFileError('temporal.address is not set (set TEMPORAL_ADDRESS or start the embedded dev server)');
  const read = (what: string, file: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new ConfigFileError(`Cannot read ${what} ${file}: ${(err as Error).message}`);
    }
  };
  let tls: TemporalConnectionOptions['tls'];
  if (temporal.tls === true) tls = {};
  else if (isObj(temporal.tls)) {
    const t = temporal.tls;
    if (!t.clientCertPath !== !t.clientKeyPath) {
      throw new ConfigFileError('temporal.tls: clientCertPath and clientKeyPath must be set together');
    }
    tls = {};
    if (t.clientCertPath && t.clientKeyPath) {
      tls.clientCertPair = { crt: read('TLS client certificate', t.clientCertPath), key: read('TLS client key', t.clientKeyPath) };
    }
    if (t.serverRootCACertPath) tls.serverRootCACertificate = read('TLS CA certificate', t.serverRootCACertPath);
    if (t.serverNameOverride) tls.serverNameOverride = t.serverNameOverride;
  }
  const options: TemporalConnectionOptions = { address };
  if (tls) options.tls = tls;
  if (temporal.apiKey) options.apiKey = temporal.apiKey;
  return options;
}
