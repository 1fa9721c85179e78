/**
 * End to end on real parts: the `restact` CLI with the embedded SmolLM2-135M model (node-llama-cpp), the
 * SQLite BM25 index of the sample corpus, and the Temporal dev server it starts itself. Two sample questions
 * run as two `restact ask --json` processes side by side, while a third process holds the embedded model too
 * (each used to reserve 6.4 GB, and three of them ran the 24 GB machine out of memory).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { tempDir } from '../helpers/temporal';

const ROOT = path.join(__dirname, '../..');
const CLI = path.join(ROOT, 'bin/restact.js');
const QUESTIONS = fs
  .readFileSync(path.join(ROOT, 'data/hotpotqa-dev50/questions.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .slice(0, 2)
  .map((l) => JSON.parse(l) as { id: string; question: string });

function restact(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

jest.setTimeout(600_000);

test('restact ask answers two sample questions with the embedded model, searching at least once and never the same query twice', async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist/client/cli.js'))) throw new Error('build first: npm run build (npm test does it)');
  const dir = tempDir('e2e');
  const db = path.join(dir, 'index.sqlite');
  const index = await restact(['index', '--corpus', path.join(ROOT, 'data/hotpotqa-dev50/corpus.jsonl'), '--db', db], {});
  expect(index.stdout).toMatch(/Indexed 491 passages/);

  // A third model-loading process beside the two asks, with the worker's default settings.
  const third = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'test/helpers/embedded-step.ts'), JSON.stringify({ holdMs: 600_000 })], {
    cwd: ROOT,
    env: { ...process.env, RESTACT_THREADS: '1' },
  });
  let thirdOut = '';
  const thirdLoaded = new Promise<void>((resolve) => third.stdout.on('data', (d) => (thirdOut += d).includes('\n') && resolve()));
  const thirdExit = new Promise<number | null>((resolve) => third.on('close', resolve));

  // A short search budget keeps this test to a few minutes on two CPU cores; the agent is otherwise as shipped.
  fs.writeFileSync(path.join(dir, 'restact.config.json'), JSON.stringify({ agent: { maxSearches: 3 } }));
  const runs = await Promise.all(
    QUESTIONS.map((q, i) =>
      restact(['ask', q.question, '--json', '--id', q.id, '--db', db, '--config', path.join(dir, 'restact.config.json')], {
        RESTACT_ARTIFACT_DIR: path.join(dir, `artifacts-${i}`),
        RESTACT_THREADS: '1',
        TEMPORAL_ADDRESS: '',
      }),
    ),
  );
  await thirdLoaded;
  expect(third.exitCode).toBeNull(); // still holding its model while both asks ran
  third.kill('SIGTERM');
  await thirdExit;
  expect(JSON.parse(thirdOut).peakRssMb).toBeLessThanOrEqual(1024);
  for (const [i, run] of runs.entries()) {
    if (run.code !== 0 && run.code !== 1) throw new Error(`restact ask exited ${run.code}:\n${run.stderr}`);
    const trajectory = JSON.parse(run.stdout);
    expect(trajectory.workflowId).toBe(`traj-${QUESTIONS[i].id}-0`);
    expect(trajectory.status).toBe('answered');
    expect(typeof trajectory.answer).toBe('string');
    expect(trajectory.answer.trim()).not.toBe('');
    const kinds: string[] = trajectory.steps.map((s: { kind: string }) => s.kind);
    expect(kinds).toContain('search');
    // No wasted searches: a query the trajectory already ran is never run again (issue 13 measured 86% repeats).
    const queries: string[] = trajectory.steps.filter((s: { kind: string }) => s.kind === 'search').map((s: { query: string }) => s.query.trim().toLowerCase());
    expect(new Set(queries).size).toBe(queries.length);
    expect(kinds.slice(-3)).toEqual(['answer', 'relevance_check', 'grounding_check']);
    for (const step of trajectory.steps.filter((s: { kind: string }) => s.kind !== 'search')) {
      expect(step).toEqual(expect.objectContaining({ prompt: expect.any(String), raw: expect.any(String), tokens: expect.any(Object), latencyMs: expect.any(Number) }));
    }
    expect(trajectory.webUiUrl).toMatch(/^http:\/\/localhost:\d+\/namespaces\/default\/workflows\/traj-/);
  }
});
