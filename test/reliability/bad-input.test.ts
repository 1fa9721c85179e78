/**
 * Bad input to the built CLI: each case gets one message that names what to fix (no stack trace) and a non-zero
 * exit code, and nothing already written is lost or corrupted: a corpus with malformed lines, a question file
 * with duplicates and empty questions, a config with wrong types, a missing model file, an unreachable Temporal
 * address, a campaign cancelled while the CLI waits for it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buildSqliteIndex, SqliteSearchEngine } from '../../adapters/search/sqlite-fts';
import { runCli, spawnCli, type CliRun } from '../helpers/run-cli';
import { startTestEnv, tempDir } from '../helpers/temporal';
import { killWorker, startWorkerProcess } from '../helpers/spawn-worker';

const DATA = path.join(__dirname, '../../data/hotpotqa-dev50');
const QUESTIONS = fs.readFileSync(path.join(DATA, 'questions.jsonl'), 'utf8').trim().split('\n');
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Exit code `code`, and one message on stderr (`restact <command>: ...`) that contains `parts`; no stack trace. */
function expectOneMessage(run: CliRun, command: string, code: number, parts: Array<string | RegExp>): void {
  expect({ code: run.code, stack: /^\s+at /m.test(run.stdout + run.stderr) }).toEqual({ code, stack: false });
  expect(run.stderr).toMatch(new RegExp(`^restact ${command}: `, 'm'));
  for (const p of parts) expect(run.stderr).toMatch(p);
}

let dir: string;
let db: string;

beforeAll(() => {
  dir = tempDir('bad-input');
  db = path.join(dir, 'index.sqlite');
  buildSqliteIndex({ corpusPath: path.join(DATA, 'corpus.jsonl'), dbPath: db });
});

test('a corpus with malformed lines and a duplicate id is refused as a whole; the existing index is left as it was', async () => {
  const corpus = path.join(dir, 'bad-corpus.jsonl');
  fs.writeFileSync(corpus, ['{"id":"p1","title":"A","text":"alpha"}', 'not json', '{"id":"p2","title":"B"}', '{"id":"p1","title":"C","text":"gamma"}', '{"id":"p3","title":"D","text":"delta"}'].join('\n'));
  const before = sha(db);
  const run = await runCli(['index', '--corpus', corpus, '--db', db], { cwd: dir });
  expectOneMessage(run, 'index', 2, ['line 2: invalid JSON', 'line 3: invalid corpus passage: text', 'line 4: duplicate id "p1"', 'nothing was indexed', '--skip-bad-lines to index the 2 good passage(s)']);
  expect(sha(db)).toBe(before);
  const engine = new SqliteSearchEngine(db);
  expect((await engine.search('Scott Derrickson', 3)).length).toBe(3); // still the sample index, and whole
  await engine.close();
  // Asked for, the good passages are indexed (into another file here) and the bad lines listed.
  const partial = path.join(dir, 'partial.sqlite');
  const skipped = await runCli(['index', '--corpus', corpus, '--db', partial, '--skip-bad-lines'], { cwd: dir });
  expect(skipped.code).toBe(0);
  expect(skipped.stdout).toContain('Indexed 2 passages');
});

test('a question file with duplicate ids and empty questions: every bad line in one message, nothing started', async () => {
  const questions = path.join(dir, 'questions.jsonl');
  const [q0, q1] = QUESTIONS.map((l) => JSON.parse(l) as Record<string, unknown>);
  fs.writeFileSync(questions, [q0, q1, { ...q0 }, { id: 'empty', question: '' }, { id: 'blank', question: '   ' }].map((q) => JSON.stringify(q)).join('\n'));
  const config = path.join(dir, 'campaign-dupes.json');
  fs.writeFileSync(config, JSON.stringify({ search: { dbPath: db }, campaign: { questions: { file: 'questions.jsonl' }, evalQuestions: { file: path.join(DATA, 'questions.jsonl'), limit: 2 } } }));
  const run = await runCli(['campaign', 'start', '--config', config], { cwd: dir });
  expectOneMessage(run, 'campaign', 2, ['has 3 bad line(s)', `line 3: duplicate id "${q0.id}" (first on line 1)`, 'line 4: invalid question: question: empty question', 'line 5: invalid question: question: empty question', 'Nothing was started']);
  expect(run.stderr).not.toContain('Temporal dev server'); // refused before any server started
});

test('a config with wrong types: one message naming each field and what it expects', async () => {
  const config = path.join(dir, 'wrong-types.json');
  fs.writeFileSync(config, JSON.stringify({ agent: { maxSearches: 'ten' }, llm: { sequences: 0 }, temporal: { address: 7233 } }));
  const run = await runCli(['ask', 'Who?', '--config', config], { cwd: dir });
  expectOneMessage(run, 'ask', 2, [`Invalid configuration in ${config}`, /agent\.maxSearches: .*expected number/, /llm\.sequences: .*>=1/, /temporal\.address: .*expected string/]);
  const campaign = path.join(dir, 'campaign-wrong-types.json');
  fs.writeFileSync(campaign, JSON.stringify({ campaign: { rounds: 'two', questions: { file: 'q.jsonl' }, evalQuestions: { file: 'q.jsonl' } } }));
  expectOneMessage(await runCli(['campaign', 'start', '--config', campaign], { cwd: dir }), 'campaign', 2, [/campaign\.rounds: .*expected number/]);
});

