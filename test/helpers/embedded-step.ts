/**
 * One agent step on the embedded model with the worker's default settings, in its own process (node-llama-cpp is
 * ESM-only and cannot load inside jest):
 *   tsx test/helpers/embedded-step.ts '{"config": {...}, "holdMs": 0}'
 * Builds the worker's dependencies from the config (defaults when empty), fits the model's context to the
 * agent's prompts, runs the decision step of a sample question, and prints
 * `{"fit", "decision", "rssMb", "peakRssMb"}`; with `holdMs`, keeps the model loaded that long afterwards.
 */
import path from 'node:path';
import { ConfigSchema } from '../../lib/config';
import { createWorkerDeps, fitModelContext, memoryUsageMb } from '../../worker';
import { runLlmStep } from '../../activities/llm-step';
import { tempDir } from './temporal';

const ROOT = path.join(__dirname, '../..');

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as { config?: Record<string, unknown>; holdMs?: number };
  const config = ConfigSchema.parse(args.config ?? {});
  if (config.llm.provider === 'llama') config.llm.modelPath = path.resolve(ROOT, config.llm.modelPath);
  config.search.dbPath = path.join(ROOT, 'does-not-matter.sqlite'); // the step needs no search
  config.artifacts.dir = tempDir('embedded-step');
  const deps = createWorkerDeps(config);
  try {
    const fit = await fitModelContext(deps, config);
    const step = await runLlmStep({ models: deps.models, store: deps.store, maxRepairs: config.agent.maxRepairs }, 'decision', {
      trajectoryId: 'memory-check',
      index: 0,
      temperature: 0,
      input: { question: 'Were Scott Derrickson and Ed Wood of the same nationality?', pastActions: [], remainingSearches: config.agent.maxSearches },
    });
    process.stdout.write(JSON.stringify({ fit, decision: step.value ?? step.error, ...memoryUsageMb() }) + '\n');
    if (args.holdMs) await new Promise((r) => setTimeout(r, args.holdMs));
  } finally {
    await deps.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).name}: ${(err as Error).message}\n`);
  process.exit(1);
});
