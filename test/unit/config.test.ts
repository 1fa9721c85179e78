import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigFileError, loadConfig, temporalConnectionOptions } from '../../client/config-loader';
import { webUiWorkflowUrl } from '../../client/web-ui';
import { openAiApi } from '../../lib/config';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restact-config-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, data: unknown) => {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
  return file;
};

const errorOf = (fn: () => unknown): ConfigFileError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigFileError);
    return err as ConfigFileError;
  }
  throw new Error('expected a ConfigFileError');
};

test('defaults from an empty config, paths resolved against cwd', () => {
  const config = loadConfig({ cwd: dir, env: {} });
  expect(config.temporal).toMatchObject({ namespace: 'default', taskQueue: 'restact', tls: false, devServer: { port: 7233, uiPort: 8233 } });
  expect(config.temporal.address).toBeUndefined();
  expect(config.llm).toMatchObject({ provider: 'llama', modelPath: path.join(dir, 'models/SmolLM2-135M-Instruct.Q4_1.gguf') });
  expect(config.search.dbPath).toBe(path.join(dir, '.restact/index.sqlite'));
  expect(config.artifacts.dir).toBe(path.join(dir, '.restact/artifacts'));
  expect(config.agent.maxSearches).toBe(10);
});

test('restact.config.json in cwd is read; env overrides the file; overrides win', () => {
  write('restact.config.json', {
    temporal: { address: 'file-host:7233', namespace: 'from-file', taskQueue: 'q-file' },
    llm: { provider: 'openai', model: 'file-model', baseURL: 'http://localhost:8080/v1' },
    agent: { topK: 5 },
  });
  const config = loadConfig({
    cwd: dir,
    env: { TEMPORAL_ADDRESS: 'env-host:7000', RESTACT_MODEL: 'env-model', OPENAI_API_KEY: 'sk-x', TEMPORAL_TASK_QUEUE: '' },
    overrides: { temporal: { namespace: 'from-flag' }, agent: { maxSearches: undefined } },
  });
  expect(config.temporal).toMatchObject({ address: 'env-host:7000', namespace: 'from-flag', taskQueue: 'q-file' });
  expect(config.llm).toMatchObject({ provider: 'openai', model: 'env-model', apiKey: 'sk-x', baseURL: 'http://localhost:8080/v1' });
  expect(config.agent).toMatchObject({ topK: 5, maxSearches: 10 });
});

test('RESTACT_MODEL is the GGUF path for llama; RESTACT_THREADS is a number; env paths resolve against cwd', () => {
  const config = loadConfig({ cwd: dir, env: { RESTACT_MODEL: 'm/x.gguf', RESTACT_THREADS: '4', RESTACT_SEARCH_DB: 'db.sqlite' } });
  expect(config.llm).toMatchObject({ provider: 'llama', modelPath: path.join(dir, 'm/x.gguf'), threads: 4 });
  expect(config.search.dbPath).toBe(path.join(dir, 'db.sqlite'));
});

test('TLS env variables turn tls into the object form', () => {
  write('restact.config.json', { temporal: { tls: true } });
  const config = loadConfig({ cwd: dir, env: { TEMPORAL_TLS_CA: '/etc/ca.pem' } });
  expect(config.temporal.tls).toEqual({ serverRootCACertPath: '/etc/ca.pem' });
});

test('a bad field is named, with the source', () => {
  const file = write('restact.config.json', { temporal: { address: 'no port here' } });
  const err = errorOf(() => loadConfig({ cwd: dir, env: {} }));
  expect(err.message).toContain('temporal.address');
  expect(err.message).toContain(file);

  const envErr = errorOf(() => loadConfig({ cwd: path.join(dir, 'empty'), env: { RESTACT_LLM_PROVIDER: 'openai' } }));
  expect(envErr.message).toContain('llm.model');
  expect(envErr.message).toContain('RESTACT_LLM_PROVIDER');

  const threads = errorOf(() => loadConfig({ cwd: path.join(dir, 'empty'), env: { RESTACT_THREADS: 'many' } }));
  expect(threads.message).toContain('llm.threads');
});

test('bad JSON names the file; a missing --config file is an error', () => {
  const file = write('broken.json', '{ "temporal": ');
  const err = errorOf(() => loadConfig({ cwd: dir, configPath: 'broken.json', env: {} }));
  expect(err.message).toContain(file);
  expect(err.message).toMatch(/JSON/);
  expect(errorOf(() => loadConfig({ cwd: dir, configPath: 'nope.json', env: {} })).message).toContain('nope.json');
});

