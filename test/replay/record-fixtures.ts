/**
 * Records the workflow histories that test/replay replays: `npm run record-fixtures [-- NAME ...]`.
 * Longer than 250 lines: one recorder per workflow fixture, listed below with what each records.
 *
 * Each fixture is a real run on the dev server with the test doubles (scripted and rule-based models, a recording
 * trainer, the sample corpus), fetched and written to test/fixtures/NAME.history.json. Re-record a fixture only for
 * a deliberate, versioned change (`patched()`); an old fixture that still replays is the proof that running
 * workflows survive a deploy.
 *
 *   trajectory-two-searches   trajectoryWorkflow: two searches, then answer and both checks (recorded before
 *                             `patched('stop-when-nothing-new')`: the old path of that patch)
 *   trajectory-nothing-new    trajectoryWorkflow: a search, then one that finds nothing not already shown, which
 *                             ends the search phase (`patched('stop-when-nothing-new')`); answer and both checks
 *   trajectory-local-steps    trajectoryWorkflow: the two-search script again, its steps as local activities
 *                             (`patched('local-agent-steps')`; the two fixtures above are the old path)
 *   campaign                  campaignWorkflow: baseline evaluation, two rounds, the report (patches 'campaign-report',
 *                             'eval-workflow')
 *   round                     restRoundWorkflow: round 0 of that campaign (two collect batches, fine-tune, evaluation
 *                             by an evalWorkflow child)
 *   collect-batch             collectBatchWorkflow: the first collect batch of round 0 (trajectories, then ranking)
 *   eval                      evalWorkflow as `restact eval` runs it: two models, two questions, two in flight
 *   campaign-before-report    campaignWorkflow as it was before `patched('campaign-report')` (commit 244ac67),
 *                             bundled from that commit's sources: the old path of the patch
 *   campaign-before-eval-workflow, round-before-eval-workflow
 *                             campaignWorkflow and restRoundWorkflow before `patched('eval-workflow')` (commit
 *                             e9fc38d): evaluation in collect batches and scoreEvaluation, the old path of the patch
 *   write-artifact            writeArtifactWorkflow: a client stages a small file through a worker
 *   read-artifact             readArtifactWorkflow: a client reads it back
 *   distillation              distillationWorkflow: the latest campaign's datasets distilled into the base model,
 *                             both evaluated, both registered
 *   distillation-no-new-data  distillationWorkflow: the next run finds the same data and ends early
 *   compare-evals             compareEvalsWorkflow as `restact eval compare` starts it: the two models of an evaluation
 *                             like the eval fixture's, compared on their shared questions
 *   calibrate                 calibrateWorkflow as `restact eval calibrate` starts it: the first six labels of the
 *                             shipped sample, two judged at a time
 *   collect-batch-before-failure-tally, eval-before-failure-tally
 *                             collectBatchWorkflow and evalWorkflow before `patched('failure-tally')` (commit
 *                             112ad18): no tallyFailures activity, the old path of the patch
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type Worker } from '@temporalio/worker';
import { createWorker } from '../../worker';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { AGENT_RULES, RecordingFineTuner, RuleModel } from '../helpers/rule-model';
import { ScriptedModel } from '../helpers/scripted-model';
import { NOTHING_NEW_SEARCH, TWO_SEARCHES } from '../helpers/scripts';
import { exampleDistillationInput, seedRegistry } from '../helpers/distill';
import { bundleWorkflows, sampleSearchEngine, startTestEnv, tempDir, testConfig } from '../helpers/temporal';
import type { EvalInput } from '../../workflows/eval';
import type { CompareEvalsCall } from '../../activities/compare-evals';
import { calibrateInput, readLabels } from '../../client/commands/calibrate';
import { evalPrefix } from '../../lib/artifact-keys';
import { CAMPAIGN_FIXTURE, FIXTURE_WORKFLOW_IDS, FIXTURES_DIR, TWO_SEARCHES_QUESTION } from './fixtures';

const ROOT = path.join(__dirname, '../..');
/** The last commit whose campaign workflow had no `patched('campaign-report')`. */
const BEFORE_REPORT_COMMIT = '244ac67';
/** The last commit whose rounds evaluated without evalWorkflow (no `patched('eval-workflow')`). */
const BEFORE_EVAL_WORKFLOW_COMMIT = 'e9fc38d';
/** The last commit whose batches and evaluations did not add up their failed model calls (no `patched('failure-tally')`). */
const BEFORE_FAILURE_TALLY_COMMIT = '112ad18';
const DATA = path.join(ROOT, 'data/hotpotqa-dev50');
const QUESTIONS = fs.readFileSync(path.join(DATA, 'questions.jsonl'), 'utf8').trim().split('\n');

