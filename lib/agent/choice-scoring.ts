/**
 * Choosing a step's whole output line by pointwise mutual information with the question, for steps whose grammar
 * lists its lines (OutputGrammar.choices) on a model that scores given lines (ChatModel.score): each line is scored
 * after the step's prompt and after the same prompt with the question blanked out (StepDefinition.withoutQuestion),
 * and the line whose log-probability the question raises most is taken. The plain likelihood favours short lines
 * of common words; the difference favours what bears on the question (Holtzman et al. 2021, "Surface Form
 * Competition"). Measured on dev50's recorded summary steps: docs/eval/dev50-line-scoring.md. Pure.
 */

/** What the question reads as in the prompt that measures a line's likelihood without it. */
export const NO_QUESTION = 'N/A';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * Each line's PMI with the question: its total log-probability with the question minus without it, in nats.
 * Both arrays hold one array of token log-probabilities per line, in the same order.
 */
export function pmiScores(withQuestion: number[][], withoutQuestion: number[][]): number[] {
  if (withQuestion.length !== withoutQuestion.length) throw new Error(`scored ${withQuestion.length} lines with the question, ${withoutQuestion.length} without`);
  return withQuestion.map((lp, i) => sum(lp) - sum(withoutQuestion[i]));
}

/** The index of the highest score; ties go to the first; -1 for none. NaN never wins. */
export function argmax(scores: number[]): number {
  let best = -1;
  scores.forEach((s, i) => {
    if (!Number.isNaN(s) && (best < 0 || s > scores[best])) best = i;
  });
  return best;
}
