/**
 * Secrets: the model endpoint's API key (OPENAI_API_KEY) and the fine-tuning API's key (fineTune.apiKey) never
 * appear in a workflow history, an artifact or a log. The built CLI runs a worker (`restact worker`), a campaign
 * round (`restact campaign start --wait`) and a question (`restact ask`) against the dev server, the real llama.cpp
 * server behind a proxy whose HTTP 500s quote the request's Authorization header, and a fine-tuning API double
 * whose first upload fails the same way. Then every history, every stored file and every line the processes
 * printed is scanned for both keys.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buildSqliteIndex } from '../../adapters/search/sqlite-fts';
import { startLlamaServer, type LlamaServer } from '../helpers/llama-server';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { startFineTuneApiDouble, type FineTuneApiDouble } from '../helpers/finetune-api-double';
import { runCli, spawnCli, type CliRun } from '../helpers/run-cli';
import { startTestEnv, tempDir } from '../helpers/temporal';

const DATA = path.join(__dirname, '../../data/hotpotqa-dev50');
const MODEL_KEY = `sk-restact-model-${crypto.randomBytes(12).toString('hex')}`;
const FINE_TUNE_KEY = `sk-restact-finetune-${crypto.randomBytes(12).toString('hex')}`;

let env: TestWorkflowEnvironment;
let llama: LlamaServer;
let proxy: FaultProxy;
let api: FineTuneApiDouble;

beforeAll(async () => {
  [env, llama] = await Promise.all([startTestEnv(), startLlamaServer({ threads: 1, parallel: 2 })]);
  proxy = await startFaultProxy({ upstream: llama.baseURL, every: 3, faults: ['server_error'], echoAuthorization: true, retryAfterS: 1 });
  api = await startFineTuneApiDouble({ runMs: 1000, echoAuthorization: true });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await proxy?.stop();
  await llama?.stop();
  await env?.teardown();
});

/** Every byte string of a history as text (payloads are JSON in UTF-8), with the rest of the events as JSON. */
function historyText(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (Array.isArray(value)) return value.map(historyText).join('\n');
  if (value && typeof value === 'object') return Object.entries(value).map(([k, v]) => `${k}: ${historyText(v)}`).join('\n');
  return String(value);
}

function filesText(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(`${path.join(e.parentPath, e.name)}\n${fs.readFileSync(path.join(e.parentPath, e.name), 'latin1')}`);
  }
  return out;
}

jest.setTimeout(900_000);

test('no API key appears in any workflow history, artifact or log', async () => {
  const dir = tempDir('secrets');
  const db = path.join(dir, 'index.sqlite');
  buildSqliteIndex({ corpusPath: path.join(DATA, 'corpus.jsonl'), dbPath: db });
  const questions = fs.readFileSync(path.join(DATA, 'questions.jsonl'), 'utf8').trim().split('\n');
  fs.writeFileSync(path.join(dir, 'q.jsonl'), questions.slice(0, 2).join('\n') + '\n');
  const taskQueue = `secrets-${process.pid}`;
  const config = path.join(dir, 'restact.config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      temporal: { taskQueue },
      llm: { provider: 'openai', baseURL: proxy.baseURL, model: llama.model, api: 'completions', constrainedDecoding: 'gbnf', timeoutMs: 120_000, concurrency: 2 },
      search: { provider: 'sqlite', dbPath: db },
      artifacts: { dir: path.join(dir, 'artifacts'), workDir: path.join(dir, 'work') },
      agent: { maxSearches: 1 },
      fineTune: { backend: 'openai', baseURL: api.baseURL, apiKey: FINE_TUNE_KEY, pollIntervalMs: 200 },
      campaign: {
        name: 'secrets', rounds: 1, samplesPerQuestion: [1], stepSamples: 1, maxSearches: 1, concurrency: 2,
        questions: { file: 'q.jsonl', limit: 1 }, evalQuestions: { file: 'q.jsonl', offset: 1, limit: 1 },
      },
    }),
  );
  const envVars = { TEMPORAL_ADDRESS: env.address, OPENAI_API_KEY: MODEL_KEY };
  const worker = spawnCli(['worker', '--config', config], { cwd: dir, env: envVars });
  const runs: CliRun[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      worker.child.stderr!.on('data', (d) => String(d).includes('Worker polling task queue') && resolve());
      worker.child.on('exit', (code) => reject(new Error(`restact worker exited (${code})`)));
    });
    runs.push(await runCli(['campaign', 'start', '--config', config, '--wait'], { cwd: dir, env: envVars }));
    runs.push(await runCli(['ask', 'Which country is Ed Wood from?', '--config', config, '--json'], { cwd: dir, env: envVars }));
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    expect(runs[0].stdout).toContain('server_error'); // the round summary counted the 500s
  } finally {
    worker.child.kill('SIGTERM');
    runs.push(await worker.done);
  }

  // The keys were in use, and the servers quoted them back in their errors ...
  expect([...proxy.authorizations]).toEqual([`Bearer ${MODEL_KEY}`]);
  expect([...api.authorizations]).toEqual([`Bearer ${FINE_TUNE_KEY}`]);
  expect(proxy.injected.server_error).toBeGreaterThan(0);
  // ... and none of it was kept anywhere.
  const histories: string[] = [];
  for await (const wf of env.client.workflow.list()) {
    histories.push(`${wf.workflowId}\n${historyText(await env.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory())}`);
  }
  expect(histories.length).toBeGreaterThan(5);
  const places = [
    ...histories.map((text) => ({ where: `history ${text.split('\n')[0]}`, text })),
    ...filesText(dir).filter((f) => !f.startsWith(config)).map((text) => ({ where: `file ${text.split('\n')[0]}`, text })),
    ...runs.map((r, i) => ({ where: `output of process ${i}`, text: r.stdout + r.stderr })),
  ];
  const leaks = places.filter((p) => p.text.includes(MODEL_KEY) || p.text.includes(FINE_TUNE_KEY)).map((p) => p.where);
  expect(leaks).toEqual([]);
  // The quoted errors did reach the histories, with the key taken out, and the worker logged the failures.
  expect(places.some((p) => p.where.startsWith('history') && p.text.includes('authorization=Bearer [redacted]'))).toBe(true);
  expect(runs[2].stderr).toContain('Activity failed');
});
