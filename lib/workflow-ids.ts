import { hash53 } from './hash';

/** Every workflow id is made here, so ids say what they are: `traj-<questionId>-<sample>`, ... */
export function trajectoryWorkflowId(questionId: string, sample = 0, scope?: string): string {
  return [scope, `traj-${questionId}-${sample}`].filter(Boolean).join('.');
}

/** A question id for an ad-hoc question (`restact ask`): stable for the same text, so reruns are easy to find. */
export function adHocQuestionId(question: string): string {
  return `ask-${(hash53(question) >>> 0).toString(16).padStart(8, '0')}`;
}

/** An evaluation's workflow id: `eval-<evalId>`. */
export function evalWorkflowId(evalId: string): string {
  return `eval-${evalId}`;
}

/** A trajectory of an evaluation: `<eval workflow id>.m<model index>.traj-<questionId>-<run>`. */
export function evalTrajectoryWorkflowId(evalWorkflowId: string, modelIndex: number, questionId: string, run: number): string {
  return trajectoryWorkflowId(questionId, run, `${evalWorkflowId}.m${modelIndex}`);
}
