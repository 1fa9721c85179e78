/**
 * The worker: builds the activities' dependencies once (model, search index, artifact store) and runs the
 * workflows and activities on the task queue. `restact worker` runs it; `restact ask/dev/demo` run one
 * in-process. Workers scale out by starting more of them on the same task queue.
 */
import path from 'node:path';
import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createActivities, ActivityDeps } from './activities';
import type { Config, FineTunerConfig, LlmConfig } from './lib/config';
import type { FineTuner } from './ports/fine-tuner';
import type { ChatModelProvider, ContextFit } from './ports/chat-model';
import { worstCasePrompts } from './lib/agent/context-budget';
import { LlamaChatModelProvider } from './adapters/llm/llama-chat';
import { OpenAiChatModelProvider } from './adapters/llm/openai-chat';
import { SqliteSearchEngines } from './adapters/search/sqlite-fts';
import { LocalDirStore } from './adapters/store/local-dir-store';
import { LocalCopies } from './adapters/store/local-copies';
import { ArtifactModelRefs } from './adapters/llm/artifact-model-refs';
import { LocalLoraFineTuner } from './adapters/finetune/local-lora';
import { OpenAiFineTuner } from './adapters/finetune/openai-finetune';

export function createModelProvider(llm: LlmConfig): ChatModelProvider {
  return llm.provider === 'llama' ? new LlamaChatModelProvider(llm) : new OpenAiChatModelProvider(llm);
}

export function createFineTuner(config: FineTunerConfig, llm: LlmConfig): FineTuner {
  if (config.backend === 'openai') return new OpenAiFineTuner(config);
  if (llm.provider !== 'llama') throw new Error('the local LoRA fine-tuner trains the embedded GGUF model: set llm.provider to "llama", or fineTune.backend to "openai"');
  return new LocalLoraFineTuner({ python: config.python, baseGguf: llm.modelPath, threads: config.threads ?? llm.threads });
}

export interface WorkerDeps extends ActivityDeps {
  close(): Promise<void>;
}

/** Builds the real dependencies from config. The model loads lazily, once, on the first LLM step. */
export function createWorkerDeps(config: Config): WorkerDeps {
  const store = new LocalDirStore(config.artifacts.dir);
  // Models a fine-tune wrote live in the store (`artifact:` refs); every worker loads them from a local copy.
  const models = new ArtifactModelRefs(createModelProvider(config.llm), new LocalCopies(store, config.artifacts.workDir));
  const search = new SqliteSearchEngines(config.search.dbPath);
  let fineTuner: FineTuner | undefined;
  return {
    models,
    search,
    store,
    agent: config.agent,
    workDir: config.artifacts.workDir,
    // Built on first use: a worker that only runs trajectories needs no trainer.
    get fineTuner() {
      return (fineTuner ??= createFineTuner(config.fineTune, config.llm));
    },
    async close() {
      await Promise.allSettled([models.close(), search.close()]);
    },
  };
}

/**
 * Sizes the embedded model's context to the agent's longest prompt under this config (or refuses a configured
 * size that cannot hold it), before any trajectory runs. Other providers reserve nothing: undefined.
 */
export async function fitModelContext(deps: Pick<ActivityDeps, 'models'>, config: Config): Promise<ContextFit | undefined> {
  return deps.models.fitContext?.(worstCasePrompts(config.agent));
}

/** Concurrent LLM calls this worker serves: one per sequence of the embedded model, or llm.concurrency. */
export function llmConcurrency(llm: LlmConfig): number {
  return llm.provider === 'llama' ? llm.sequences : llm.concurrency;
}

/** The process's resident memory now and at its peak, in MB. */
export function memoryUsageMb(): { rssMb: number; peakRssMb: number } {
  return { rssMb: Math.round(process.memoryUsage().rss / 2 ** 20), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
}

export const WORKFLOWS_PATH = path.join(__dirname, 'workflows');

/** Which task queues a worker polls: the agent's (workflows and every activity), the training one, or both. */
export type WorkerQueue = 'agent' | 'train' | 'all';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  config: Config;
  deps: ActivityDeps;
  /** A pre-built bundle (tests build it once); otherwise the workflows are bundled at start-up. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
}

/** Shutdown on SIGINT/SIGTERM: running activities get the grace time to finish; the force time bounds the wait. */
function shutdownOptions(config: Config): Pick<WorkerOptions, 'shutdownGraceTime' | 'shutdownForceTime'> {
  const { shutdownGraceSeconds, shutdownForceSeconds } = config.worker;
  return { shutdownGraceTime: shutdownGraceSeconds * 1000, shutdownForceTime: Math.max(shutdownForceSeconds, shutdownGraceSeconds + 1) * 1000 };
}

/** The agent's worker: workflows and every activity on `temporal.taskQueue`. */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const { connection, config, deps } = options;
  await fitModelContext(deps, config);
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve(WORKFLOWS_PATH) }),
    ...(options.identity ? { identity: options.identity } : {}),
    activities: createActivities(deps),
    // Most activities are LLM calls, which queue on the model's sequences (or the endpoint's concurrency): more
    // slots than that would only hold tasks that other workers could run now.
    maxConcurrentActivityTaskExecutions: llmConcurrency(config.llm),
    // The trajectories' steps are local activities (workflows/activity-options.ts): the same bound.
    maxConcurrentLocalActivityExecutions: llmConcurrency(config.llm),
    ...shutdownOptions(config),
  });
}

/**
 * The training worker: activities only, on `temporal.trainingTaskQueue`, one fine-tune at a time. It never loads
 * the agent's model (the fine-tuner is built on first use).
 */
export async function createTrainingWorker(options: Omit<CreateWorkerOptions, 'workflowBundle'>): Promise<Worker> {
  const { connection, config, deps } = options;
  const taskQueue = config.temporal.trainingTaskQueue;
  if (!taskQueue) throw new Error('no training task queue: set temporal.trainingTaskQueue (or TEMPORAL_TRAINING_TASK_QUEUE)');
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    ...(options.identity ? { identity: options.identity } : {}),
    activities: createActivities(deps),
    maxConcurrentActivityTaskExecutions: 1,
    ...shutdownOptions(config),
  });
}

/** The workers a process runs for `queue`: `all` polls the training queue too when one is configured. */
export async function createWorkers(options: CreateWorkerOptions & { queue: WorkerQueue }): Promise<Worker[]> {
  const separateTraining = !!options.config.temporal.trainingTaskQueue && options.config.temporal.trainingTaskQueue !== options.config.temporal.taskQueue;
  const workers: Worker[] = [];
  if (options.queue !== 'train') workers.push(await createWorker(options));
  if (options.queue === 'train' || (options.queue === 'all' && separateTraining)) workers.push(await createTrainingWorker(options));
  return workers;
}

/** Runs the workers until `fn` settles (then shuts them down), or until a shutdown signal stops them all. */
export async function runWorkersUntil<T>(workers: Worker[], fn: Promise<T>): Promise<T> {
  const [first, ...others] = workers;
  const stopOthers = () => others.forEach((w) => w.getState() === 'RUNNING' && w.shutdown());
  const rest = Promise.all(others.map((w) => w.run()));
  try {
    return await first.runUntil(fn);
  } finally {
    stopOthers();
    await rest;
  }
}