type Bundle = Awaited<ReturnType<typeof bundleWorkflows>>;

async function save(env: TestWorkflowEnvironment, workflowId: string, name: string): Promise<void> {
  const history = (await env.client.workflow.getHandle(workflowId).fetchHistory()) as temporal.api.history.v1.History;
  const json = temporal.api.history.v1.History.toObject(history, { longs: String, enums: String, bytes: String });
  const file = path.join(FIXTURES_DIR, `${name}.history.json`);
  fs.writeFileSync(file, JSON.stringify(json, null, 1) + '\n');
  console.log(`wrote ${path.relative(ROOT, file)} (${history.events?.length} events)`);
}

async function withWorker<T>(env: TestWorkflowEnvironment, bundle: Bundle, deps: Parameters<typeof createWorker>[0]['deps'], fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const config = testConfig();
  const worker: Worker = await createWorker({ connection: env.nativeConnection, config, deps, workflowBundle: bundle });
  return worker.runUntil(fn(config.temporal.taskQueue));
}

async function recordTrajectory(env: TestWorkflowEnvironment, bundle: Bundle): Promise<void> {
  const search = sampleSearchEngine();
  const deps = { models: new ScriptedModel(TWO_SEARCHES), search, store: new LocalDirStore(tempDir('fixture')), agent: testConfig().agent };
  await withWorker(env, bundle, deps, (taskQueue) =>
    env.client.workflow.execute('trajectoryWorkflow', { taskQueue, workflowId: 'traj-two-searches', args: [{ questionId: 'q1', question: TWO_SEARCHES_QUESTION }] }),
  );
  await search.close();
  await save(env, 'traj-two-searches', 'trajectory-two-searches');
}

async function recordNothingNew(env: TestWorkflowEnvironment, bundle: Bundle): Promise<void> {
  const search = sampleSearchEngine();
  const deps = { models: new ScriptedModel(NOTHING_NEW_SEARCH), search, store: new LocalDirStore(tempDir('fixture')), agent: testConfig().agent };
  await withWorker(env, bundle, deps, (taskQueue) =>
    env.client.workflow.execute('trajectoryWorkflow', { taskQueue, workflowId: 'traj-nothing-new', args: [{ questionId: 'q1', question: TWO_SEARCHES_QUESTION }] }),
  );
  await search.close();
  await save(env, 'traj-nothing-new', 'trajectory-nothing-new');
}

async function recordLocalSteps(env: TestWorkflowEnvironment, bundle: Bundle): Promise<void> {
  const search = sampleSearchEngine();
  const deps = { models: new ScriptedModel(TWO_SEARCHES), search, store: new LocalDirStore(tempDir('fixture')), agent: testConfig().agent };
  const workflowId = FIXTURE_WORKFLOW_IDS['trajectory-local-steps'];
  await withWorker(env, bundle, deps, (taskQueue) =>
    env.client.workflow.execute('trajectoryWorkflow', { taskQueue, workflowId, args: [{ questionId: 'q1', question: TWO_SEARCHES_QUESTION, localSteps: true }] }),
  );
  await search.close();
  await save(env, workflowId, 'trajectory-local-steps');
}

