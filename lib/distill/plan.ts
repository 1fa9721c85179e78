/**
 * Distillation (the paper's "2nd gen XS/S": a large model's trajectories distilled into a smaller one): which data
 * teaches, whether it is new, and what a run records. Types shared by the workflow, its activities and the CLI,
 * plus the pure choices. No zod here: workflows import it.
 */
import type { FineTuneHyperparameters } from '../../ports/fine-tuner';

export interface DistillationInput {
  /** The series this run belongs to (`distill.name`); the last-run marker is kept per name. */
  name: string;
  /** Model ref the student starts from (`base`, or an OpenAI-compatible fine-tunable model name). */
  student: string;
  teacher: { campaign: string; datasets?: string[]; model?: string };
  fineTune: FineTuneHyperparameters;
  evaluation: {
    /** Staged held-out questions (schedule creation); unset = the teacher campaign's held-out questions. */
    questionsKey?: string;
    runs: number;
    maxSearches: number;
    temperature: number;
    concurrency: number;
    judge?: string;
    resamples: number;
    seed: string;
  };
  /** The training workers' task queue (config `temporal.trainingTaskQueue`); unset = the workflow's own. */
  trainingTaskQueue?: string;
}

/** What the data step found (activities/prepare-distillation.ts). */
export type DistillationData =
  | { newData: false; fingerprint: string; since: string; teacherModel: string; datasetKeys: string[] }
  | {
      newData: true;
      fingerprint: string;
      teacherCampaignId?: string;
      teacherModel: string;
      datasetKeys: string[];
      trainKey: string;
      validationKey?: string;
      examples: { train: number; validation: number; duplicatesRemoved: number };
      evalQuestionsKey: string;
      evalQuestionCount: number;
    };

export interface DistillationResult {
  workflowId: string;
  status: 'distilled' | 'no-new-data';
  /** The run whose data this one found again (no-new-data). */
  since?: string;
  teacherModel: string;
  studentModel?: string;
  datasetKeys: string[];
  /** Artifact keys of what the run wrote: its result, registry entries, evaluation report. */
  keys: Record<string, string>;
}

/** A registry entry's time: when it was registered, else the stamp in the campaign id (`name-20261125-101500`). */
export function registeredTime(entry: { campaignId: string; registeredAt?: string }): string {
  if (entry.registeredAt) return entry.registeredAt;
  const m = /(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(entry.campaignId);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z` : '';
}

/** The campaign with the most recently registered model. */
export function latestCampaign(entries: Array<{ campaignId: string; registeredAt?: string }>): string | undefined {
  const newest = [...entries].sort((a, b) => registeredTime(a).localeCompare(registeredTime(b)) || a.campaignId.localeCompare(b.campaignId)).pop();
  return newest?.campaignId;
}

/** A campaign's teacher data: every round's training set, and the last round's model. */
export function campaignTeacher(entries: Array<{ campaignId: string; round: number; model: string; datasetKey: string }>, campaignId: string): { datasetKeys: string[]; model: string } | undefined {
  const rounds = entries.filter((e) => e.campaignId === campaignId).sort((a, b) => a.round - b.round);
  if (!rounds.length) return undefined;
  return { datasetKeys: rounds.map((r) => r.datasetKey), model: rounds[rounds.length - 1].model };
}

/** The validation split written beside a round's `train.jsonl` (activities/build-round-dataset.ts). */
export function validationKeyOf(trainKey: string): string | undefined {
  return trainKey.endsWith('/train.jsonl') ? trainKey.replace(/\/train\.jsonl$/, '/validation.jsonl') : undefined;
}

/** JSONL files joined, each line once (first occurrence kept). */
export function mergeJsonl(texts: string[]): { text: string; lines: number; duplicatesRemoved: number } {
  const seen = new Set<string>();
  let duplicatesRemoved = 0;
  for (const line of texts.flatMap((t) => t.split('\n')).map((l) => l.trim()).filter(Boolean)) {
    if (seen.has(line)) duplicatesRemoved++;
    else seen.add(line);
  }
  return { text: [...seen].map((l) => l + '\n').join(''), lines: seen.size, duplicatesRemoved };
}
