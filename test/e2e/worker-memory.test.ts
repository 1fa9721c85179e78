/**
 * The embedded model's memory with the worker's default settings: node-llama-cpp reserves `contextSize` KV cells
 * per sequence, so the context per sequence is sized to the agent's longest prompt and one worker stays under
 * 1 GB (it took 6.4 GB when the total context was multiplied by the sequence count a second time).
 */
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const ROOT = path.join(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const HELPER = path.join(ROOT, 'test/helpers/embedded-step.ts');

jest.setTimeout(300_000);

async function embeddedStep(args: object): Promise<{ code: number; out?: Record<string, any>; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [HELPER, JSON.stringify(args)], { cwd: ROOT, env: { ...process.env, RESTACT_THREADS: '1' } });
    return { code: 0, out: JSON.parse(stdout), stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

test('with default settings, the embedded model runs an agent step in at most 1 GB of RSS', async () => {
  const { code, out, stderr } = await embeddedStep({});
  if (code !== 0) throw new Error(stderr);
  console.log(`default settings: ${out!.fit.sequences} sequences x ${out!.fit.contextSize} tokens; longest prompt ${out!.fit.longest.kind} ` +
    `${out!.fit.longest.promptTokens}+${out!.fit.longest.maxTokens}; RSS ${out!.rssMb} MB, peak ${out!.peakRssMb} MB`);
  expect(out!.decision).toHaveProperty('call');
  expect(out!.fit.contextSize).toBeGreaterThanOrEqual(out!.fit.longest.promptTokens + out!.fit.longest.maxTokens);
  expect(out!.peakRssMb).toBeLessThanOrEqual(1024);
});

test('a configured context too small for the agent prompts is refused at start, with the size it needs', async () => {
  const { code, stderr } = await embeddedStep({ config: { llm: { provider: 'llama', contextSize: 1024 } } });
  expect(code).toBe(1);
  expect(stderr).toMatch(/NonRetryableError: llm.contextSize 1024 is too small: the agent's \w+ prompt takes up to \d+ tokens plus \d+ output tokens \(\d+\)\. Set llm.contextSize to at least \d+/);
});
