/** An evaluation's progress, as its `progress` query reports it (workflows/eval.ts). Types only. */

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
