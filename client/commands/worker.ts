/**
 * `restact worker [--queue agent|train|all]`: a worker for the configured server, until Ctrl-C (or SIGTERM: running
 * activities finish first, see `worker.shutdownGraceSeconds`); start more of them to scale out. `--queue train` polls
 * only the training task queue (GPU machines), `agent` only the agent's, `all` (default) both.
 */
import path from 'node:path';
import { z } from 'zod';
import { NativeConnection } from '@temporalio/worker';
import { createWorkerDeps, createWorkers, fitModelContext, llmConcurrency, memoryUsageMb, type WorkerQueue } from '../../worker';
import type { Config } from '../../lib/config';
import type { ContextFit } from '../../ports/chat-model';
import { commandConfig, err, parseFlags, UsageError, validate } from '../command-line';
import { temporalConnectionOptions } from '../config-loader';
import { installRuntime, requireModelFile } from '../runtime';
import { connectOrExplain } from '../connect';

const Flags = z.object({ queue: z.enum(['agent', 'train', 'all']).default('all'), config: z.string().optional() });

export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { queue: { type: 'string' } });
  const flags = validate(Flags, values);
  const cfg = commandConfig(flags.config);
  if (!cfg.temporal.address) throw new UsageError('restact worker needs a server: set TEMPORAL_ADDRESS (or temporal.address), or run `restact dev` for the embedded one.');
  if (flags.queue === 'train' && !cfg.temporal.trainingTaskQueue) throw new UsageError('--queue train needs a training task queue: set temporal.trainingTaskQueue (or TEMPORAL_TRAINING_TASK_QUEUE), and the same on the clients that start campaigns and distillations.');
  requireModelFile(cfg);
  installRuntime('INFO');
  const connection = await connectOrExplain(cfg.temporal.address, () => NativeConnection.connect(temporalConnectionOptions(cfg.temporal)));
  const deps = createWorkerDeps(cfg);
  try {
    // Load the model and reserve its context now, so the start-up line shows the memory the worker will hold. A
    // training-only worker never loads the agent's model.
    const fit = flags.queue === 'train' ? undefined : await fitModelContext(deps, cfg);
    if (fit) await deps.models.get();
    const workers = await createWorkers({ connection, config: cfg, deps, queue: flags.queue });
    err(`${describeQueues(cfg, flags.queue, fit)}; RSS ${memoryUsageMb().rssMb} MB; artifacts in ${cfg.artifacts.dir}. Ctrl-C stops it (running activities get ${cfg.worker.shutdownGraceSeconds} s to finish).`);
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    await deps.close();
    await connection.close();
  }
  return 0;
}

function describeQueues(cfg: Config, queue: WorkerQueue, fit: ContextFit | undefined): string {
  const where = `on ${cfg.temporal.address} (namespace ${cfg.temporal.namespace})`;
  const training = cfg.temporal.trainingTaskQueue;
  const trainPart = `training task queue ${training} (fine-tuning with the ${cfg.fineTune.backend} backend, one at a time)`;
  if (queue === 'train') return `Worker polling ${trainPart} ${where}`;
  const model = cfg.llm.provider === 'llama'
    ? `${path.basename(cfg.llm.modelPath)}, ${fit!.sequences} sequences x ${fit!.contextSize} tokens (longest prompt: ${fit!.longest.kind}, ${fit!.longest.promptTokens}+${fit!.longest.maxTokens} tokens)`
    : `${cfg.llm.model} at ${cfg.llm.baseURL ?? 'api.openai.com'}`;
  const agent = `Worker polling task queue ${cfg.temporal.taskQueue} ${where}; model ${model}; ${llmConcurrency(cfg.llm)} concurrent activities`;
  return queue === 'all' && training && training !== cfg.temporal.taskQueue ? `${agent}; and ${trainPart}` : agent;
}