test('relative paths in the file resolve against the file directory', () => {
  write('conf/my.json', {
    temporal: { devServer: { dbFile: 'state/temporal.db' }, tls: { clientCertPath: 'c.pem', clientKeyPath: '/abs/k.pem' } },
    llm: { provider: 'llama', modelPath: '../models/m.gguf', loraAdapters: ['a.gguf'] },
    search: { provider: 'sqlite', dbPath: 'index.sqlite' },
    artifacts: { dir: 'out' },
  });
  const conf = path.join(dir, 'conf');
  const config = loadConfig({ cwd: path.join(dir, 'elsewhere'), configPath: path.join(conf, 'my.json'), env: {} });
  expect(config.temporal.devServer.dbFile).toBe(path.join(conf, 'state/temporal.db'));
  expect(config.temporal.tls).toEqual({ clientCertPath: path.join(conf, 'c.pem'), clientKeyPath: '/abs/k.pem' });
  expect(config.llm).toMatchObject({ modelPath: path.join(dir, 'models/m.gguf'), loraAdapters: [path.join(conf, 'a.gguf')] });
  expect(config.search.dbPath).toBe(path.join(conf, 'index.sqlite'));
  expect(config.artifacts.dir).toBe(path.join(conf, 'out'));
});

test('temporalConnectionOptions reads TLS files into Buffers', () => {
  const crt = write('c.pem', 'CERT');
  const key = write('k.pem', 'KEY');
  const ca = write('ca.pem', 'CA');
  const base = loadConfig({ cwd: dir, env: {} }).temporal;

  expect(temporalConnectionOptions(base, 'localhost:7233')).toEqual({ address: 'localhost:7233' });
  expect(temporalConnectionOptions({ ...base, address: 'h:1', tls: true, apiKey: 'k' })).toEqual({ address: 'h:1', tls: {}, apiKey: 'k' });
  const opts = temporalConnectionOptions({
    ...base,
    address: 'h:1',
    tls: { clientCertPath: crt, clientKeyPath: key, serverRootCACertPath: ca, serverNameOverride: 'srv' },
  });
  expect(opts.tls?.clientCertPair?.crt.toString()).toBe('CERT');
  expect(opts.tls?.clientCertPair?.key.toString()).toBe('KEY');
  expect(opts.tls?.serverRootCACertificate?.toString()).toBe('CA');
  expect(opts.tls?.serverNameOverride).toBe('srv');
  expect(() => temporalConnectionOptions(base)).toThrow(/address/);
});

test('webUiWorkflowUrl', () => {
  expect(webUiWorkflowUrl('http://localhost:8233/', 'default', 'q/1 a')).toBe('http://localhost:8233/namespaces/default/workflows/q%2F1%20a/history');
  expect(webUiWorkflowUrl('http://x', 'ns', 'id', 'run-1')).toBe('http://x/namespaces/ns/workflows/id/run-1/history');
});

test('llm.api: completions or chat, with a default from the server', () => {
  write('restact.config.json', { llm: { provider: 'openai', model: 'm', baseURL: 'http://127.0.0.1:8080/v1', api: 'responses' } });
  const err = errorOf(() => loadConfig({ cwd: dir, env: {} }));
  expect(err.message).toContain('llm.api');
  expect(openAiApi({ baseURL: 'http://127.0.0.1:8080/v1' })).toBe('completions');
  expect(openAiApi({})).toBe('chat');
  expect(openAiApi({ baseURL: 'https://api.openai.com/v1' })).toBe('chat');
  expect(openAiApi({ baseURL: 'https://api.openai.com/v1', api: 'completions' })).toBe('completions');
});

test('a training task queue from the file or TEMPORAL_TRAINING_TASK_QUEUE; shutdown times with defaults, bounds named', () => {
  expect(loadConfig({ cwd: dir, env: {} }).temporal.trainingTaskQueue).toBeUndefined();
  expect(loadConfig({ cwd: dir, env: {} }).worker).toEqual({ shutdownGraceSeconds: 30, shutdownForceSeconds: 120 });
  write('restact.config.json', { temporal: { trainingTaskQueue: 'gpu' }, worker: { shutdownGraceSeconds: 5 } });
  expect(loadConfig({ cwd: dir, env: {} })).toMatchObject({ temporal: { trainingTaskQueue: 'gpu' }, worker: { shutdownGraceSeconds: 5, shutdownForceSeconds: 120 } });
  expect(loadConfig({ cwd: dir, env: { TEMPORAL_TRAINING_TASK_QUEUE: 'train' } }).temporal.trainingTaskQueue).toBe('train');
  write('restact.config.json', { worker: { shutdownGraceSeconds: -1 } });
  expect(errorOf(() => loadConfig({ cwd: dir, env: {} })).message).toMatch(/worker\.shutdownGraceSeconds: .*>=0/);
});
