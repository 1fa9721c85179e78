/**
 * Distillation (the paper's "2nd gen XS/S": a large model's trajectories distilled into a smaller one): which data
 * teaches, whether it is new, and what a run records. Types shared by the workflow, its activities and the CLI,
 * plus the pure choices. No zod here: workflows import it.
 */
import type { FineTuneHyperparameters } from '../../ports/fine-tuner';
import type { JudgeDescription } from '../eval/judge';
import type { EvalOutcome } from '../eval/report';
import type { PairedComparison } from '../eval/aggregate';

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
  /** The evaluations' trajectory steps as local activities (config `temporal.localSteps`). */
  localSteps?: boolean;
  /** The auto-eval judge, described at schedule creation from the client's config; unset: `evaluation.judge`. */
  judge?: JudgeDescription;
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
  /** Student and teacher on the same held-out questions (distilled runs). */
  evaluation?: DistillationEvaluation;
}

/** The held-out headline numbers of one model (fractions; null when nothing could be scored). */
export interface HeadlineScores {
  autoEval: number | null;
  em: number | null;
  f1: number | null;
}

/** What a distillation run keeps of its evaluation: both models' scores, and student minus teacher, paired. */
export interface DistillationEvaluation {
  workflowId: string;
  /** The evaluation's Markdown report (its JSON, charts and per-answer records beside it). */
  report: string;
  questions: number;
  student: HeadlineScores;
  teacher: HeadlineScores;
  /** `student - teacher` on the questions both answered, per compared metric, with 95% CIs. */
  studentMinusTeacher: PairedComparison[];
}

/** The labels of the two models in a distillation's evaluation (the teacher first: differences are student - teacher). */
export const DISTILL_EVAL_MODELS = { teacher: 'teacher', student: 'student' } as const;

/** A distillation's evaluation outcome (teacher = model 0, student = model 1) in the run's terms. */
export function distillationEvaluation(workflowId: string, outcome: EvalOutcome): DistillationEvaluation {
  const scores = (label: string): HeadlineScores => {
    const m = outcome.models.find((x) => x.model === label);
    if (!m) throw new Error(`evaluation ${outcome.evalId} has no model ${label}`);
    return { autoEval: m.metrics.autoEval?.value ?? null, em: m.metrics.em?.value ?? null, f1: m.metrics.f1?.value ?? null };
  };
  const { teacher, student } = DISTILL_EVAL_MODELS;
  return {
    workflowId,
    report: outcome.files.markdown,
    questions: outcome.models[0]?.questions ?? 0,
    student: scores(student),
    teacher: scores(teacher),
    studentMinusTeacher: outcome.paired.filter((p) => p.a === teacher && p.b === student),
  };
}

/** `auto-eval student 50.0% vs teacher 75.0% (student - teacher -25.0 pts [-50.0, 0.0])` */
export function formatDistillationEvaluation(e: DistillationEvaluation): string {
  const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(1)}%`);
  const pts = (v: number | null) => (v === null ? 'n/a' : `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}`);
  const d = e.studentMinusTeacher.find((p) => p.metric === 'autoEval');
  const diff = d ? ` (student - teacher ${pts(d.value)} pts [${pts(d.low)}, ${pts(d.high)}]${d.excludesZero ? '' : ', CI includes 0'})` : '';
  return `held-out auto-eval on ${e.questions} question(s): student ${pct(e.student.autoEval)} vs teacher ${pct(e.teacher.autoEval)}${diff}; report ${e.report}`;
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
