/** `restact worker`: a worker for the configured server, until Ctrl-C; start more of them to scale out. */
import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { createWorker, createWorkerDeps, fitModelContext, llmConcurrency, memoryUsageMb } from '../../worker';
import { commandConfig, err, parseFlags, UsageError } from '../command-line';
import { temporalConnectionOptions } from '../config-loader';
import { installRuntime, requireModelFile } from '../runtime';
import { connectOrExplain } from '../connect';

export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {});
  const cfg = commandConfig(values.config);
  if (!cfg.temporal.address) throw new UsageError('restact worker needs a server: set TEMPORAL_ADDRESS (or temporal.address), or run `restact dev` for the embedded one.');
  requireModelFile(cfg);
  installRuntime('INFO');
  const connection = await connectOrExplain(cfg.temporal.address, () => NativeConnection.connect(temporalConnectionOptions(cfg.temporal)));
  const deps = createWorkerDeps(cfg);
  try {
    // Load the model and reserve its context now, so the start-up line shows the memory the worker will hold.
    const fit = await fitModelContext(deps, cfg);
    if (fit) await deps.models.get();
    const worker = await createWorker({ connection, config: cfg, deps });
    const model = cfg.llm.provider === 'llama'
      ? `${path.basename(cfg.llm.modelPath)}, ${fit!.sequences} sequences x ${fit!.contextSize} tokens (longest prompt: ${fit!.longest.kind}, ${fit!.longest.promptTokens}+${fit!.longest.maxTokens} tokens)`
      : `${cfg.llm.model} at ${cfg.llm.baseURL ?? 'api.openai.com'}`;
    err(
      `Worker polling task queue ${cfg.temporal.taskQueue} on ${cfg.temporal.address} (namespace ${cfg.temporal.namespace}); ` +
        `model ${model}; ${llmConcurrency(cfg.llm)} concurrent activities; RSS ${memoryUsageMb().rssMb} MB; artifacts in ${cfg.artifacts.dir}. Ctrl-C stops it.`,
    );
    await worker.run();
  } finally {
    await deps.close();
    await connection.close();
  }
  return 0;
}
