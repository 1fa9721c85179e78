/**
 * Worker crashes: the only worker of a campaign round is killed with SIGKILL three times (twice at random moments of
 * the collection, the second once a batch of trajectories has finished, and once at a random moment of the
 * fine-tune, which runs through the real OpenAI fine-tuning adapter against a test double of the API) and started
 * again each time. The round completes with exactly the trajectories, ranked steps and dataset lines its settings
 * imply, every stored file whole, no model call counted as failed, and one
 * fine-tuning job: the retried fine-tune resumes the job it started instead of starting another.
 * The seed of the random moments is printed; RELIABILITY_SEED=<seed> replays them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { campaignWorkflow } from '../../workflows/campaign';
import { progressQuery } from '../../workflows/signals';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { buildSqliteIndex } from '../../adapters/search/sqlite-fts';
import { CampaignSchema } from '../../lib/rest/campaign-settings';
import { campaignWorkflowId, evalTrajectoryWorkflowId } from '../../lib/workflow-ids';
import { startTestEnv, tempDir } from '../helpers/temporal';
import { killWorker, startWorkerProcess } from '../helpers/spawn-worker';
import { startFineTuneApiDouble, type FineTuneApiDouble } from '../helpers/finetune-api-double';
import { bySize } from '../helpers/reliability';
import { mulberry32 } from '../../lib/random';

const DATA = path.join(__dirname, '../../data/hotpotqa-dev50');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let env: TestWorkflowEnvironment;
let api: FineTuneApiDouble;

beforeAll(async () => {
  env = await startTestEnv();
  api = await startFineTuneApiDouble({ runMs: 8_000 });
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await env?.teardown();
});

jest.setTimeout(bySize(600_000, 1_200_000));

/** Every file of the store is whole: JSON parses, every JSONL line parses, no temp file is left where a key is read. */
function expectWholeFiles(dir: string): number {
  let files = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (!e.name.includes('.tmp-')) {
        files++;
        const text = fs.readFileSync(full, 'utf8');
        if (e.name.endsWith('.json')) expect(() => JSON.parse(text)).not.toThrow();
        if (e.name.endsWith('.jsonl')) for (const line of text.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
      }
    }
  };
  walk(dir);
  return files;
}

