/**
 * Nightly distillation on a Temporal Schedule, on the real dev server with test doubles: `restact schedule distill`
 * creates the schedule, `describe` shows it, `trigger --wait` runs a distillation that fine-tunes the student on the
 * latest campaign's datasets, evaluates student and teacher on the same held-out questions (evalWorkflow, paired) and
 * registers both with their lineage and scores; a second run finds no new data
 * and ends early; `list`, `pause`, `unpause` and `delete` manage it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createWorker } from '../../worker';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import type { SqliteSearchEngines } from '../../adapters/search/sqlite-fts';
import { getJson } from '../../ports/artifact-store';
import type { DistilledModelEntry } from '../../activities/record-distillation';
import { AGENT_RULES, RecordingFineTuner, RuleModel } from '../helpers/rule-model';
import { restact } from '../helpers/cli';
import { example, seedRegistry, TEACHER_CAMPAIGN } from '../helpers/distill';
import { bundleWorkflows, sampleSearchEngine, startTestEnv, tempDir, testConfig } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let search: SqliteSearchEngines;
let worker: Worker;
let running: Promise<void>;
const config = testConfig();
const dir = tempDir('distill');
const store = new LocalDirStore(path.join(dir, 'artifacts'));
const fineTuner = new RecordingFineTuner();
const models = new RuleModel(AGENT_RULES);
/** The distinct model refs among the rule model's calls. */
const distinctModels = (calls: Array<{ model?: string }>) => [...new Set(calls.map((c) => c.model!))].sort();
let cliEnv: Record<string, string | undefined>;

beforeAll(async () => {
  search = sampleSearchEngine();
  let bundle;
  [env, bundle] = await Promise.all([startTestEnv(), bundleWorkflows()]);
  await seedRegistry(store);
  worker = await createWorker({ connection: env.nativeConnection, config, deps: { models, search, store, agent: config.agent, fineTuner, workDir: path.join(dir, 'work') }, workflowBundle: bundle });
  running = worker.run();
  cliEnv = { TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, RESTACT_MODEL: path.join(dir, 'no-model.gguf') };
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await search?.close();
});

jest.setTimeout(180_000);

