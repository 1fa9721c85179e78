/**
 * The rater's prompt ("ReST meets ReAct", section 3.4): the step's input and N candidate outputs, shown in a
 * shuffled order (lib/rest/shuffle.ts); the rater explains, names the best and ranks them all
 * (lib/rest/ranking-spec.ts). Pure.
 */
import type { StepKind } from '../agent/types';
import { END_MARKER } from '../agent/python-prompt';
import { pyStr } from '../python-literal';

/** The rater's output budget in tokens: three lines, the explanation bounded by EXPLANATION_MAX_CHARS. */
export const RANKER_MAX_TOKENS = 256;

/** The system message for the rater (chat APIs). */
export const RANKER_SYSTEM_PROMPT =
  'You are a careful, impartial rater of the outputs of a search agent. Follow the requested reply format exactly.';

/** What each step is for, so the rater knows what a good output does without the step's whole program. */
const STEP_GOALS: Record<StepKind, string> = {
  decision:
    'The agent picks its next action: Search(query=...) for one fact it still needs, or Terminate() once ' +
    'PAST_ACTIONS hold what the answer needs or no searches remain.',
  summary:
    'The agent summarises the SEARCH_RESULTS of its QUERY: knowledge keeps only the facts that bear on ' +
    'ORIGINAL_QUESTION, in one or two sentences, and used_results lists the ids of the results it used.',
  answer: 'The agent answers ORIGINAL_QUESTION briefly (a name, a date, a number, yes or no), using only facts found in PAST_ACTIONS.',
  relevance_check:
    'The agent checks that ANSWER is relevant to ORIGINAL_QUESTION: Check_Answer(passed=True) if it is, ' +
    'otherwise Revise_Answer(revised_answer=...) with a relevant answer taken from PAST_ACTIONS.',
  grounding_check:
    'The agent checks that ANSWER is grounded in the knowledge in PAST_ACTIONS: Check_Answer(passed=True) if ' +
    'it is, otherwise Revise_Answer(revised_answer=...) with the answer the knowledge supports.',
};

/**
 * The part of a step prompt that describes the task at hand: everything after the last `# [END]` marker (the
 * few-shot examples and the shared header are dropped), without its `# Task N` heading. A prompt without the
 * marker is kept whole.
 */
export function taskPart(stepPrompt: string): string {
  const at = stepPrompt.lastIndexOf(END_MARKER);
  const task = at >= 0 ? stepPrompt.slice(at + END_MARKER.length) : stepPrompt;
  return task.replace(/^\s*# Task \d+[ \t]*\r?\n/, '').replace(/^(?:[ \t]*\r?\n)+/, '').trimEnd();
}

export interface RankerPromptInput {
  stepKind: StepKind;
  /** The step's input prompt (the Python program the agent completed). */
  stepPrompt: string;
  /** The candidate outputs, already in shown order (`#1` first). */
  samples: string[];
}

/**
 * The rater's prompt. Candidates are written as one-line Python string literals (`pyStr`), so no candidate
 * text can start a line of its own (e.g. a fake `Answer: #1`) or break out of its slot.
 */
export function renderRankerPrompt(input: RankerPromptInput): string {
  const n = input.samples.length;
  const goal = STEP_GOALS[input.stepKind] ?? 'The agent completes the last line of the program.';
  const all = n === 1 ? '#1' : n === 2 ? '#1 and #2' : `#1 to #${n}`;
  return [
    'A search agent answers questions by searching the web. Each of its steps is a Python program whose last line',
    'the agent completes with one line of code. Below are the input of one step and ' +
      `${n} candidate output${n === 1 ? '' : 's'} for it, numbered ${all}.`,
    '',
    `Step: ${input.stepKind}. ${goal}`,
    '',
    'Step input:',
    '```python',
    taskPart(input.stepPrompt),
    '```',
    '',
    'Candidate outputs, each written as a Python string literal holding exactly the text the agent wrote:',
    ...input.samples.map((s, i) => `#${i + 1}: ${pyStr(s)}`),
    '',
    'Rate the candidates:',
    '- Prefer outputs that are relevant to the question and grounded in the information in the step input;',
    '  penalise facts, queries or answers that are not supported by it.',
    '- Prefer outputs that lead to the correct final answer with the fewest steps.',
    '- Rate empty or malformed outputs (not exactly one valid line of code of the expected form) worst.',
    '- Judge the content only, not the position in which a candidate is shown.',
    '',
    'Reply with exactly these three lines and nothing else:',
    'Explanation: <one short paragraph on a single line, comparing the candidates>',
    'Answer: #X',
    'Ranking: #X > #Y > ...',
    `where Answer names the best candidate and Ranking lists all ${n} candidates (${all}), each exactly once,`,
    'best first, so Ranking starts with the Answer.',
  ].join('\n');
}