test('a missing model file is named before anything starts', async () => {
  const config = path.join(dir, 'missing-model.json');
  fs.writeFileSync(config, JSON.stringify({ llm: { modelPath: 'models/not-there.gguf' } }));
  const run = await runCli(['ask', 'Who?', '--config', config, '--db', db], { cwd: dir });
  expectOneMessage(run, 'ask', 2, [`model file not found: ${path.join(dir, 'models/not-there.gguf')}`, 'llm.modelPath']);
  expect(run.stderr).not.toContain('Temporal dev server');
  const worker = await runCli(['worker', '--config', config], { cwd: dir, env: { TEMPORAL_ADDRESS: '127.0.0.1:7233' } });
  expectOneMessage(worker, 'worker', 2, ['model file not found']);
});

test('an unreachable Temporal address: one message naming the address and what to check', async () => {
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const address = `127.0.0.1:${port}`;
  const run = await runCli(['ask', 'Who?', '--db', db], { cwd: dir, env: { TEMPORAL_ADDRESS: address } });
  expectOneMessage(run, 'ask', 2, [`cannot connect to the Temporal server at ${address}`, 'TEMPORAL_ADDRESS', 'restact dev']);
  expectOneMessage(await runCli(['campaign', 'status', 'campaign-x'], { cwd: dir, env: { TEMPORAL_ADDRESS: address } }), 'campaign', 2, [`cannot connect to the Temporal server at ${address}`]);
}, 60_000);

describe('a campaign cancelled while `campaign start --wait` follows it', () => {
  let env: TestWorkflowEnvironment;
  let worker: ChildProcess | undefined;
  beforeAll(async () => {
    env = await startTestEnv();
  }, 60_000);
  afterAll(async () => {
    if (worker) await killWorker(worker);
    await env?.teardown();
  });

  test('exits non-zero saying what is kept and what to do; what it wrote stays whole', async () => {
    const taskQueue = `cancelled-${process.pid}`;
    const artifacts = path.join(dir, 'cancel-artifacts');
    worker = await startWorkerProcess({ TEMPORAL_ADDRESS: env.address, TASK_QUEUE: taskQueue, ARTIFACT_DIR: artifacts, SEARCH_DB: db, WORK_DIR: path.join(dir, 'cancel-work'), DELAY_MS: '300' });
    fs.writeFileSync(path.join(dir, 'q12.jsonl'), QUESTIONS.slice(0, 12).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'held-out.jsonl'), QUESTIONS.slice(30, 31).join('\n') + '\n'); // never trained on
    const config = path.join(dir, 'cancel.json');
    fs.writeFileSync(config, JSON.stringify({ search: { dbPath: db }, campaign: { name: 'cancelme', rounds: 1, samplesPerQuestion: [1], stepSamples: 1, concurrency: 2, batchSize: 4, questions: { file: 'q12.jsonl' }, evalQuestions: { file: 'held-out.jsonl' } } }));
    const cli = spawnCli(['campaign', 'start', '--config', config, '--wait'], { cwd: dir, env: { TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue } });
    let id: string | undefined;
    cli.child.stdout!.on('data', (d) => (id ??= /Started (\S+)/.exec(String(d))?.[1]));
    const trajDir = path.join(artifacts, 'trajectories');
    const saved = () => (fs.existsSync(trajDir) ? fs.readdirSync(trajDir).filter((d) => fs.existsSync(path.join(trajDir, d, 'trajectory.json'))) : []);
    for (let i = 0; i < 600 && (!id || saved().length < 2); i++) await sleep(100);
    await env.client.workflow.getHandle(id!).cancel();
    const run = await cli.done;
    expect({ code: run.code, stack: /^\s+at /m.test(run.stdout + run.stderr) }).toEqual({ code: 1, stack: false });
    for (const part of [`Campaign ${id} was cancelled before it finished`, 'stays in the artifact store', `restact campaign status ${id}`]) expect(run.stderr).toContain(part);
    // Every trajectory it saved is still there and whole.
    const kept = saved();
    expect(kept.length).toBeGreaterThanOrEqual(2);
    for (const d of kept) expect(JSON.parse(fs.readFileSync(path.join(trajDir, d, 'trajectory.json'), 'utf8'))).toMatchObject({ status: 'answered' });
    const status = await runCli(['campaign', 'status', id!], { cwd: dir, env: { TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue } });
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`${id}: CANCELLED`);
    expect(status.stderr).toContain('was cancelled before it finished');
  }, 180_000);
});
