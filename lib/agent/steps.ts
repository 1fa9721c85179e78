/**
 * The agent's LLM steps (the paper's Figure 2): decision, summary, answer, relevance check, grounding check.
 * Each step declares its input, its prompt (a Python program), its output spec (grammar + strict parser)
 * and any check that needs the input (e.g. cited result ids must exist). Pure: no I/O.
 */
import { z } from 'zod';
import { OutputSpec, ParseResult, pythonCallSpec } from '../output-spec';
import { Assignment, Dataclass, PyValue, renderProgram } from './python-prompt';
import { FEW_SHOTS } from './few-shots';

export type StepKind = 'decision' | 'summary' | 'answer' | 'relevance_check' | 'grounding_check';
export const LLM_STEP_KINDS: StepKind[] = ['decision', 'summary', 'answer', 'relevance_check', 'grounding_check'];

export interface PastAction {
  query: string;
  knowledge: string;
}

export interface SearchResultView {
  title: string;
  snippet: string;
}

export interface DecisionInput {
  question: string;
  pastActions: PastAction[];
  remainingSearches: number;
}
export interface SummaryInput {
  question: string;
  query: string;
  results: SearchResultView[];
}
export interface AnswerInput {
  question: string;
  pastActions: PastAction[];
}
export interface CheckInput {
  question: string;
  pastActions: PastAction[];
  answer: string;
}

export type Decision = { call: 'Search'; query: string } | { call: 'Terminate' };
export type Summary = { call: 'Summary'; knowledge: string; used_results: number[] };
export type Answer = { call: 'Answer'; text: string };
export type CheckVerdict = { call: 'Check_Answer'; passed: boolean } | { call: 'Revise_Answer'; revised_answer: string };

export interface StepInputs {
  decision: DecisionInput;
  summary: SummaryInput;
  answer: AnswerInput;
  relevance_check: CheckInput;
  grounding_check: CheckInput;
}
export interface StepOutputs {
  decision: Decision;
  summary: Summary;
  answer: Answer;
  relevance_check: CheckVerdict;
  grounding_check: CheckVerdict;
}

export interface StepDefinition<K extends StepKind> {
  kind: K;
  spec: OutputSpec<StepOutputs[K]>;
  /** Output token budget; the grammar's string bounds keep real outputs well below it. */
  maxTokens: number;
  render(input: StepInputs[K], notes?: string[]): string;
  /** Rules that need the input as well as the output. */
  check?(input: StepInputs[K], output: StepOutputs[K]): string | undefined;
}

const nonBlank = z.string().refine((s) => s.trim().length > 0, 'must not be blank');

// ---------------------------------------------------------------------------------------------- specs

export const decisionSpec = pythonCallSpec<Decision>({
  name: 'decision',
  variable: 'action',
  calls: [
    { name: 'Search', args: [{ name: 'query', type: 'str', maxChars: 120 }] },
    { name: 'Terminate', args: [] },
  ],
  schema: z.discriminatedUnion('call', [
    z.object({ call: z.literal('Search'), query: nonBlank }),
    z.object({ call: z.literal('Terminate') }),
  ]),
});

export const summarySpec = pythonCallSpec<Summary>({
  name: 'summary',
  variable: 'summary',
  calls: [{ name: 'Summary', args: [{ name: 'knowledge', type: 'str', maxChars: 300 }, { name: 'used_results', type: 'int_list' }] }],
  schema: z.object({ call: z.literal('Summary'), knowledge: nonBlank, used_results: z.array(z.number().int().positive()) }),
});

export const answerSpec = pythonCallSpec<Answer>({
  name: 'answer',
  variable: 'answer',
  calls: [{ name: 'Answer', args: [{ name: 'text', type: 'str', maxChars: 120 }] }],
  schema: z.object({ call: z.literal('Answer'), text: nonBlank }),
});

