/**
 * End to end through a real OpenAI-compatible server: `restact ask` with provider openai against a llama.cpp server
 * (xllamacpp) serving the embedded GGUF, on the completions API with GBNF grammars, plus the Temporal dev server the
 * CLI starts itself. At temperature 0 the first decision equals the embedded provider's: same weights, same prompt.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { decisionSpec } from '../../lib/agent/specs';
import { EMBEDDED_GGUF, startLlamaServer, type LlamaServer } from '../helpers/llama-server';
import { tempDir } from '../helpers/temporal';

const ROOT = path.join(__dirname, '../..');
const CLI = path.join(ROOT, 'bin/restact.js');
const QUESTION = JSON.parse(fs.readFileSync(path.join(ROOT, 'data/hotpotqa-dev50/questions.jsonl'), 'utf8').split('\n')[0]) as { id: string; question: string };

function restact(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

let server: LlamaServer;

beforeAll(async () => {
  server = await startLlamaServer();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

test('restact ask runs through a llama.cpp server (completions + gbnf), and its first decision is the embedded model\'s', async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist/client/cli.js'))) throw new Error('build first: npm run build (npm test does it)');
  const dir = tempDir('e2e-llama-server');
  const db = path.join(dir, 'index.sqlite');
  const index = await restact(['index', '--corpus', path.join(ROOT, 'data/hotpotqa-dev50/corpus.jsonl'), '--db', db]);
  expect(index.stdout).toMatch(/Indexed 491 passages/);

  const config = path.join(dir, 'restact.config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      llm: { provider: 'openai', baseURL: server.baseURL, model: server.model, api: 'completions', constrainedDecoding: 'gbnf' },
      // One search keeps this to a minute or two on two CPU cores; the agent is otherwise as shipped.
      agent: { maxSearches: 1 },
    }),
  );
  const run = await restact(['ask', QUESTION.question, '--json', '--id', QUESTION.id, '--db', db, '--config', config], {
    RESTACT_ARTIFACT_DIR: path.join(dir, 'artifacts'),
    TEMPORAL_ADDRESS: '',
    OPENAI_API_KEY: '',
  });
  if (run.code !== 0 && run.code !== 1) throw new Error(`restact ask exited ${run.code}:\n${run.stderr}`);
  const trajectory = JSON.parse(run.stdout);
  expect(trajectory.workflowId).toBe(`traj-${QUESTION.id}-0`);
  expect(trajectory.status).toBe('answered');
  expect(trajectory.answer.trim()).not.toBe('');
  const kinds: string[] = trajectory.steps.map((s: { kind: string }) => s.kind);
  expect(kinds).toContain('search');
  expect(kinds.slice(-3)).toEqual(['answer', 'relevance_check', 'grounding_check']);
  for (const step of trajectory.steps.filter((s: { kind: string }) => s.kind !== 'search')) {
    expect(step).toMatchObject({ status: 'ok', model: server.model, parsed: expect.objectContaining({ call: expect.any(String) }) });
  }

  // The embedded provider on the same prompt (its own process: node-llama-cpp cannot load inside jest).
  const first = trajectory.steps[0];
  expect(first.kind).toBe('decision');
  const { stdout } = await promisify(execFile)(
    path.join(ROOT, 'node_modules/.bin/tsx'),
    [path.join(ROOT, 'test/helpers/embedded-step-output.ts'), JSON.stringify({ modelPath: EMBEDDED_GGUF, kind: 'decision', prompt: first.prompt, input: first.input })],
    { cwd: ROOT, maxBuffer: 1 << 20 },
  );
  const embedded = JSON.parse(stdout) as { text: string };
  expect(first.raw).toBe(embedded.text);
  expect(decisionSpec.parse(embedded.text)).toEqual({ ok: true, value: first.parsed });
});
