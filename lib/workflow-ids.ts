/** Every workflow id is made here, so ids say what they are: `traj-<questionId>-<sample>`, ... */
export function trajectoryWorkflowId(questionId: string, sample = 0, scope?: string): string {
  return [scope, `traj-${questionId}-${sample}`].filter(Boolean).join('.');
}

/** A question id for an ad-hoc question (`restact ask`): stable for the same text, so reruns are easy to find. */
export function adHocQuestionId(question: string): string {
  let h = 2166136261;
  for (let i = 0; i < question.length; i++) {
    h ^= question.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return `ask-${(h >>> 0).toString(16).padStart(8, '0')}`;
}
