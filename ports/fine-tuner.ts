/**
 * The fine-tuning port. Adapters: `adapters/finetune/openai-finetune.ts` (the OpenAI fine-tuning API, or any
 * server with the same API) and `adapters/finetune/local-lora.ts` (PEFT LoRA on the embedded GGUF model, in a
 * supervised Python process).
 *
 * Durable by design: a fine-tune runs inside one long activity. The adapter reports progress through
 * `onProgress` (the activity heartbeats it), and a retried activity passes the last reported progress back as
 * `resumeFrom`, so the adapter resumes the same job (or the same checkpoints) instead of starting over.
 * Aborting `signal` (workflow cancellation) cancels the job or kills the trainer.
 */

export interface FineTuneHyperparameters {
  epochs: number;
  learningRate: number;
  batchSize: number;
  /** LoRA rank (local backend). */
  loraRank: number;
  loraAlpha: number;
  /** Upper bound on optimizer steps (keeps CPU runs short); unset = epochs decide. */
  maxSteps?: number;
}

export interface FineTuneRequest {
  /** Stable name of this fine-tune (e.g. `camp1-round0`): the same key resumes, never duplicates, a job. */
  jobKey: string;
  /** The model to start from: a model ref of the provider (a GGUF LoRA adapter path or `base` for the local
   * backend; a model name for OpenAI). */
  baseModel: string;
  /** Chat JSONL (`{"messages": [...]}` per line), OpenAI fine-tuning format. Local paths. */
  trainFile: string;
  validationFile?: string;
  /** Where the local backend writes checkpoints and outputs. */
  outputDir: string;
  hyperparameters: FineTuneHyperparameters;
}

export interface FineTuneProgress {
  /** e.g. `uploading`, `queued`, `running`, `converting`, `succeeded`. */
  stage: string;
  /** Backend job id (OpenAI), so a retried activity resumes polling the same job. */
  jobId?: string;
  step?: number;
  totalSteps?: number;
  loss?: number;
  message?: string;
}

export interface FineTuneResult {
  /** A model ref the ChatModelProvider loads: the fine-tuned model name, or the GGUF LoRA adapter path. */
  model: string;
  jobId?: string;
  /** Training loss per logged step, first to last, when known. */
  trainLoss: number[];
  validationLoss?: number;
  /** Extra outputs, e.g. `{ peftAdapterDir, ggufAdapter }` for the local backend. */
  outputs: Record<string, string>;
}

export interface FineTuneContext {
  onProgress(progress: FineTuneProgress): void;
  /** The last progress a previous attempt reported (from the activity's heartbeat details). */
  resumeFrom?: FineTuneProgress;
  signal: AbortSignal;
}

export interface FineTuner {
  readonly name: string;
  fineTune(request: FineTuneRequest, context: FineTuneContext): Promise<FineTuneResult>;
}