function checkSpec(name: string) {
  return pythonCallSpec<CheckVerdict>({
    name,
    variable: 'verdict',
    calls: [
      { name: 'Check_Answer', args: [{ name: 'passed', type: 'bool' }] },
      { name: 'Revise_Answer', args: [{ name: 'revised_answer', type: 'str', maxChars: 120 }] },
    ],
    schema: z.discriminatedUnion('call', [
      z.object({ call: z.literal('Check_Answer'), passed: z.boolean() }),
      z.object({ call: z.literal('Revise_Answer'), revised_answer: nonBlank }),
    ]),
  });
}
export const relevanceSpec = checkSpec('relevance_check');
export const groundingSpec = checkSpec('grounding_check');

// ---------------------------------------------------------------------------------------------- program parts

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

// ---------------------------------------------------------------------------------------------- steps

export const STEPS: { [K in StepKind]: StepDefinition<K> } = {
  decision: {
    kind: 'decision',
    spec: decisionSpec,
    maxTokens: 64,
    render: (input, notes) =>
      renderProgram({
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
      }),
  },
  summary: {
    kind: 'summary',
    spec: summarySpec,
    maxTokens: 128,
    render: (input, notes) =>
      renderProgram({
        doc:
          'Summarise search results for a search agent.\n\n' +
          'Each task gives ORIGINAL_QUESTION, the QUERY the agent ran and its SEARCH_RESULTS. The summary keeps only\n' +
          'facts that bear on the question, in one or two sentences, and lists the ids of the results it used.\n' +
          'If no result is relevant, knowledge says so and used_results is empty.\n',
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
      }),
    check: (input, output) => {
      const bad = output.used_results.filter((id) => id > input.results.length);
      return bad.length ? `used_results cites ${bad.join(', ')}, but there are only ${input.results.length} results` : undefined;
    },
  },
  answer: {
    kind: 'answer',
    spec: answerSpec,
    maxTokens: 64,
    render: (input, notes) =>
      renderProgram({
        doc:
          'Answer ORIGINAL_QUESTION from the knowledge a search agent collected in PAST_ACTIONS.\n\n' +
          'The answer is short (a name, a date, a number, yes or no) and uses only facts found in PAST_ACTIONS.\n',
        classes: [PAST_ACTION, { name: 'Answer', doc: 'The final answer.', fields: [{ name: 'text', type: 'str' }] }],
        examples: examples('answer', answerState, answerSpec),
        state: answerState(input),
        outputVariable: 'answer',
        notes,
      }),
  },
  relevance_check: {
    kind: 'relevance_check',
    spec: relevanceSpec,
    maxTokens: 64,
    render: (input, notes) =>
      renderProgram({
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
      }),
  },
  grounding_check: {
    kind: 'grounding_check',
    spec: groundingSpec,
    maxTokens: 64,
    render: (input, notes) =>
      renderProgram({
        doc:
          'Check that ANSWER is grounded in the knowledge in PAST_ACTIONS.\n\n' +
          'A grounded answer is stated in, or follows directly from, the knowledge. If it is, the verdict is\n' +
          'Check_Answer(passed=True); if not, Revise_Answer gives the answer the knowledge supports.\n',
        classes: CHECK_CLASSES,
        examples: examples('grounding_check', checkState, groundingSpec),
        state: checkState(input),
        outputVariable: 'verdict',
        notes,
      }),
  },
};

export function stepDefinition<K extends StepKind>(kind: K): StepDefinition<K> {
  return STEPS[kind] as StepDefinition<K>;
}

/** Parses a step's raw output and applies its input-dependent checks. */
export function parseStepOutput<K extends StepKind>(kind: K, input: StepInputs[K], raw: string): ParseResult<StepOutputs[K]> {
  const def = stepDefinition(kind);
  const parsed = def.spec.parse(raw);
  if (!parsed.ok) return parsed;
  const problem = def.check?.(input, parsed.value);
  return problem ? { ok: false, error: problem } : parsed;
}

/** The comment added to a re-asked prompt after an unparsable output. */
export function repairNote(kind: StepKind, error: string): string {
  return `The previous attempt was not valid (${error}). Write ${stepDefinition(kind).spec.formatHint}.`;
}

/** The system message for chat-style APIs; raw-completion backends use only the program. */
export const SYSTEM_PROMPT =
  'You complete Python programs. Reply with exactly the one line of code that completes the last line of the program, and nothing else.';
