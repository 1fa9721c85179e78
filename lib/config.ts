/**
 * The configuration schema (zod). Loaded from `restact.config.json` (or `--config`) and the environment by
 * `client/config-loader.ts`; every field has a default that runs the embedded stack.
 */
import { z } from 'zod';

export const TlsSchema = z.object({
  /** PEM client certificate and key for mTLS (Temporal Cloud, self-hosted clusters with mTLS). */
  clientCertPath: z.string().min(1).optional(),
  clientKeyPath: z.string().min(1).optional(),
  /** PEM CA bundle for a server with a private CA. */
  serverRootCACertPath: z.string().min(1).optional(),
  serverNameOverride: z.string().min(1).optional(),
});

export const TemporalSchema = z.object({
  /** host:port of the frontend. Unset: start the embedded dev server for the command. */
  address: z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port, e.g. localhost:7233').optional(),
  namespace: z.string().min(1).default('default'),
  /** The agent's task queue: workflows, LLM steps, search, artifacts. */
  taskQueue: z.string().min(1).default('restact'),
  /**
   * A separate task queue for fine-tuning, so GPU workers (`restact worker --queue train`) run only training; unset,
   * training runs on `taskQueue` with everything else.
   */
  trainingTaskQueue: z.string().min(1).optional(),
  /**
   * Run each trajectory's steps (LLM steps, searches, the save) as local activities: no round trip through the
   * server per step, which matters for fast model endpoints (bench: the overhead section). The trade-offs: the
   * Web UI shows the steps as markers, not pending activities; a worker that dies loses the steps of its open
   * workflow task (they run again elsewhere); a graceful shutdown lets a running trajectory finish its workflow task.
   */
  localSteps: z.boolean().default(false),
  /** true: TLS with system CAs; an object: TLS with these files; false/unset: plaintext. */
  tls: z.union([z.boolean(), TlsSchema]).default(false),
  /** API key (Temporal Cloud API-key auth). */
  apiKey: z.string().min(1).optional(),
  /** Base URL of the Web UI, used to print links. Default: the embedded dev server's UI. */
  webUiUrl: z.url().optional(),
  /** Embedded dev server ports (used only when `address` is unset). */
  devServer: z
    .object({
      port: z.number().int().min(1).max(65535).default(7233),
      uiPort: z.number().int().min(1).max(65535).default(8233),
      /** SQLite file for the dev server's history; unset keeps it in memory. */
      dbFile: z.string().min(1).optional(),
    })
    .prefault({}),
});

export const ConstrainedDecodingSchema = z.enum(['none', 'gbnf', 'guided_grammar', 'json_schema']);
export const OpenAiApiSchema = z.enum(['completions', 'chat']);

export const OpenAiLlmSchema = z.object({
  provider: z.literal('openai'),
  baseURL: z.url().optional(),
  /** Falls back to OPENAI_API_KEY; local servers accept any value. */
  apiKey: z.string().min(1).optional(),
  model: z.string().min(1),
  /**
   * The endpoint the steps use: `completions` (/v1/completions, the program completed as raw text, which is what
   * the prompts are written for: vLLM, llama.cpp server, Ollama, TGI) or `chat` (/v1/chat/completions, the program
   * in a user message: chat-only endpoints such as OpenAI's). Unset: see `openAiApi`.
   */
  api: OpenAiApiSchema.optional(),
  /**
   * How the step grammar reaches the server: `gbnf` (llama.cpp server `grammar`), `guided_grammar` (vLLM),
   * `json_schema` (JSON-schema structured outputs: OpenAI, llama.cpp server, vLLM), `none` (rely on the strict
   * parser with repair). A mode the server ignores or rejects fails the first call with one clear error.
   */
  constrainedDecoding: ConstrainedDecodingSchema.default('none'),
  timeoutMs: z.number().int().positive().default(120_000),
  /** Concurrent requests one worker sends to the server (its cap on concurrent activities). */
  concurrency: z.number().int().min(1).max(256).default(8),
});

/** `llm.api`, or its default: `chat` for api.openai.com (no baseURL, or that host), `completions` for any other server. */
export function openAiApi(llm: { api?: z.infer<typeof OpenAiApiSchema>; baseURL?: string }): z.infer<typeof OpenAiApiSchema> {
  if (llm.api) return llm.api;
  return !llm.baseURL || new URL(llm.baseURL).hostname === 'api.openai.com' ? 'chat' : 'completions';
}

export const LlamaLlmSchema = z.object({
  provider: z.literal('llama'),
  modelPath: z.string().min(1).default('models/SmolLM2-135M-Instruct.Q4_1.gguf'),
  /** GGUF LoRA adapters applied to the base model by default. */
  loraAdapters: z.array(z.string().min(1)).default([]),
  /** CPU threads for generation. Unset: the machine's cores (node-llama-cpp's own default is far slower here). */
  threads: z.number().int().positive().optional(),
  /**
   * Parallel sequences in one context, so concurrent activities share one loaded model; also the worker's cap
   * on concurrent activities. Each sequence keeps a step's few-shot header cached, so about one per step kind.
   */
  sequences: z.number().int().min(1).max(16).default(6),
  /** Tokens of context per sequence; `auto` sizes it to the agent's longest prompt plus its output. */
  contextSize: z.union([z.literal('auto'), z.number().int().min(512)]).default('auto'),
});