/** Runs the fixture campaign with `bundle`; returns its workflow id. */
async function runCampaign(env: TestWorkflowEnvironment, bundle: Bundle, campaignId: string): Promise<string> {
  const search = sampleSearchEngine();
  const store = new LocalDirStore(tempDir('fixture'));
  const { questions, evalQuestions, settings } = CAMPAIGN_FIXTURE;
  await store.put('q.jsonl', QUESTIONS.slice(0, questions).join('\n') + '\n');
  await store.put('eval.jsonl', QUESTIONS.slice(10, 10 + evalQuestions).join('\n') + '\n');
  const workflowId = `campaign-${campaignId}`;
  const deps = { models: new RuleModel(AGENT_RULES), search, store, agent: testConfig().agent, fineTuner: new RecordingFineTuner(), workDir: tempDir('fixture-work') };
  await withWorker(env, bundle, deps, (taskQueue) =>
    env.client.workflow.execute('campaignWorkflow', {
      taskQueue,
      workflowId,
      args: [{ campaignId, questionsKey: 'q.jsonl', questionCount: questions, evalQuestionsKey: 'eval.jsonl', evalQuestionCount: evalQuestions, settings }],
    }),
  );
  await search.close();
  return workflowId;
}

async function recordCampaign(env: TestWorkflowEnvironment, bundle: Bundle, names: Set<string>): Promise<void> {
  const workflowId = await runCampaign(env, bundle, 'fixture');
  if (names.has('campaign')) await save(env, workflowId, 'campaign');
  if (names.has('round')) await save(env, `${workflowId}.r0`, 'round');
  if (names.has('collect-batch')) await save(env, `${workflowId}.r0.collect.batch-0`, 'collect-batch');
}

