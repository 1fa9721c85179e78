/**
 * ReST campaign settings (paper sections 3.3-3.6 and 5). Each number is a config value whose default is the
 * paper's choice; `examples/sample-campaign.json` scales them down for a CPU. Pure, but it imports zod: workflows
 * import only its types (`import type`), so zod stays out of the workflow bundle.
 */
import { z } from 'zod';

const QuestionSet = z.object({
  /** JSONL of `{id, question, answers?}`; copied into the artifact store when the campaign starts. */
  file: z.string().min(1),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().positive().optional(),
});

export const CampaignSchema = z.object({
  /** Names the campaign's workflows: `campaign-<name>`, `campaign-<name>.r0`, ... */
  name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('restact'),
  rounds: z.number().int().min(1).max(20).default(2),
  /** The model the first round collects with: `base`, or a model ref. */
  policyModel: z.string().min(1).default('base'),
  /** A JSONL corpus to index when the configured search index does not exist yet. */
  corpus: z.string().min(1).optional(),
  /** Questions for collecting trajectories (the paper: 2,000, labels unused). */
  questions: QuestionSet,
  /** Held-out questions with reference answers, for the per-round evaluation. */
  evalQuestions: QuestionSet,
  /** Trajectories per question in each round (paper: 1 in the first generation, 2-4 later); the last value
   * repeats for later rounds. */
  samplesPerQuestion: z.array(z.number().int().min(1).max(8)).min(1).default([1, 2]),
  /** Samples of each reasoning step (paper: 4); the lowest-perplexity one continues the trajectory. */
  stepSamples: z.number().int().min(1).max(8).default(4),
  temperature: z.number().min(0).max(2).default(0.5),
  maxSearches: z.number().int().min(0).max(10).default(10),
  /** Trajectory workflows in flight per collector. */
  concurrency: z.number().int().min(1).max(64).default(8),
  /** Questions per collector child workflow (keeps every workflow history small). */
  batchSize: z.number().int().min(1).max(500).default(50),
  ranker: z
    .object({
      /** Model ref of the rater; unset = the round's policy model. */
      model: z.string().min(1).optional(),
      maxRepairs: z.number().int().min(0).max(5).default(2),
    })
    .prefault({}),
  dataset: z
    .object({
      validationFraction: z.number().min(0).max(0.5).default(0.1),
      seed: z.string().default('restact'),
    })
    .prefault({}),
  fineTune: z
    .object({
      epochs: z.number().int().min(1).max(50).default(2),
      learningRate: z.number().positive().default(2e-4),
      batchSize: z.number().int().min(1).max(256).default(8),
      loraRank: z.number().int().min(1).max(256).default(8),
      loraAlpha: z.number().int().min(1).max(512).default(16),
      maxSteps: z.number().int().positive().optional(),
    })
    .prefault({}),
  evaluation: z
    .object({
      temperature: z.number().min(0).max(2).default(0),
      /** Also score the starting policy before round 0, for a before/after comparison. */
      baseline: z.boolean().default(false),
      /** Auto-eval judge model ref; unset = the workers' configured model (the embedded one is weak). */
      judge: z.string().min(1).optional(),
      /** Trajectories per held-out question (mean and spread over runs). */
      runs: z.number().int().min(1).max(20).default(1),
      /** Bootstrap resamples for the CIs. */
      resamples: z.number().int().min(100).max(100_000).default(1000),
    })
    .prefault({}),
});

export type CampaignSettings = z.infer<typeof CampaignSchema>;
