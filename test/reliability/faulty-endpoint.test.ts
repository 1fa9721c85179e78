/**
 * A faulty LLM endpoint: a campaign round whose every model call goes to the real llama.cpp server (xllamacpp,
 * the shipped GGUF) through a proxy that answers one call in five with a fault: 429 with Retry-After, 500, no answer
 * (timeout), truncated JSON, an empty completion. The round completes with every trajectory, and its summary counts
 * each injected failure under its class.
 */
import path from 'node:path';
import fs from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createWorker } from '../../worker';
import { OpenAiChatModelProvider } from '../../adapters/llm/openai-chat';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import type { SqliteSearchEngines } from '../../adapters/search/sqlite-fts';
import { CampaignSchema } from '../../lib/rest/campaign-settings';
import { OpenAiLlmSchema } from '../../lib/config';
import { formatRoundSummary } from '../../client/print-campaign';
import { campaignWorkflow } from '../../workflows/campaign';
import { startLlamaServer, type LlamaServer } from '../helpers/llama-server';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { RecordingFineTuner } from '../helpers/rule-model';
import { bundleWorkflows, sampleSearchEngine, startTestEnv, tempDir, testConfig } from '../helpers/temporal';
import { bySize } from '../helpers/reliability';

const DATA = path.join(__dirname, '../../data/hotpotqa-dev50');
/** Long enough for a real step on a busy 2-core machine; a held request costs this much. */
const TIMEOUT_MS = 30_000;

let env: TestWorkflowEnvironment;
let llama: LlamaServer;
let proxy: FaultProxy;
let search: SqliteSearchEngines;

beforeAll(async () => {
  search = sampleSearchEngine();
  [env, llama] = await Promise.all([startTestEnv(), startLlamaServer({ threads: 1, parallel: 2 })]);
  proxy = await startFaultProxy({ upstream: llama.baseURL, every: 5, retryAfterS: 1 });
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await llama?.stop();
  await env?.teardown();
  await search?.close();
});

jest.setTimeout(bySize(900_000, 1_800_000));

test('a round through an endpoint that fails one call in five completes, and counts every failure by class', async () => {
  const questions = fs.readFileSync(path.join(DATA, 'questions.jsonl'), 'utf8').trim().split('\n');
  const nq = bySize(3, 8);
  const store = new LocalDirStore(tempDir('faulty-endpoint'));
  await store.put('q.jsonl', questions.slice(0, nq).join('\n') + '\n');
  await store.put('eval.jsonl', questions.slice(40, 41).join('\n') + '\n');
  // The real model runs the agent as shipped: steps grounded in the evidence (testConfig's "free" is for doubles).
  const base = testConfig();
  const config = { ...base, agent: { ...base.agent, grounding: 'evidence' as const } };
  const llm = OpenAiLlmSchema.parse({ provider: 'openai', baseURL: proxy.baseURL, model: llama.model, api: 'completions', constrainedDecoding: 'gbnf', timeoutMs: TIMEOUT_MS, concurrency: 2 });
  const worker = await createWorker({
    connection: env.nativeConnection,
    config: { ...config, llm },
    deps: { models: new OpenAiChatModelProvider(llm), search, store, agent: config.agent, fineTuner: new RecordingFineTuner(), workDir: tempDir('faulty-work') },
    workflowBundle: await bundleWorkflows(),
  });
  const settings = CampaignSchema.parse({
    name: 'faulty', rounds: 1, questions: { file: 'x' }, evalQuestions: { file: 'x' },
    samplesPerQuestion: [1], stepSamples: bySize(1, 2), maxSearches: bySize(1, 2), concurrency: 2, batchSize: 10,
  });
  const result = await worker.runUntil(
    env.client.workflow.execute(campaignWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `campaign-faulty-${Date.now()}`,
      args: [{ campaignId: 'faulty', questionsKey: 'q.jsonl', questionCount: nq, evalQuestionsKey: 'eval.jsonl', evalQuestionCount: 1, settings }],
    }),
  );
  const [round] = result.rounds;
  const summary = formatRoundSummary(round);
  process.stdout.write(`${proxy.calls()} calls through the proxy, injected ${JSON.stringify(proxy.injected)}\n${summary}\n`);

  // Every question got its trajectory; none was lost to a fault.
  expect(round.trajectories).toBe(nq);
  expect(round.failedTrajectories).toBe(0);
  // Each fault of every kind was served at least once ...
  for (const n of Object.values(proxy.injected)) expect(n).toBeGreaterThan(0);
  // ... and each one is counted under its class. A real call may also run past the timeout on a busy machine.
  const failures = round.llmFailures ?? {};
  expect(failures.rate_limited).toBe(proxy.injected.rate_limited);
  expect(failures.server_error).toBe(proxy.injected.server_error);
  expect(failures.malformed_response).toBe(proxy.injected.truncated_json);
  expect(failures.empty_completion).toBe(proxy.injected.empty_completion);
  expect(failures.timeout).toBeGreaterThanOrEqual(proxy.injected.timeout);
  expect(failures.other ?? 0).toBe(0);
  expect(failures.connection ?? 0).toBe(0);
  expect(failures.rejected ?? 0).toBe(0);
  expect(summary).toContain(`${proxy.injected.rate_limited} rate_limited`);
});
