/**
 * The prompt of each agent step: a Python program (dataclasses, the few-shot tasks, the task at hand) whose last
 * line the model completes. Pure.
 */
import type { OutputSpec } from '../output-spec';
import { Assignment, Dataclass, PyValue, renderProgram } from './python-prompt';
import { FEW_SHOTS } from './few-shots';
import { answerSpec, decisionSpec, groundingSpec, relevanceSpec, summarySpec } from './specs';
import type { AnswerInput, CheckInput, DecisionInput, PastAction, StepInputs, StepKind, StepOutputs, SummaryInput } from './types';

const PAST_ACTION: Dataclass = {
  name: 'PastAction',
  doc: 'A search the agent ran, and what its results said about the question.',
  fields: [
    { name: 'query', type: 'str' },
    { name: 'knowledge', type: 'str' },
  ],
};

const SEARCH_RESULT: Dataclass = {
  name: 'SearchResult',
  doc: 'One search result: its number in the list, the page title and a snippet of the page.',
  fields: [
    { name: 'id', type: 'int' },
    { name: 'title', type: 'str' },
    { name: 'snippet', type: 'str' },
  ],
};

const CHECK_CLASSES: Dataclass[] = [
  PAST_ACTION,
  { name: 'Check_Answer', doc: 'The answer passes the check.', fields: [{ name: 'passed', type: 'bool' }] },
  { name: 'Revise_Answer', doc: 'The answer fails the check; this is a better one.', fields: [{ name: 'revised_answer', type: 'str' }] },
];

function pastActions(actions: PastAction[]): PyValue {
  return actions.map((a) => ({ call: 'PastAction', args: [['query', a.query], ['knowledge', a.knowledge]] }));
}

const q = (question: string): Assignment => ({ name: 'ORIGINAL_QUESTION', type: 'str', value: question });
const past = (actions: PastAction[]): Assignment => ({ name: 'PAST_ACTIONS', type: 'List[PastAction]', value: pastActions(actions) });

function decisionState(i: DecisionInput): Assignment[] {
  return [q(i.question), past(i.pastActions), { name: 'REMAINING_SEARCHES', type: 'int', value: i.remainingSearches }];
}
function summaryState(i: SummaryInput): Assignment[] {
  const results: PyValue = i.results.map((r, n) => ({ call: 'SearchResult', args: [['id', n + 1], ['title', r.title], ['snippet', r.snippet]] }));
  return [q(i.question), { name: 'QUERY', type: 'str', value: i.query }, { name: 'SEARCH_RESULTS', type: 'List[SearchResult]', value: results }];
}
function answerState(i: AnswerInput): Assignment[] {
  return [q(i.question), past(i.pastActions)];
}
function checkState(i: CheckInput): Assignment[] {
  return [q(i.question), past(i.pastActions), { name: 'ANSWER', type: 'str', value: i.answer }];
}

function examples<K extends StepKind>(kind: K, state: (i: StepInputs[K]) => Assignment[], spec: OutputSpec<StepOutputs[K]>) {
  return (FEW_SHOTS[kind] as Array<{ input: StepInputs[K]; output: StepOutputs[K] }>).map((ex) => ({ state: state(ex.input), output: spec.render(ex.output) }));
}

/** The next action: `Search(query=...)` or `Terminate()`. */
export function renderDecision(input: DecisionInput, notes?: string[]): string {
  return renderProgram({
    doc:
      'A search agent answers ORIGINAL_QUESTION with facts it finds by searching.\n\n' +
      'Each task shows what the agent knows so far and its next action. The agent searches for one missing\n' +
      'fact at a time, and terminates once PAST_ACTIONS hold what the answer needs or no searches remain.\n',
    classes: [
      PAST_ACTION,
      { name: 'Search', doc: 'Search for one missing fact; the query names the entity and the fact.', fields: [{ name: 'query', type: 'str' }] },
      { name: 'Terminate', doc: 'Stop searching: the knowledge is enough to answer, or no searches remain.', fields: [] },
    ],
    examples: examples('decision', decisionState, decisionSpec),
    state: decisionState(input),
    outputVariable: 'action',
    notes,
  });
}

/** What the results of one search say about the question. */
export function renderSummary(input: SummaryInput, notes?: string[]): string {
  return renderProgram({
    doc:
      'Summarise search results for a search agent.\n\n' +
      'Each task gives ORIGINAL_QUESTION, the QUERY the agent ran and its SEARCH_RESULTS. The summary repeats,\n' +
      'word for word, the one sentence of the results that tells most about the question, and used_results\n' +
      'gives the id of the result it comes from.\n',
    classes: [
      SEARCH_RESULT,
      {
        name: 'Summary',
        doc: 'What the results say about the question, and which results said it.',
        fields: [
          { name: 'knowledge', type: 'str' },
          { name: 'used_results', type: 'List[int]' },
        ],
      },
    ],
    examples: examples('summary', summaryState, summarySpec),
    state: summaryState(input),
    outputVariable: 'summary',
    notes,
  });
}

/** The answer, from the knowledge collected. */
export function renderAnswer(input: AnswerInput, notes?: string[]): string {
  return renderProgram({
    doc:
      'Answer ORIGINAL_QUESTION from the knowledge a search agent collected in PAST_ACTIONS.\n\n' +
      'The answer is short: a name, a date or a number copied from the knowledge in PAST_ACTIONS, or yes or\n' +
      'no when the question asks yes or no.\n',
    classes: [PAST_ACTION, { name: 'Answer', doc: 'The final answer.', fields: [{ name: 'text', type: 'str' }] }],
    examples: examples('answer', answerState, answerSpec),
    state: answerState(input),
    outputVariable: 'answer',
    notes,
  });
}

/** Self-check 1: is the answer relevant to the question? */
export function renderRelevanceCheck(input: CheckInput, notes?: string[]): string {
  return renderProgram({
    doc:
      'Check that ANSWER is relevant to ORIGINAL_QUESTION.\n\n' +
      'A relevant answer is the kind of thing the question asks for (a year for "when", a person for "who",\n' +
      'yes or no for a yes/no question) and answers this question, not a different one. If it is, the\n' +
      'verdict is Check_Answer(passed=True); if not, Revise_Answer gives a relevant answer from PAST_ACTIONS.\n',
    classes: CHECK_CLASSES,
    examples: examples('relevance_check', checkState, relevanceSpec),
    state: checkState(input),
    outputVariable: 'verdict',
    notes,
  });
}

/** Self-check 2: is the answer grounded in the knowledge? */
export function renderGroundingCheck(input: CheckInput, notes?: string[]): string {
  return renderProgram({
    doc:
      'Check that ANSWER is grounded in the knowledge in PAST_ACTIONS.\n\n' +
      'A grounded answer is stated in, or follows directly from, the knowledge. If it is, the verdict is\n' +
      'Check_Answer(passed=True); if not, Revise_Answer gives the answer the knowledge supports.\n',
    classes: CHECK_CLASSES,
    examples: examples('grounding_check', checkState, groundingSpec),
    state: checkState(input),
    outputVariable: 'verdict',
    notes,
  });
}
