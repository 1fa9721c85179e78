/**
 * `restact history`, `restact replay` (from the server, from files in every format, a campaign's failed
 * trajectories), `replay --show` and `restact rerun`, run as commands against the real dev server. The commands
 * run with no model and no search index configured (both point at files that do not exist): they work from
 * histories, and read step records through a worker.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createWorker } from '../../worker';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import type { SqliteSearchEngines } from '../../adapters/search/sqlite-fts';
import type { ChatModelProvider, ChatRequest } from '../../ports/chat-model';
import { findTemporalCli } from '../../client/dev-server';
import { startCampaign } from '../../client/campaigns';
import { CampaignSchema } from '../../lib/rest/campaign-settings';
import { RERUN_OF } from '../../lib/search-attributes';
import { AGENT_RULES, RecordingFineTuner, RuleModel, type Rule } from '../helpers/rule-model';
import { restact } from '../helpers/cli';
import { bundleWorkflows, sampleSearchEngine, startTestEnv, tempDir, testConfig } from '../helpers/temporal';

const DATA = path.join(__dirname, '../../data/hotpotqa-dev50');
const QUESTIONS = fs.readFileSync(path.join(DATA, 'questions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; question: string });
const FAILING = QUESTIONS[1];

/** Answers by rule; FAILING's answers never parse; model `alt` terminates at once instead of searching. */
function models(): ChatModelProvider {
  const failing: Rule = (r, n) => (r.messages[1].content.includes(FAILING.question) ? 'no answer here' : AGENT_RULES.answer(r, n));
  const base = new RuleModel({ ...AGENT_RULES, answer: failing });
  const alt = new RuleModel({ ...AGENT_RULES, decision: () => 'Terminate()', answer: () => 'Answer(text="no")' });
  return { get: async (ref?: string) => (ref === 'alt' ? alt : base).get(ref), close: async () => undefined };
}

let env: TestWorkflowEnvironment;
let search: SqliteSearchEngines;
let worker: Worker;
let running: Promise<void>;
const config = testConfig();
const dir = tempDir('replay-cmd');
/** What every command sees: the test server and task queue, and no usable model or search index. */
let cliEnv: Record<string, string | undefined>;

beforeAll(async () => {
  search = sampleSearchEngine();
  let bundle;
  [env, bundle] = await Promise.all([startTestEnv(), bundleWorkflows()]);
  const store = new LocalDirStore(path.join(dir, 'artifacts'));
  worker = await createWorker({ connection: env.nativeConnection, config, deps: { models: models(), search, store, agent: config.agent, fineTuner: new RecordingFineTuner(), workDir: path.join(dir, 'work') }, workflowBundle: bundle });
  running = worker.run();
  cliEnv = {
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
    RESTACT_MODEL: path.join(dir, 'no-such-model.gguf'),
    RESTACT_SEARCH_DB: path.join(dir, 'no-such-index.sqlite'),
    RESTACT_ARTIFACT_DIR: path.join(dir, 'not-the-store'),
  };
  for (const [workflowId, q] of [['traj-answered', QUESTIONS[0]], ['traj-failed', FAILING]] as const) {
    await env.client.workflow.execute('trajectoryWorkflow', { taskQueue: config.temporal.taskQueue, workflowId, args: [{ questionId: q.id, question: q.question, maxSearches: 2 }] });
  }
  // A search activity that fails for good: an index the worker does not have.
  await env.client.workflow.execute('trajectoryWorkflow', { taskQueue: config.temporal.taskQueue, workflowId: 'traj-search-failed', args: [{ questionId: 'q', question: QUESTIONS[2].question, searchDb: path.join(dir, 'missing.sqlite') }] });
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await search?.close();
});

jest.setTimeout(120_000);