test('schedule distill, describe, trigger (a distillation that registers the student), no new data, list, pause, delete', async () => {
  const configFile = path.join(dir, 'distill.json');
  fs.writeFileSync(configFile, fs.readFileSync(path.join(__dirname, '../../examples/nightly-distill.json'), 'utf8'));

  const created = await restact(['schedule', 'distill', '--cron', '0 3 * * *', '--config', configFile], cliEnv);
  expect(created).toMatchObject({ code: 0, stdout: expect.stringContaining('Created schedule schedule-distill-nightly: distillation nightly, 0 3 * * * (UTC), overlap SKIP') });
  expect(created.stdout).toMatch(/Next runs: \d{4}-\d{2}-\d{2}T03:00:00\.000Z/);
  const again = await restact(['schedule', 'distill', '--cron', '0 3 * * *', '--config', configFile], cliEnv);
  expect(again).toMatchObject({ code: 2, stderr: expect.stringContaining('schedule schedule-distill-nightly exists already') });

  const described = await restact(['schedule', 'describe', 'schedule-distill-nightly'], cliEnv);
  expect(described.code).toBe(0);
  expect(described.stdout).toContain('when:     cron 0 3 * * * (UTC); overlap SKIP');
  expect(described.stdout).toContain('starts:   distillationWorkflow distill-nightly');

  // Trigger now: the run's id says what it is; it trains the student on the latest campaign's two round datasets.
  const first = await restact(['schedule', 'trigger', 'schedule-distill-nightly', '--wait'], cliEnv);
  expect(first.code).toBe(0);
  const runId = /started (\S+)/.exec(first.stdout)![1];
  expect(runId).toMatch(/^distill-nightly-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  expect(first.stdout).toContain(`distilled: student ft-${runId.replace(/:/g, '_')}`);
  expect(fineTuner.requests).toHaveLength(1);
  expect(fineTuner.requests[0]).toMatchObject({ baseModel: 'base', hyperparameters: expect.objectContaining({ maxSteps: 12 }) });
  // The merged training set: both rounds of the teacher campaign, each example once.
  expect(fs.readFileSync(fineTuner.requests[0].trainFile, 'utf8').trim().split('\n').sort()).toEqual([example(0), example(1), example(10), example(11), example(99)].sort());

  const student = await getJson<DistilledModelEntry>(store, `registry/distillations/${runId.replace(/:/g, '_')}/student.json`);
  expect(student).toMatchObject({
    role: 'student',
    model: `ft-${runId.replace(/:/g, '_')}`,
    parentModel: 'base',
    teacherModel: `artifact:campaigns/${TEACHER_CAMPAIGN}/round-1/model/adapter.gguf`,
    teacherCampaignId: TEACHER_CAMPAIGN,
    datasetKeys: [0, 1].map((round) => `campaigns/${TEACHER_CAMPAIGN}/round-${round}/dataset/train.jsonl`),
    distillationId: runId,
  });
  const teacher = await getJson<DistilledModelEntry>(store, `registry/distillations/${runId.replace(/:/g, '_')}/teacher.json`);
  expect(teacher).toMatchObject({ role: 'teacher', model: student.teacherModel });

  // Student and teacher were evaluated by one evalWorkflow on the same held-out questions (the teacher campaign's),
  // each entry with its scores and the paired student - teacher differences.
  const evalId = `${runId}.eval`;
  const evalRun = await env.client.workflow.getHandle(evalId).describe();
  expect(evalRun).toMatchObject({ type: 'evalWorkflow', status: { name: 'COMPLETED' } });
  const reportKey = `distillations/${runId.replace(/:/g, '_')}/eval/report.json`;
  for (const entry of [student, teacher]) {
    expect(entry.evaluation).toMatchObject({ workflowId: evalId, reportKey, scores: { autoEval: expect.objectContaining({ n: 2 }), em: expect.anything() } });
    expect((entry.evaluation.paired as Array<{ a: string; b: string; metric: string }>).map((p) => [p.b, p.a, p.metric])).toEqual(['autoEval', 'em', 'f1', 'contains'].map((m) => ['student', 'teacher', m]));
  }
  const report = await getJson<{ models: Array<{ model: string; questions: number }> }>(store, reportKey);
  expect(report.models.map((m) => [m.model, m.questions])).toEqual([['teacher', 2], ['student', 2]]);
  // Every trajectory of the evaluation used one of the two models.
  const evalModels = distinctModels(models.calls.filter((c) => c.step !== 'judge' && c.model !== undefined));
  expect(evalModels).toEqual([student.model, teacher.model].sort());
  expect(first.stdout).toMatch(/held-out auto-eval on 2 question\(s\): student \d+\.\d% vs teacher \d+\.\d% \(student - teacher [-+]\d+\.\d pts \[/);

  // The next run finds the same data: it records that and ends without training.
  const second = await restact(['schedule', 'trigger', 'schedule-distill-nightly', '--wait'], cliEnv);
  expect(second.code).toBe(0);
  expect(second.stdout).toContain(`no new data since ${runId}: nothing trained`);
  expect(fineTuner.requests).toHaveLength(1);

  const afterRuns = await restact(['schedule', 'describe', 'schedule-distill-nightly'], cliEnv);
  expect(afterRuns.stdout).toContain('taken:    2 run(s)');
  expect(afterRuns.stdout).toMatch(new RegExp(`${runId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}  COMPLETED  distilled`));

  const listed = await restact(['schedule', 'list'], cliEnv);
  expect(listed.stdout).toMatch(/schedule-distill-nightly {2}active {2}next \d{4}/);
  expect((await restact(['schedule', 'pause', 'schedule-distill-nightly', '--note', 'maintenance'], cliEnv)).code).toBe(0);
  expect((await restact(['schedule', 'list'], cliEnv)).stdout).toContain('schedule-distill-nightly  paused (maintenance)');
  expect((await restact(['schedule', 'unpause', 'schedule-distill-nightly'], cliEnv)).code).toBe(0);
  expect((await restact(['schedule', 'delete', 'schedule-distill-nightly'], cliEnv)).stdout).toContain('Deleted schedule schedule-distill-nightly');
  expect(await restact(['schedule', 'describe', 'schedule-distill-nightly'], cliEnv)).toMatchObject({ code: 2, stderr: expect.stringContaining('no schedule schedule-distill-nightly') });
});
