/** Progress of an evaluation (workflows/eval.ts) and of a judge calibration (workflows/calibrate.ts), as their `progress` queries report it. Types only. */

export interface EvalProgress {
  phase: 'running' | 'reporting' | 'done';
  questionsTotal: number;
  questionsDone: number;
  trajectoriesTotal: number;
  trajectoriesDone: number;
  /** Trajectories that ended without an answer. */
  failed: number;
  /** Running means over the answers scored so far, per model. */
  models: Array<{ model: string; answers: number; em: number; autoEval: number }>;
}

export interface CalibrateProgress {
  /** Labelled answers judged so far, of `total`. */
  judged: number;
  total: number;
}