test('restact history writes JSON that replay --file replays; so does `temporal workflow show --output json`; and replay ID from the server', async () => {
  const history = await restact(['history', 'traj-answered'], cliEnv);
  expect(history.code).toBe(0);
  expect(JSON.parse(history.stdout).events[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
  const ours = path.join(dir, 'ours.json');
  fs.writeFileSync(ours, history.stdout);
  const theirs = path.join(dir, 'temporal-cli.json');
  fs.writeFileSync(theirs, execFileSync(findTemporalCli(), ['workflow', 'show', '--workflow-id', 'traj-answered', '--address', env.address, '--output', 'json']));
  for (const file of [ours, theirs]) {
    const r = await restact(['replay', '--file', file], { TEMPORAL_ADDRESS: undefined });
    expect([file, r.code, r.stdout]).toEqual([file, 0, expect.stringMatching(/^ok: traj-answered \(trajectoryWorkflow, \d+ events, .*\) replays against the current workflow code/)]);
  }
  const fromServer = await restact(['replay', 'traj-answered'], cliEnv);
  expect(fromServer).toMatchObject({ code: 0, stdout: expect.stringContaining('ok: traj-answered (trajectoryWorkflow') });
});

test('replay --show prints the steps with their exact prompts and outputs from the step records, read through a worker', async () => {
  const r = await restact(['replay', 'traj-answered', '--show'], cliEnv);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('traj-answered  answered  7 steps, from the history and artifact records');
  expect(r.stdout).toContain(`Q: ${QUESTIONS[0].question}`);
  expect(r.stdout).toMatch(/ 1\. decision +Search\(query="nationality of the director"\)/);
  expect(r.stdout).toMatch(/ 2\. search +"nationality of the director"[^\n]*\n +1\. \S/);
  expect(r.stdout).toMatch(/prompt \(its task part[^\n]*\n +ORIGINAL_QUESTION: str = /);
  expect(r.stdout).toContain('output: "Search(query=\\"nationality of the director\\")"');
  expect(r.stdout).toContain('A: yes');
  expect(r.stdout).toContain('ok: traj-answered');
});

test('replay --show of failed trajectories: an unparsable step (from the history alone: raw output, prompts re-rendered), a failed activity', async () => {
  const r = await restact(['replay', 'traj-failed', '--show', '--history-only'], cliEnv);
  expect(r.code).toBe(0); // it replays fine; the trajectory itself failed
  expect(r.stdout).toContain('traj-failed  failed');
  expect(r.stdout).toContain('from the history');
  expect(r.stdout).toMatch(/answer +FAILED: answer output unparsable after 3 attempt\(s\)/);
  expect(r.stdout).toContain('output: "no answer here"');
  expect(r.stdout).toContain('prompt, re-rendered from the recorded input by the current prompt code');
  expect(r.stdout).toMatch(/failure: activity|failure: answer output unparsable/);

  const searchFailed = await restact(['replay', 'traj-search-failed', '--show'], cliEnv);
  expect(searchFailed.stdout).toMatch(/ 2\. search +"nationality of the director": activity search failed: NonRetryableError: Search index not found at /);

  // Offline, from a file, with no server at all.
  const file = path.join(dir, 'failed.json');
  fs.writeFileSync(file, (await restact(['history', 'traj-failed'], cliEnv)).stdout);
  const offline = await restact(['replay', '--file', file, '--show'], { TEMPORAL_ADDRESS: undefined, RESTACT_MODEL: cliEnv.RESTACT_MODEL, RESTACT_SEARCH_DB: cliEnv.RESTACT_SEARCH_DB });
  expect(offline.code).toBe(0);
  expect(offline.stdout).toContain('traj-failed  failed');
  expect(offline.stdout).toContain('output: "no answer here"');
});

test('rerun starts the same trajectory with another model, linked back by memo and search attribute, and diffs the steps', async () => {
  const r = await restact(['rerun', 'traj-answered', '--model', 'alt'], cliEnv);
  expect(r.code).toBe(0);
  const id = /Rerun (\S+) \(RerunOf = traj-answered\)/.exec(r.stdout)![1];
  expect(id).toMatch(/^traj-answered\.rerun-\d{8}-\d{6}$/);
  const described = await env.client.workflow.getHandle(id).describe();
  expect(described.typedSearchAttributes.get(RERUN_OF)).toBe('traj-answered');
  expect(described.memo).toMatchObject({ rerunOf: 'traj-answered', summary: 'rerun of traj-answered (model alt)' });
  // Same question and settings; only the model differs.
  const [original, rerun] = await Promise.all(['traj-answered', id].map(async (w) => (await env.client.workflow.getHandle(w).fetchHistory()).events![0].workflowExecutionStartedEventAttributes!.input));
  expect(rerun).not.toEqual(original);
  // The diff: the original searched and summarised first, the rerun terminated at once; then the answers differ
  // and the checks are the same.
  expect(r.stdout).toMatch(/< decision: Search\(query="nationality of the director"\)\s*\n/);
  expect(r.stdout).toMatch(/< search: "nationality of the director" -> /);
  expect(r.stdout).toMatch(/= decision: Terminate\(\) +decision: Terminate\(\)/);
  expect(r.stdout).toMatch(/~ answer: Answer\(text="yes"\) +answer: Answer\(text="no"\)/);
  expect(r.stdout).toMatch(/= relevance_check: Check_Answer\(passed=True\) +relevance_check: Check_Answer\(passed=True\)/);
  expect(r.stdout).toMatch(/answered: "yes" +answered: "no"/);
});

test('replay --campaign ID --failed replays exactly the failed trajectories of a campaign', async () => {
  const file = path.join(DATA, 'questions.jsonl');
  const settings = CampaignSchema.parse({ name: 'replayc', rounds: 1, questions: { file, limit: 3 }, evalQuestions: { file, offset: 10, limit: 1 }, samplesPerQuestion: [1], stepSamples: 1, maxSearches: 2, concurrency: 2, batchSize: 2 });
  const { workflowId } = await startCampaign({ client: env.client, config, address: env.address, embedded: false }, settings);
  await env.client.workflow.getHandle(workflowId).result();
  const r = await restact(['replay', '--campaign', workflowId, '--failed'], cliEnv);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain(`1 failed trajectories of campaign ${workflowId}`);
  expect(r.stdout).toContain(`ok: ${workflowId}.r0.collect.traj-${FAILING.id}-0 (trajectoryWorkflow`);
  const all = await restact(['replay', '--campaign', workflowId.replace(/^campaign-/, '')], cliEnv);
  expect(all.code).toBe(0);
  expect(all.stdout).toMatch(/9 of 9 replayed without error/);
});
