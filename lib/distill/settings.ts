/**
 * The `distill` section of a config file (`restact schedule distill --config FILE`): which teacher's trajectories
 * train which student, with what hyperparameters, evaluated on which held-out questions. Pure, but it imports zod:
 * workflows import only its types.
 */
import { z } from 'zod';
import { CampaignSchema } from '../rest/campaign-settings';

export const DistillSchema = z
  .object({
    /** Names the schedule (`schedule-distill-<name>`) and its runs (`distill-<name>-<time>`). */
    name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('nightly'),
    /**
     * The model fine-tuned: `base` (the embedded model, local LoRA), or with `fineTune.backend: "openai"` any model
     * the fine-tuning API offers (e.g. `gpt-4o-mini-2024-07-18`).
     */
    student: z.string().min(1).default('base'),
    teacher: z
      .object({
        /** `latest`: the campaign registered most recently in the model registry; or a campaign id. */
        campaign: z.string().min(1).default('latest'),
        /** Chosen step datasets (artifact keys of train.jsonl files) instead of the campaign's round datasets. */
        datasets: z.array(z.string().min(1)).min(1).optional(),
        /** The teacher evaluated beside the student; default: the campaign's last round's model. */
        model: z.string().min(1).optional(),
      })
      .prefault({})
      .refine((t) => !t.datasets || t.model, { message: 'with chosen datasets, name the teacher model too (teacher.model)', path: ['model'] }),
    fineTune: CampaignSchema.shape.fineTune,
    evaluation: z
      .object({
        /** Held-out questions with reference answers; default: the teacher campaign's held-out questions. */
        questions: z
          .object({ file: z.string().min(1), offset: z.number().int().min(0).default(0), limit: z.number().int().positive().optional() })
          .optional(),
        runs: z.number().int().min(1).max(10).default(1),
        maxSearches: z.number().int().min(0).max(10).default(10),
        temperature: z.number().min(0).max(2).default(0),
        concurrency: z.number().int().min(1).max(64).default(4),
        /** Judge model ref for auto-eval; unset = the workers' configured model. */
        judge: z.string().min(1).optional(),
        resamples: z.number().int().min(100).max(100_000).default(1000),
        seed: z.string().default('restact'),
      })
      .prefault({}),
  })
  .strict();

export type DistillSettings = z.infer<typeof DistillSchema>;
