/** Campaign and round progress: shared by the workflows (queries, signals) and the CLI (watch). Pure. */
import type { FailureCounts } from '../failure-class';
import type { PairedComparison } from '../eval/aggregate';

/** The step-level dataset of a round, as stored. */
export interface DatasetSummary {
  trainKey: string;
  validationKey: string;
  train: number;
  validation: number;
  duplicatesRemoved: number;
  perStep: Record<string, { train: number; validation: number }>;
}

/** Held-out scores of one model: exact match and F1; with evalWorkflow also auto-eval, CIs and paired comparisons. */
export interface EvalScore {
  n: number;
  answered: number;
  em: number;
  f1: number;
  autoEval?: number;
  /** 95% bootstrap CIs over the held-out questions. */
  ci?: Record<'autoEval' | 'em' | 'f1', { low: number | null; high: number | null }>;
  /** The judge's label (with "(weak)" for the embedded 135M model). */
  judge?: string;
  /** Artifact key of the evaluation's Markdown report. */
  report?: string;
  /** This model against earlier ones on the same questions (round 0, the baseline): paired bootstrap, b - a. */
  paired?: PairedComparison[];
}

/** A failed or cancelled campaign shows in its workflow status, not as a phase. */
export type Phase = 'starting' | 'baseline' | 'collect' | 'dataset' | 'fine-tune' | 'evaluate' | 'done' | 'stopped';

export interface RoundSummary {
  round: number;
  workflowId: string;
  policyModel: string;
  model: string;
  questions: number;
  trajectories: number;
  failedTrajectories: number;
  rankedSteps: number;
  rankerCalls: number;
  rankingFallbacks: number;
  /** The largest peak RSS of a worker that collected and ranked this round (MB); absent for older rounds. */
  workerPeakRssMb?: number;
  /** Failed model calls (retried ones included) in collection, ranking and evaluation, by class (lib/failure-class.ts). */
  llmFailures?: FailureCounts;
  dataset: DatasetSummary;
  trainLoss: { first?: number; last?: number; steps: number };
  eval: EvalScore;
}

export interface CampaignProgress {
  campaignId: string;
  phase: Phase;
  round: number;
  rounds: number;
  /** Questions whose trajectories all finished, in the current phase of the current round. */
  questionsDone: number;
  questionsTotal: number;
  trajectories: number;
  failures: number;
  stopRequested: boolean;
  baseline?: EvalScore;
  summaries: RoundSummary[];
}

/** What a round reports to its campaign (a signal per phase change and per finished batch). */
export interface RoundProgressUpdate {
  round: number;
  phase: Phase;
  questionsDone: number;
  questionsTotal: number;
  trajectories: number;
  failures: number;
}
