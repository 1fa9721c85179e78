/**
 * The per-call grammars of `evidence` grounding (lib/agent/specs.ts) and the checks every step runs: each valid
 * grounded output parses, and an ungrounded one is not admitted by the grammar or is rejected by the parser.
 */
import { gbnfToRegExp } from '../helpers/gbnf-matcher';
import { COMPLETION_LEAD } from '../../lib/call-grammar';
import { NOTHING_NEW } from '../../lib/agent/specs';
import { parseStepOutput, REPEATED_SEARCH, specFor, stepDefinition, stepPrompt, STEPS } from '../../lib/agent/steps';
import type { AnswerInput, CheckInput, SummaryInput } from '../../lib/agent/types';

const QUESTION = 'What government position was held by the woman who portrayed Corliss Archer in the film Kiss and Tell?';
const KISS = 'Kiss and Tell is a 1945 American comedy film starring then 17-year-old Shirley Temple as Corliss Archer.';
const FILM = 'It was directed by Richard Wallace.';
const TEMPLE = 'As an adult, Shirley Temple was named United States ambassador to Ghana and served as Chief of Protocol of the United States.';

const admits = (gbnf: string, line: string) => gbnfToRegExp(gbnf).test(COMPLETION_LEAD + line + '\n');

describe('a grounded summary states the lead sentence of the results and one more, citing the results they come from', () => {
  const input: SummaryInput = {
    question: QUESTION,
    query: 'Shirley Temple Corliss Archer',
    results: [
      { title: 'Kiss and Tell (1945 film)', snippet: `${KISS} ${FILM}` },
      { title: 'Shirley Temple', snippet: TEMPLE },
    ],
  };
  const spec = specFor('summary', input, 'evidence');
  const line = (text: string, ids: number[]) => `Summary(knowledge=${JSON.stringify(text)}, used_results=[${ids.join(', ')}])`;

  test('the lead (most words shared with the question) with each other sentence, in reading order, is admitted and parses', () => {
    for (const [text, ids] of [[`${KISS} ${FILM}`, [1]], [`${KISS} ${TEMPLE}`, [1, 2]]] as const) {
      expect(admits(spec.grammar.gbnf, line(text, [...ids]))).toBe(true);
      expect(parseStepOutput('summary', input, line(text, [...ids]), 'evidence')).toEqual({ ok: true, value: { call: 'Summary', knowledge: text, used_results: ids } });
    }
    expect(spec.grammar.choices).toHaveLength(2);
  });

  test('invented text, a dropped lead, a wrong citation or no citation is not admitted, and is rejected', () => {
    for (const bad of [
      'Summary(knowledge="Shirley Temple was a diplomat.", used_results=[2])',
      line(TEMPLE, [2]), // the lead is always stated
      line(`${FILM} ${TEMPLE}`, [1, 2]),
      line(`${KISS} ${TEMPLE}`, [1]),
      line(`${KISS} ${TEMPLE}`, []),
      line(`${TEMPLE} ${KISS}`, [1, 2]), // not in reading order
      line(NOTHING_NEW, []), // the results do bear on the question
    ]) {
      expect(admits(spec.grammar.gbnf, bad)).toBe(false);
      expect(parseStepOutput('summary', input, bad, 'evidence').ok).toBe(false);
    }
  });

  test('what an earlier summary stated cannot be stated again; with nothing new left, the summary says so', () => {
    const again = specFor('summary', { ...input, known: [`${KISS} ${TEMPLE}`] }, 'evidence');
    expect(again.grammar.choices).toEqual([` ${line(FILM, [1])}`]);
    const nothing = specFor('summary', { ...input, known: [`${KISS} ${TEMPLE}`, FILM] }, 'evidence');
    expect(admits(nothing.grammar.gbnf, line(NOTHING_NEW, []))).toBe(true);
  });

  test('the longest statement, two sentences at the length bound, fits the step\'s token budget at 2 characters a token', () => {
    const long = (w: string) => `Shirley Temple ${Array.from({ length: 80 }, () => w).join(' ')}.`;
    const spec = specFor('summary', { ...input, results: [{ title: 'A', snippet: long('alpha') }, { title: 'B', snippet: long('beta') }] }, 'evidence');
    const longest = Math.max(...spec.grammar.choices!.map((l) => l.length));
    expect(longest).toBeGreaterThan(600);
    expect(longest).toBeLessThanOrEqual(2 * stepDefinition('summary').maxTokens);
  });

  test('the free form (for strong models) admits any sentence', () => {
    expect(admits(specFor('summary', input, 'free').grammar.gbnf, 'Summary(knowledge="Anything at all.", used_results=[1])')).toBe(true);
  });

  test('the grounded prompt shows each result cut to the sentences the grammar offers; the free prompt shows the snippets whole', () => {
    const known = { ...input, known: [`${KISS} ${TEMPLE}`] }; // only FILM is left to state
    const grounded = stepPrompt('summary', known, 'evidence');
    expect(grounded).toContain(`SearchResult(id=1, title="Kiss and Tell (1945 film)", snippet=${JSON.stringify(FILM)})`);
    expect(grounded).toContain('SearchResult(id=2, title="Shirley Temple", snippet="")'); // keeps its number
    expect(grounded).not.toContain('ambassador to Ghana');
    const free = stepPrompt('summary', known, 'free');
    expect(free).toBe(STEPS.summary.render(known));
    expect(free).toContain(`snippet=${JSON.stringify(`${KISS} ${FILM}`)}`);
    // Every sentence a grounded line states is on show.
    for (const l of specFor('summary', input, 'evidence').grammar.choices!) {
      const knowledge = /knowledge="(.*)", used/.exec(l)![1];
      for (const sentence of [KISS, FILM, TEMPLE].filter((x) => knowledge.includes(x))) expect(stepPrompt('summary', input, 'evidence')).toContain(sentence);
    }
  });
});