test.each([
  ['as activities', false],
  ['as local activities (temporal.localSteps)', true],
])('a round whose trajectory steps run %s survives three kill -9s of its worker: exact counts, whole files, one fine-tuning job', async (_, localSteps) => {
  const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000);
  const random = mulberry32(seed);
  const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
  const dir = tempDir('crashes');
  const db = path.join(dir, 'index.sqlite');
  buildSqliteIndex({ corpusPath: path.join(DATA, 'corpus.jsonl'), dbPath: db });
  const store = new LocalDirStore(path.join(dir, 'artifacts'));
  const questions = fs.readFileSync(path.join(DATA, 'questions.jsonl'), 'utf8').trim().split('\n');
  const nq = bySize(4, 12);
  const samples = 2;
  const ne = bySize(2, 3);
  await store.put('q.jsonl', questions.slice(0, nq).join('\n') + '\n');
  await store.put('eval.jsonl', questions.slice(30, 30 + ne).join('\n') + '\n');
  const taskQueue = `crashes-${seed}${localSteps ? '-local' : ''}`;
  const vars = { TEMPORAL_ADDRESS: env.address, TASK_QUEUE: taskQueue, ARTIFACT_DIR: store.location, SEARCH_DB: db, WORK_DIR: path.join(dir, 'work'), DELAY_MS: localSteps ? '600' : '150', FINE_TUNE_URL: api.baseURL };
  const settings = CampaignSchema.parse({
    name: 'crashes', rounds: 1, questions: { file: 'x' }, evalQuestions: { file: 'x' },
    samplesPerQuestion: [samples], stepSamples: bySize(1, 2), maxSearches: 2, concurrency: 4, batchSize: bySize(2, 4),
  });
  const campaignId = `crashes-${seed}${localSteps ? '-local' : ''}`;
  const workflowId = campaignWorkflowId(campaignId);
  // Local steps finish a step sooner (no server round trip): slower model calls keep the kills in the collect phase.
  const jobsBefore = api.created.length; // the API double serves both tests
  let worker: ChildProcess = await startWorkerProcess(vars);
  const handle = await env.client.workflow.start(campaignWorkflow, {
    taskQueue,
    workflowId,
    args: [{ campaignId, questionsKey: 'q.jsonl', questionCount: nq, evalQuestionsKey: 'eval.jsonl', evalQuestionCount: ne, settings, ...(localSteps ? { localSteps } : {}) }],
  });
  const kills: string[] = [];
  const kill = async (why: string) => {
    const phase = await handle.query(progressQuery).then((p) => `${p.phase}, ${p.trajectories} trajectories`, () => 'phase unknown');
    expect((await handle.describe()).status.name).toBe('RUNNING'); // mid-round, not after it
    await killWorker(worker);
    kills.push(`${why} (${phase})`);
    worker = await startWorkerProcess(vars);
  };
  try {
    await sleep(between(1_000, 5_000));
    await kill('kill 1 at a random moment');
    // The second kill comes once the first batch is done (progress counts whole batches), so it finds finished,
    // ranked trajectories to keep as well as steps in flight.
    for (let i = 0; i < 1200 && (await handle.query(progressQuery).then((p) => p.trajectories, () => 0)) === 0; i++) await sleep(250);
    await sleep(between(0, 3_000));
    await kill('kill 2 at a random moment after the first batch');
    for (let i = 0; i < 1200 && api.created.length === jobsBefore; i++) await sleep(250);
    await sleep(between(0, 6_000)); // the job runs for 8 s
    await kill('kill 3 at a random moment of the fine-tune');
    const result = await handle.result();
    process.stdout.write(`seed ${seed}${localSteps ? ' (local steps)' : ''}: ${kills.join('; ')}\n`);

    const [round] = result.rounds;
    const trajectories = nq * samples;
    // Each trajectory: decide, summarise, decide, answer, two checks: 6 LLM steps, each ranked.
    expect(round).toMatchObject({ questions: nq, trajectories, failedTrajectories: 0, rankedSteps: 6 * trajectories });
    // Both samples of a question give the same (prompt, target): 6 distinct examples per question.
    expect(round.dataset.train + round.dataset.validation).toBe(6 * nq);
    const lines = (key: string) => store.get(key).then((b) => b.toString().split('\n').filter(Boolean).length);
    expect(await lines(round.dataset.trainKey)).toBe(round.dataset.train);
    expect(await lines(round.dataset.validationKey)).toBe(round.dataset.validation);
    // Exactly one trajectory per (question, sample) and per held-out question, one ranking each; nothing extra.
    const trajDir = path.join(store.location, 'trajectories');
    const saved = fs.readdirSync(trajDir).filter((d) => fs.existsSync(path.join(trajDir, d, 'trajectory.json')));
    const ids = (set: string[]) => set.map((l) => (JSON.parse(l) as { id: string }).id);
    const expected = [
      ...ids(questions.slice(0, nq)).flatMap((id) => Array.from({ length: samples }, (_, s) => `${workflowId}.r0.collect.traj-${id}-${s}`)),
      ...ids(questions.slice(30, 30 + ne)).map((id) => evalTrajectoryWorkflowId(`${workflowId}.r0.eval`, 0, id, 0)),
    ];
    expect(saved.sort()).toEqual(expected.sort());
    expect(await store.list(`campaigns/${campaignId}/round-0/ranked/`)).toHaveLength(trajectories);
    expect(round.eval).toMatchObject({ n: ne, answered: ne });
    // A killed worker is not a failed model call.
    expect(round.llmFailures ?? {}).toEqual({});
    // One fine-tuning job, resumed by the retried activity, and its model is the round's.
    expect(api.created.slice(jobsBefore)).toEqual([`${campaignId}-round0`]);
    expect(round.model).toBe(`ft:base:restact:ftjob-${jobsBefore + 1}`);
    expect(expectWholeFiles(store.location)).toBeGreaterThan(trajectories * 8);
  } finally {
    await killWorker(worker);
  }
});
