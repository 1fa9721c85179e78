/**
 * Every query and signal: the campaign's, an evaluation's and a calibration's. Shared by the workflows and the CLI (which imports this module, never a
 * workflow's code).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CampaignProgress, RoundProgressUpdate } from '../lib/rest/progress';
import type { CalibrateProgress, EvalProgress } from '../lib/eval/progress';

export type { CalibrateProgress, EvalProgress };

/** The campaign's progress: phase, round, counts, finished rounds. */
export const progressQuery = defineQuery<CampaignProgress>('progress');
/** Stops the campaign after its current round. */
export const stopSignal = defineSignal('stop');
/** A round tells its campaign about a phase change or a finished batch. */
export const roundProgressSignal = defineSignal<[RoundProgressUpdate]>('roundProgress');
/** An evaluation's progress: questions done, running EM and auto-eval per model. */
export const evalProgressQuery = defineQuery<EvalProgress>('progress');
/** A judge calibration's progress: labelled answers judged so far. */
export const calibrateProgressQuery = defineQuery<CalibrateProgress>('progress');