describe('a grounded answer is a span of the knowledge, of the type the question asks for', () => {
  const input: AnswerInput = { question: QUESTION, pastActions: [{ query: 'q1', knowledge: KISS }, { query: 'q2', knowledge: TEMPLE }] };
  const spec = specFor('answer', input, 'evidence');

  test('spans of the knowledge are admitted and parse', () => {
    for (const text of ['Chief of Protocol of the United States', 'Shirley Temple', 'Ghana']) {
      expect(admits(spec.grammar.gbnf, `Answer(text=${JSON.stringify(text)})`)).toBe(true);
      expect(parseStepOutput('answer', input, `Answer(text=${JSON.stringify(text)})`, 'evidence').ok).toBe(true);
    }
  });

  test('yes/no, sentences and invented names are not', () => {
    for (const text of ['yes', 'Shirley Temple was named United States ambassador to Ghana', 'Eleanor Roosevelt', 'Corliss Archer']) {
      expect(admits(spec.grammar.gbnf, `Answer(text=${JSON.stringify(text)})`)).toBe(false);
      expect(parseStepOutput('answer', input, `Answer(text=${JSON.stringify(text)})`, 'evidence').ok).toBe(false);
    }
  });

  test('a yes/no question admits yes and no only; a choice only its options', () => {
    const yn = specFor('answer', { question: 'Were Scott Derrickson and Ed Wood of the same nationality?', pastActions: [] }, 'evidence');
    expect(admits(yn.grammar.gbnf, 'Answer(text="yes")')).toBe(true);
    expect(admits(yn.grammar.gbnf, 'Answer(text="American")')).toBe(false);
    const choice = specFor('answer', { question: 'Who is older, Annie Morton or Terry Richardson?', pastActions: [] }, 'evidence');
    expect(admits(choice.grammar.gbnf, 'Answer(text="Terry Richardson")')).toBe(true);
    expect(admits(choice.grammar.gbnf, 'Answer(text="yes")')).toBe(false);
  });

  test('free answers are held to the type by the check: "yes" to a who-question is re-asked', () => {
    expect(parseStepOutput('answer', input, 'Answer(text="yes")', 'free')).toEqual({ ok: false, error: expect.stringMatching(/not a yes\/no question/) });
    const howMany = { question: 'How many people can the arena seat?', pastActions: [] };
    expect(parseStepOutput('answer', howMany, 'Answer(text="many")', 'free')).toEqual({ ok: false, error: expect.stringMatching(/number/) });
  });
});