export const LlmSchema = z.discriminatedUnion('provider', [OpenAiLlmSchema, LlamaLlmSchema]);

export const SearchSchema = z.discriminatedUnion('provider', [
  z.object({
    provider: z.literal('sqlite'),
    dbPath: z.string().min(1).default('.restact/index.sqlite'),
  }),
]);

export const AgentSchema = z.object({
  maxSearches: z.number().int().min(0).max(10).default(10),
  topK: z.number().int().min(1).max(10).default(3),
  /** Re-asks with a repair hint after an unparsable output, at most this many times per step. */
  maxRepairs: z.number().int().min(0).max(5).default(2),
  temperature: z.number().min(0).max(2).default(0),
  /** Samples of each step; the lowest-perplexity valid one continues (the paper's collection uses 4 at 0.5). */
  stepSamples: z.number().int().min(1).max(8).default(1),
  /** Characters of each search result shown to the summary step. */
  snippetChars: z.number().int().min(50).max(4000).default(600),
  /**
   * `evidence`: each call's grammar is built from its evidence (summaries state sentences of the results,
   * answers are spans of the knowledge); `free`: any text of the right form, for strong models.
   */
  grounding: z.enum(['evidence', 'free']).default('evidence'),
  /**
   * Steps that, at temperature 0 with one sample, take the grammar's line the question makes most likely (PMI,
   * lib/agent/choice-scoring.ts) instead of decoding greedily, where the grammar lists its lines and the model can
   * score them (the embedded model). None by default: on dev50, PMI summaries gained 8 EM points over greedy ones,
   * a gain its CI does not separate from 0, at twice the wall time (docs/eval/dev50-line-scoring.md).
   */
  pmiSteps: z.array(z.enum(['decision', 'summary', 'answer', 'relevance_check', 'grounding_check'])).default([]),
});

export const FineTunerSchema = z.discriminatedUnion('backend', [
  z.object({
    backend: z.literal('local'),
    /** Python with torch, transformers, peft and gguf; default: the project's .venv. */
    python: z.string().min(1).optional(),
    threads: z.number().int().positive().optional(),
  }),
  z.object({
    backend: z.literal('openai'),
    baseURL: z.url().optional(),
    apiKey: z.string().min(1).optional(),
    pollIntervalMs: z.number().int().positive().default(10_000),
    suffix: z.string().min(1).max(40).optional(),
  }),
]);

/** How a worker process stops (SIGINT, SIGTERM). */
export const WorkerSchema = z.object({
  /** Running activities get this long to finish after a shutdown signal; then they are cancelled (a fine-tune keeps
   * its heartbeat and checkpoints, so its retry resumes). */
  shutdownGraceSeconds: z.number().min(0).max(3600).default(30),
  /** After this long the worker gives up waiting for activities that ignore cancellation, and the process exits. */
  shutdownForceSeconds: z.number().min(1).max(7200).default(120),
});

/** `restact eval` defaults; flags override them. */
export const EvalSchema = z.object({
  /** Auto-eval judge model ref (the ChatModelProvider resolves it); unset = the configured model (embedded: weak). */
  judge: z.string().min(1).optional(),
  /** Trajectories per question and model (the paper uses 10). */
  runs: z.number().int().min(1).max(20).default(1),
  /** Trajectories in flight at once. */
  concurrency: z.number().int().min(1).max(64).default(2),
  /** Bootstrap resamples for every confidence interval. */
  resamples: z.number().int().min(100).max(100_000).default(1000),
  seed: z.string().min(1).default('restact'),
});

export const ConfigSchema = z.object({
  temporal: TemporalSchema.prefault({}),
  llm: LlmSchema.default({ provider: 'llama', modelPath: 'models/SmolLM2-135M-Instruct.Q4_1.gguf', loraAdapters: [], sequences: 6, contextSize: 'auto' }),
  search: SearchSchema.default({ provider: 'sqlite', dbPath: '.restact/index.sqlite' }),
  artifacts: z
    .object({
      /** The artifact store (a directory). Workers on several machines must share it (a network folder). */
      dir: z.string().min(1).default('.restact/artifacts'),
      /** Local copies of artifacts on a worker's machine, for tools that need files (the LoRA trainer). */
      workDir: z.string().min(1).default('.restact/work'),
    })
    .prefault({}),
  agent: AgentSchema.prefault({}),
  /** The fine-tuning backend the workers use (ReST rounds). */
  fineTune: FineTunerSchema.default({ backend: 'local' }),
  worker: WorkerSchema.prefault({}),
  eval: EvalSchema.prefault({}),
});

export type Config = z.infer<typeof ConfigSchema>;
export type LlmConfig = z.infer<typeof LlmSchema>;
export type AgentSettings = z.infer<typeof AgentSchema>;
export type FineTunerConfig = z.infer<typeof FineTunerSchema>;
export type TemporalConfig = z.infer<typeof TemporalSchema>;
export type WorkerSettings = z.infer<typeof WorkerSchema>;
export type EvalConfig = z.infer<typeof EvalSchema>;

/** One message per problem, naming the field and what is expected. */
export function formatZodError(error: z.ZodError, source: string): string {
  const lines = error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.join('.') : '(root)';
    return `  ${field}: ${issue.message}`;
  });
  return `Invalid configuration in ${source}:\n${lines.join('\n')}`;
}
