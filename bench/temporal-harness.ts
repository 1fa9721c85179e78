/**
 * The Temporal side of the benchmarks: the embedded dev server (history in memory, free ports, as `restact ask`
 * starts it), a client, the workflow bundle built once, and batches of trajectories run through the real
 * collectBatchWorkflow on a worker with the dependencies a benchmark chooses.
 */
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, type Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { startDevServer, type DevServer } from '../client/dev-server';
import { installRuntime } from '../client/runtime';
import { ConfigSchema, type Config } from '../lib/config';
import { batchScope, batchWorkflowId } from '../lib/workflow-ids';
import { createWorker } from '../worker';
import { collectBatchWorkflow, type CollectBatchResult } from '../workflows/collect-batch';

export interface BenchTemporal {
  server: DevServer;
  client: Client;
  native: NativeConnection;
  bundle: Awaited<ReturnType<typeof bundleWorkflowCode>>;
  stop(): Promise<void>;
}

export async function startBenchTemporal(): Promise<BenchTemporal> {
  installRuntime('ERROR');
  const server = await startDevServer({ port: 0, uiPort: 0 });
  const connection = await Connection.connect({ address: server.address });
  const native = await NativeConnection.connect({ address: server.address });
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: new DefaultLogger('ERROR') });
  return {
    server,
    client: new Client({ connection }),
    native,
    bundle,
    async stop() {
      await native.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await server.stop();
    },
  };
}

/** The worker's config for a benchmark: defaults, a task queue of its own, and the LLM settings given. */
export function benchConfig(taskQueue: string, llm: Record<string, unknown> = {}, agent: Record<string, unknown> = {}): Config {
  return ConfigSchema.parse({ temporal: { taskQueue }, llm: { provider: 'llama', ...llm }, agent });
}

/** A worker running in the background until `stop()`. */
export async function startBenchWorker(t: BenchTemporal, config: Config, deps: ActivityDeps): Promise<{ worker: Worker; stop(): Promise<void> }> {
  const worker = await createWorker({ connection: t.native, config, deps, workflowBundle: t.bundle });
  const running = worker.run();
  return {
    worker,
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

export interface BatchRun {
  wallMs: number;
  result: CollectBatchResult;
}

/** One collectBatchWorkflow (evaluation phase: no ranking) over the first `count` staged questions. */
export async function runBatch(
  t: BenchTemporal,
  config: Config,
  run: { name: string; questionsKey: string; count: number; concurrency: number; maxSearches: number; stepSamples?: number; localSteps?: boolean },
): Promise<BatchRun> {
  const started = performance.now();
  const result = await t.client.workflow.execute(collectBatchWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: batchWorkflowId(batchScope(run.name, 'evaluate'), 0),
    args: [
      {
        campaignId: run.name,
        round: 0,
        phase: 'evaluate',
        questionsKey: run.questionsKey,
        offset: 0,
        limit: run.count,
        samplesPerQuestion: 1,
        model: 'base',
        stepSamples: run.stepSamples ?? 1,
        temperature: 0,
        maxSearches: run.maxSearches,
        concurrency: run.concurrency,
        ...(run.localSteps ? { localSteps: true } : {}),
      },
    ],
  });
  return { wallMs: performance.now() - started, result };
}