describe('grounded self-checks', () => {
  const input: CheckInput = { question: QUESTION, pastActions: [{ query: 'q2', knowledge: TEMPLE }], answer: 'Ghana' };
  const spec = specFor('relevance_check', input, 'evidence');

  test('an open question\'s check passes or fails the answer: no revision to a lower-ranked span', () => {
    expect(admits(spec.grammar.gbnf, 'Check_Answer(passed=True)')).toBe(true);
    expect(admits(spec.grammar.gbnf, 'Check_Answer(passed=False)')).toBe(true);
    expect(admits(spec.grammar.gbnf, 'Revise_Answer(revised_answer="Chief of Protocol of the United States")')).toBe(false);
    expect(admits(spec.grammar.gbnf, 'Revise_Answer(revised_answer="Ghana")')).toBe(false);
    expect(parseStepOutput('relevance_check', input, 'Revise_Answer(revised_answer="Chief of Protocol of the United States")', 'evidence').ok).toBe(false);
  });

  test('a yes/no question\'s revision is the other answer, never the same one', () => {
    const yn: CheckInput = { question: 'Were Scott Derrickson and Ed Wood of the same nationality?', pastActions: [{ query: 'q', knowledge: 'Ed Wood was an American filmmaker.' }], answer: 'no' };
    const ynSpec = specFor('grounding_check', yn, 'evidence');
    expect(admits(ynSpec.grammar.gbnf, 'Revise_Answer(revised_answer="yes")')).toBe(true);
    expect(admits(ynSpec.grammar.gbnf, 'Revise_Answer(revised_answer="no")')).toBe(false);
    expect(admits(ynSpec.grammar.gbnf, 'Revise_Answer(revised_answer="American")')).toBe(false);
  });

  test('a choice question\'s check passes or fails the answer: no flip to the other option', () => {
    const choice: CheckInput = { question: 'Who is older, Annie Morton or Terry Richardson?', pastActions: [], answer: 'Annie Morton' };
    const choiceSpec = specFor('relevance_check', choice, 'evidence');
    expect(admits(choiceSpec.grammar.gbnf, 'Check_Answer(passed=False)')).toBe(true);
    expect(admits(choiceSpec.grammar.gbnf, 'Revise_Answer(revised_answer="Terry Richardson")')).toBe(false);
    expect(admits(choiceSpec.grammar.gbnf, 'Revise_Answer(revised_answer="Annie Morton")')).toBe(false);
    expect(parseStepOutput('relevance_check', choice, 'Revise_Answer(revised_answer="Terry Richardson")', 'evidence').ok).toBe(false);
  });
});

describe('a grounded decision searches for the question, or for a name it or the knowledge holds', () => {
  const input = { question: QUESTION, pastActions: [{ query: QUESTION.replace('?', ''), knowledge: KISS }], remainingSearches: 9 };
  const spec = specFor('decision', input, 'evidence');

  test('a bridge entity from the knowledge, a name in the question, or Terminate() is admitted', () => {
    for (const line of ['Search(query="Shirley Temple")', 'Search(query="Kiss and Tell")', 'Search(query="Corliss Archer")', 'Terminate()']) {
      expect(admits(spec.grammar.gbnf, line)).toBe(true);
      expect(parseStepOutput('decision', input, line, 'evidence').ok).toBe(true);
    }
  });

  test('an invented query, a worked example\'s and a search already run are not', () => {
    for (const line of ['Search(query="Eleanor Roosevelt")', 'Search(query="architect of the Sydney Opera House")', `Search(query=${JSON.stringify(QUESTION.replace('?', ''))})`]) {
      expect(admits(spec.grammar.gbnf, line)).toBe(false);
      expect(parseStepOutput('decision', input, line, 'evidence').ok).toBe(false);
    }
  });

  test('with everything searched, only Terminate() is left', () => {
    const done = { ...input, pastActions: ['Corliss Archer', 'Kiss and Tell', 'Shirley Temple', 'American', QUESTION].map((query) => ({ query, knowledge: KISS })) };
    const only = specFor('decision', done, 'evidence');
    expect(admits(only.grammar.gbnf, 'Terminate()')).toBe(true);
    expect(only.grammar.gbnf).not.toContain('Search');
  });
});

describe('decisions', () => {
  const input = { question: QUESTION, pastActions: [{ query: 'Corliss Archer actress', knowledge: KISS }], remainingSearches: 9 };

  test('a search that repeats an earlier one is rejected, and after every attempt repeats, the fallback is Terminate()', () => {
    const parsed = parseStepOutput('decision', input, 'Search(query="corliss archer ACTRESS")');
    expect(parsed).toEqual({ ok: false, error: expect.stringMatching(new RegExp(`^${REPEATED_SEARCH} "Corliss Archer actress"`)) });
    expect(STEPS.decision.fallback!(input, (parsed as { error: string }).error)).toEqual({ call: 'Terminate' });
    expect(STEPS.decision.fallback!(input, 'expected a name at column 1')).toBeUndefined();
  });

  test('a query copied from a worked example is rejected, a new one is not', () => {
    expect(parseStepOutput('decision', input, 'Search(query="architect of the Sydney Opera House")')).toEqual({ ok: false, error: expect.stringMatching(/^copies a worked example/) });
    expect(parseStepOutput('decision', input, 'Search(query="Shirley Temple government position")').ok).toBe(true);
  });
});
