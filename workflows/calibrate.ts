/**
 * Judge calibration (`restact eval calibrate`): the auto-eval judge on human-labelled answers, on a worker, where
 * the judge model lives (the CLI holds no model). One judging activity per answer, a few in flight, so a long
 * label file never runs into one activity's timeout and a worker crash loses one judgement, not all. Returns the
 * verdicts in the labels' order; the CLI compares them with the labels. A `progress` query counts them.
 */
import { setHandler } from '@temporalio/workflow';
import type { JudgeCall } from '../activities/judge';
import type { Verdict } from '../lib/eval/judge';
import { heartbeating } from './activity-options';
import { mapLimit } from './concurrency';
import { calibrateProgressQuery, type CalibrateProgress } from './signals';

export interface CalibrateInput {
  /** The labelled answers, without their labels: the judge must not see them. */
  answers: Array<Omit<JudgeCall, 'judgeModel'>>;
  /** Judge model ref; unset = the worker's configured model. */
  judgeModel?: string;
  /** Judgements in flight at once. */
  concurrency: number;
}

export async function calibrateWorkflow(input: CalibrateInput): Promise<Verdict[]> {
  const progress: CalibrateProgress = { judged: 0, total: input.answers.length };
  setHandler(calibrateProgressQuery, () => progress);
  return mapLimit(input.answers, input.concurrency, async (answer) => {
    const verdict = await heartbeating.judgeAnswer({ ...answer, judgeModel: input.judgeModel });
    progress.judged++;
    return verdict;
  });
}