/** Runs `fn` with the workflows of an earlier commit (its workflows/ and lib/), bundled. */
async function withBundleAt<T>(commit: string, fn: (bundle: Bundle) => Promise<T>): Promise<T> {
  const src = path.join(ROOT, '.fixture-src'); // inside the project, so the bundler finds node_modules
  fs.rmSync(src, { recursive: true, force: true });
  fs.mkdirSync(src);
  try {
    const tar = execFileSync('git', ['archive', commit, 'workflows', 'lib', 'activities', 'ports'], { cwd: ROOT, maxBuffer: 64 << 20 });
    execFileSync('tar', ['-x', '-C', src], { input: tar });
    return await fn(await bundleWorkflowCode({ workflowsPath: path.join(src, 'workflows'), logger: new DefaultLogger('WARN') }));
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
}

/** The client's artifact transfers (workflows/artifacts.ts), as client/artifacts.ts starts them. */
async function recordArtifactTransfers(env: TestWorkflowEnvironment, bundle: Bundle, names: Set<string>): Promise<void> {
  const deps = { models: new RuleModel(AGENT_RULES), search: sampleSearchEngine(), store: new LocalDirStore(tempDir('fixture')), agent: testConfig().agent };
  await withWorker(env, bundle, deps, async (taskQueue) => {
    const options = { taskQueue, workflowExecutionTimeout: '1 minute' };
    await env.client.workflow.execute('writeArtifactWorkflow', { ...options, workflowId: FIXTURE_WORKFLOW_IDS['write-artifact'], args: ['fixtures/hello.txt', 'hello\n'] });
    await env.client.workflow.execute('readArtifactWorkflow', { ...options, workflowId: FIXTURE_WORKFLOW_IDS['read-artifact'], args: ['fixtures/hello.txt', false] });
  });
  await deps.search.close();
  for (const name of ['write-artifact', 'read-artifact']) if (names.has(name)) await save(env, FIXTURE_WORKFLOW_IDS[name], name);
}

/** Two scheduled runs of examples/nightly-distill.json over a seeded registry: the first distils, the second finds no new data. */
async function recordDistillations(env: TestWorkflowEnvironment, bundle: Bundle, names: Set<string>): Promise<void> {
  const store = new LocalDirStore(tempDir('fixture'));
  await seedRegistry(store);
  const deps = { models: new RuleModel(AGENT_RULES), search: sampleSearchEngine(), store, agent: testConfig().agent, fineTuner: new RecordingFineTuner(), workDir: tempDir('fixture-work') };
  await withWorker(env, bundle, deps, async (taskQueue) => {
    for (const name of ['distillation', 'distillation-no-new-data']) {
      await env.client.workflow.execute('distillationWorkflow', { taskQueue, workflowId: FIXTURE_WORKFLOW_IDS[name], args: [exampleDistillationInput()] });
    }
  });
  await deps.search.close();
  for (const name of ['distillation', 'distillation-no-new-data']) if (names.has(name)) await save(env, FIXTURE_WORKFLOW_IDS[name], name);
}

/** Runs the fixture campaign with the workflows of an earlier commit; returns its workflow id. */
function runCampaignAt(env: TestWorkflowEnvironment, commit: string, campaignId: string): Promise<string> {
  return withBundleAt(commit, (bundle) => runCampaign(env, bundle, campaignId));
}

/** evalWorkflow as the CLI starts it, on two models (the rule model answers both) and two questions. */
async function recordEval(env: TestWorkflowEnvironment, bundle: Bundle, name = 'eval'): Promise<void> {
  const search = sampleSearchEngine();
  const store = new LocalDirStore(tempDir('fixture'));
  await store.put('q.jsonl', QUESTIONS.slice(0, 2).join('\n') + '\n');
  const deps = { models: new RuleModel(AGENT_RULES), search, store, agent: testConfig().agent };
  const input: EvalInput = {
    evalId: 'fixture', title: 'fixture', questionsKey: 'q.jsonl', questionCount: 2, models: [{ label: 'base' }, { label: 'other', ref: 'other' }],
    runs: 1, judge: { label: 'rules', weak: false }, maxSearches: 2, temperature: 0, concurrency: 2, outPrefix: evalPrefix('fixture'), seed: 'fixture', resamples: 100,
  };
  await withWorker(env, bundle, deps, (taskQueue) => env.client.workflow.execute('evalWorkflow', { taskQueue, workflowId: FIXTURE_WORKFLOW_IDS[name], args: [input] }));
  await search.close();
  await save(env, FIXTURE_WORKFLOW_IDS[name], name);
}

/** `restact eval compare` of an evaluation's two models (an evaluation run like the eval fixture's, not saved). */
async function recordCompareEvals(env: TestWorkflowEnvironment, bundle: Bundle): Promise<void> {
  const search = sampleSearchEngine();
  const store = new LocalDirStore(tempDir('fixture'));
  await store.put('q.jsonl', QUESTIONS.slice(0, 2).join('\n') + '\n');
  const deps = { models: new RuleModel(AGENT_RULES), search, store, agent: testConfig().agent };
  const input: EvalInput = {
    evalId: 'compared', title: 'compared', questionsKey: 'q.jsonl', questionCount: 2, models: [{ label: 'base' }, { label: 'other', ref: 'other' }],
    runs: 1, judge: { label: 'rules', weak: false }, maxSearches: 2, temperature: 0, concurrency: 2, outPrefix: evalPrefix('compared'), seed: 'fixture', resamples: 100,
  };
  const compare: CompareEvalsCall = {
    base: { outPrefix: evalPrefix('compared'), modelIndex: 0, label: 'base' },
    candidate: { outPrefix: evalPrefix('compared'), modelIndex: 1, label: 'other' },
    seed: 'fixture',
    resamples: 100,
  };
  await withWorker(env, bundle, deps, async (taskQueue) => {
    await env.client.workflow.execute('evalWorkflow', { taskQueue, workflowId: 'eval-compared', args: [input] });
    await env.client.workflow.execute('compareEvalsWorkflow', { taskQueue, workflowId: FIXTURE_WORKFLOW_IDS['compare-evals'], args: [compare] });
  });
  await search.close();
  await save(env, FIXTURE_WORKFLOW_IDS['compare-evals'], 'compare-evals');
}

/** A judge calibration of the shipped sample's first labels (the rule model judges). */
async function recordCalibrate(env: TestWorkflowEnvironment, bundle: Bundle): Promise<void> {
  const deps = { models: new RuleModel(AGENT_RULES), search: sampleSearchEngine(), store: new LocalDirStore(tempDir('fixture')), agent: testConfig().agent };
  const input = calibrateInput(readLabels(path.join(ROOT, 'data/eval/calibration-sample.jsonl')).slice(0, 6), undefined, 2);
  await withWorker(env, bundle, deps, (taskQueue) => env.client.workflow.execute('calibrateWorkflow', { taskQueue, workflowId: FIXTURE_WORKFLOW_IDS.calibrate, args: [input] }));
  await deps.search.close();
  await save(env, FIXTURE_WORKFLOW_IDS.calibrate, 'calibrate');
}

const ALL = ['trajectory-two-searches', 'trajectory-nothing-new', 'trajectory-local-steps', 'campaign', 'round', 'collect-batch', 'eval', 'campaign-before-report', 'campaign-before-eval-workflow', 'round-before-eval-workflow', 'write-artifact', 'read-artifact', 'distillation', 'distillation-no-new-data', 'calibrate', 'compare-evals', 'collect-batch-before-failure-tally', 'eval-before-failure-tally'];

async function main() {
  const names = new Set(process.argv.slice(2).length ? process.argv.slice(2) : ALL);
  for (const n of names) if (!ALL.includes(n)) throw new Error(`unknown fixture ${n}; one of ${ALL.join(', ')}`);
  const [env, bundle] = await Promise.all([startTestEnv(), bundleWorkflows()]);
  try {
    if (names.has('trajectory-two-searches')) await recordTrajectory(env, bundle);
    if (names.has('trajectory-nothing-new')) await recordNothingNew(env, bundle);
    if (names.has('trajectory-local-steps')) await recordLocalSteps(env, bundle);
    if (['campaign', 'round', 'collect-batch'].some((n) => names.has(n))) await recordCampaign(env, bundle, names);
    if (names.has('eval')) await recordEval(env, bundle);
    if (names.has('campaign-before-report')) await save(env, await runCampaignAt(env, BEFORE_REPORT_COMMIT, 'fixture-before-report'), 'campaign-before-report');
    if (['campaign-before-eval-workflow', 'round-before-eval-workflow'].some((n) => names.has(n))) {
      const workflowId = await runCampaignAt(env, BEFORE_EVAL_WORKFLOW_COMMIT, 'fixture-before-eval-workflow');
      if (names.has('campaign-before-eval-workflow')) await save(env, workflowId, 'campaign-before-eval-workflow');
      if (names.has('round-before-eval-workflow')) await save(env, `${workflowId}.r0`, 'round-before-eval-workflow');
    }
    if (names.has('write-artifact') || names.has('read-artifact')) await recordArtifactTransfers(env, bundle, names);
    if (names.has('distillation') || names.has('distillation-no-new-data')) await recordDistillations(env, bundle, names);
    if (names.has('calibrate')) await recordCalibrate(env, bundle);
    if (names.has('compare-evals')) await recordCompareEvals(env, bundle);
    if (names.has('collect-batch-before-failure-tally')) {
      const workflowId = await runCampaignAt(env, BEFORE_FAILURE_TALLY_COMMIT, 'fixture-before-failure-tally');
      await save(env, `${workflowId}.r0.collect.batch-0`, 'collect-batch-before-failure-tally');
    }
    if (names.has('eval-before-failure-tally')) await withBundleAt(BEFORE_FAILURE_TALLY_COMMIT, (old) => recordEval(env, old, 'eval-before-failure-tally'));
  } finally {
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
