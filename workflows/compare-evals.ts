/** Compares two evaluation runs on a worker, where their records are (`restact eval compare`). */
import type { CompareEvalsCall, EvalComparisonOutcome } from '../activities/compare-evals';
import { io } from './activity-options';

export async function compareEvalsWorkflow(call: CompareEvalsCall): Promise<EvalComparisonOutcome> {
  return io.compareEvals(call);
}
