/**
 * Every step's output spec: GBNF, JSON schema and parser from one declaration, checked against each other on the
 * few-shot outputs and on malformed ones. Longer than 250 lines: one table of cases per step kind.
 */
import { firstCodeLine, OutputSpec } from '../../lib/output-spec';
import { COMPLETION_LEAD } from '../../lib/call-grammar';
import { gbnfToRegExp } from '../helpers/gbnf-matcher';
import { FEW_SHOTS } from '../../lib/agent/few-shots';
import { parseStepOutput, repairNote, STEPS } from '../../lib/agent/steps';
import { LLM_STEP_KINDS, type StepKind, type SummaryInput } from '../../lib/agent/types';

type AnySpec = OutputSpec<{ call: string }>;
const spec = (kind: StepKind) => STEPS[kind].spec as unknown as AnySpec;
const fewShotOutputs = (kind: StepKind) => (FEW_SHOTS[kind] as Array<{ output: { call: string } }>).map((ex) => ex.output);

/** The variable each step's prompt assigns; a model may repeat it (`action = Search(...)`). */
const VARIABLE: Record<StepKind, string> = {
  decision: 'action',
  summary: 'summary',
  answer: 'answer',
  relevance_check: 'verdict',
  grounding_check: 'verdict',
};

// ---------------------------------------------------------------------------------------------- tables

const GOOD: Record<StepKind, Array<[string, unknown]>> = {
  decision: [
    ['Search(query="Ed Wood nationality")', { call: 'Search', query: 'Ed Wood nationality' }],
    ['Search("Ed Wood nationality")', { call: 'Search', query: 'Ed Wood nationality' }],
    ["Search(query='Ed Wood nationality')", { call: 'Search', query: 'Ed Wood nationality' }],
    ["Search(query='the \"Plan 9\" director')", { call: 'Search', query: 'the "Plan 9" director' }],
    ['Search(query="it\'s \\"quoted\\" \\\\ here")', { call: 'Search', query: 'it\'s "quoted" \\ here' }],
    ['action = Search(query="Ed Wood")', { call: 'Search', query: 'Ed Wood' }],
    ['action: Action = Terminate()', { call: 'Terminate' }],
    ['```python\naction = Terminate()\n```', { call: 'Terminate' }],
    ['```\nSearch(query="x")\n```\n', { call: 'Search', query: 'x' }],
    ['Terminate()   ', { call: 'Terminate' }],
    ['  Search( query = "x" , )\t', { call: 'Search', query: 'x' }],
    ['\n\nTerminate()\r\n', { call: 'Terminate' }],
    // Only the first code line counts: the grammar and the `\n` stop end the output there anyway.
    ['Search(query="x")\nBecause the question needs it.', { call: 'Search', query: 'x' }],
    // As chat models write it: prose before a fence, a fence left open or only closed, inline backticks.
    ['Here is the line:\n```python\naction = Search(query="x")\n```', { call: 'Search', query: 'x' }],
    ['```python\nTerminate()', { call: 'Terminate' }],
    ['Search(query="x")\n```', { call: 'Search', query: 'x' }],
    ['`Search(query="x")`', { call: 'Search', query: 'x' }],
    // As JSON-schema decoding writes it, with the whitespace llama.cpp lets the model choose, or fenced.
    ['{"action":  {"call": "Search", "query": "x"}}', { call: 'Search', query: 'x' }],
    ['\n{\n  "action": {\n    "call": "Terminate"\n  }\n}\n', { call: 'Terminate' }],
    ['```json\n{"action": {"call": "Search", "query": "a \\"b\\""}}\n```', { call: 'Search', query: 'a "b"' }],
  ],
  summary: [
    ['Summary(knowledge="Ed Wood was American.", used_results=[1, 2])', { call: 'Summary', knowledge: 'Ed Wood was American.', used_results: [1, 2] }],
    ['Summary("Ed Wood was American.", [2])', { call: 'Summary', knowledge: 'Ed Wood was American.', used_results: [2] }],
    ["summary = Summary(used_results=[], knowledge='Nothing relevant.')", { call: 'Summary', knowledge: 'Nothing relevant.', used_results: [] }],
    ['Summary(knowledge="k", used_results=[1,2,])  ', { call: 'Summary', knowledge: 'k', used_results: [1, 2] }],
    ['```python\nsummary = Summary(knowledge="k", used_results=[ 3 ])\n```', { call: 'Summary', knowledge: 'k', used_results: [3] }],
  ],
  answer: [
    ['Answer(text="yes")', { call: 'Answer', text: 'yes' }],
    ["answer = Answer('Jørn Utzon')", { call: 'Answer', text: 'Jørn Utzon' }],
    ['Answer(text="1918")   ', { call: 'Answer', text: '1918' }],
  ],
  relevance_check: [
    ['Check_Answer(passed=True)', { call: 'Check_Answer', passed: true }],
    ['Check_Answer(False)', { call: 'Check_Answer', passed: false }],
    ["verdict = Revise_Answer(revised_answer='1918')", { call: 'Revise_Answer', revised_answer: '1918' }],
  ],
  grounding_check: [
    ['Check_Answer(passed=False)  ', { call: 'Check_Answer', passed: false }],
    ['```python\nverdict = Revise_Answer("Philip K. Dick")\n```', { call: 'Revise_Answer', revised_answer: 'Philip K. Dick' }],
  ],
};

const BAD: Record<StepKind, Array<[string, string]>> = {
  decision: [
    ['Foo(query="x")', 'unknown call `Foo`; expected Search or Terminate'],
    ['search(query="x")', 'unknown call `search`'],
    ['Check_Answer(passed=True)', 'unknown call `Check_Answer`'],
    ['I will search for it: Search(query="x")', 'unknown call `I`'],
    ['Search()', 'Search() is missing query'],
    ['Search(query=True)', 'Search(query=...) must be a string'],
    ['Search(query=[1])', 'must be a string'],
    ['Search(query="x', 'string literal is not closed'],
    ["Search(query='x\")", 'string literal is not closed'],
    ['Search(query="x"', 'expected `,` or `)`'],
    ['Search query="x"', 'expected `(`'],
    ['Search(query="x") and more', 'unexpected text after the call: `and more`'],
    ['Search(query="x"); Terminate()', 'unexpected text after the call'],
    ['Search(query="x")  # a comment', 'unexpected text after the call'],
    ['', 'the output is empty'],
    ['  \n\t\n', 'the output is empty'],
    ['```python\n```', 'the output has no line of code: "```python\\n```"'],
    ['```python', 'the output has no line of code: "```python"'],
    ['{"action": {"call": "Sea', 'the output is not valid JSON'],
    ['{"action": {"call": "Search"}}', 'structured output Search(query=...) must be a string: "{\\"action\\"'],
    ['{"action": {"call": "Search", "query": " "}}', 'query: must not be blank'],
    ['Search(query="  ")', 'query: must not be blank'],
    ['Search(query="")', 'query: must not be blank'],
    ['Search(q="x")', 'Search() has no argument `q`'],
    ['Search(query="a", query="b")', 'Search() got `query` twice'],
    ['Search("a", "b")', 'Search() takes 1 argument(s)'],
    ['Terminate("now")', 'Terminate() takes 0 argument(s)'],
    ['Search(query="""x""")', 'triple-quoted strings are not allowed'],
    ['Search(query=f"x")', 'expected a string, True/False or a list of integers'],
    ['Search(query=x)', 'expected a string, True/False or a list of integers'],
  ],
  summary: [
    ['Summary(knowledge="k")', 'Summary() is missing used_results'],
    ['Summary(knowledge="k", used_results="1")', 'Summary(used_results=...) must be a list of integers'],
    ['Summary(knowledge="k", used_results=[1, "2"])', 'expected an integer'],
    ['Summary(knowledge="k", used_results=[1 2])', 'expected `,` or `]`'],
    ['Summary(knowledge="k", used_results=[1', 'expected'],
    ['Summary(knowledge="k", used_results=[0])', 'used_results.0'],
    ['Summary(knowledge=" ", used_results=[1])', 'knowledge: must not be blank'],
    ['Summary(knowledge=["k"], used_results=[1])', 'expected an integer'],
  ],
  answer: [
    ['Answer(text=1918)', 'expected a string, True/False or a list of integers'],
    ['Answer(text="1918"', 'expected `,` or `)`'],
    ['Answer(text="")', 'text: must not be blank'],
    ['Answer(text="yes") because both are longer', 'unexpected text after the call'],
  ],
  relevance_check: [
    ['Check_Answer(passed="yes")', 'Check_Answer(passed=...) must be True or False'],
    ['Check_Answer(passed=true)', 'expected a string, True/False or a list of integers'],
    ['Check_Answer()', 'Check_Answer() is missing passed'],
    ['Revise_Answer(revised_answer="  ")', 'revised_answer: must not be blank'],
    ['Revise_Answer(revised_answer=True)', 'must be a string'],
  ],
  grounding_check: [
    ['Check_Answer(passed="yes")', 'Check_Answer(passed=...) must be True or False'],
    ['Check_Answer(passed=True, passed=False)', 'got `passed` twice'],
    ['Answer(text="x")', 'unknown call `Answer`; expected Check_Answer or Revise_Answer'],
  ],
};

// ---------------------------------------------------------------------------------------------- tests

describe.each(LLM_STEP_KINDS)('%s spec', (kind) => {
  const s = spec(kind);
  const grammar = gbnfToRegExp(s.grammar.gbnf);

  test('few-shot outputs render to lines that parse back to themselves', () => {
    for (const output of fewShotOutputs(kind)) {
      const text = s.render(output);
      expect(text).not.toContain('\n');
      expect(s.parse(text)).toEqual({ ok: true, value: output });
      expect(s.parse(`${VARIABLE[kind]} = ${text}`)).toEqual({ ok: true, value: output });
    }
  });

  test('few-shot outputs are admitted by the GBNF grammar (with its final newline)', () => {
    for (const output of fewShotOutputs(kind)) expect(grammar.test(COMPLETION_LEAD + s.render(output) + '\n')).toBe(true);
  });

  test.each(GOOD[kind])('parses %j', (text, value) => {
    expect(s.parse(text)).toEqual({ ok: true, value });
  });

  test.each(BAD[kind])('rejects %j', (text, message) => {
    const result = s.parse(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  test('the format hint shows only outputs that parse', () => {
    const examples = s.formatHint.replace(/^exactly one line of Python: /, '').split(' or ');
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(s.parse(example).ok).toBe(true);
  });

  test('the GBNF grammar matches its snapshot', () => {
    expect(s.grammar.gbnf).toMatchSnapshot();
  });

  test('the GBNF grammar is well formed: a root ending in a newline, every call and argument, every rule defined', () => {
    const gbnf = s.grammar.gbnf;
    const lines = gbnf.split('\n');
    expect(gbnf.endsWith('\n')).toBe(true);
    expect(lines[0]).toMatch(/^root ::= .* "\\n"$/);
    const defined = lines.filter(Boolean).map((l) => l.split(' ::= ')[0]);
    expect(new Set(defined).size).toBe(defined.length);
    const used = new Set(gbnf.replace(/"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]/g, ' ').match(/(?<=::=.*)\b[a-z][a-z0-9]*\b/g));
    for (const rule of used) expect(defined).toContain(rule);
    for (const output of fewShotOutputs(kind)) {
      expect(gbnf).toContain(`"${output.call}("`);
      for (const arg of Object.keys(output).filter((k) => k !== 'call')) expect(gbnf).toMatch(new RegExp(`"(, )?${arg}="`));
    }
  });

  test('few-shot outputs written as JSON (structured outputs) parse to the same value', () => {
    for (const output of fewShotOutputs(kind)) {
      expect(s.parse(JSON.stringify({ action: output }))).toEqual({ ok: true, value: output });
      expect(s.parse(JSON.stringify({ action: output }, null, 2))).toEqual({ ok: true, value: output });
    }
  });

  test('the JSON-schema path renders each few-shot output canonically', () => {
    for (const output of fewShotOutputs(kind)) expect(s.grammar.fromJson({ action: output })).toBe(s.render(output));
    const variants = (s.grammar.jsonSchema as { properties: { action: { anyOf: Array<{ properties: { call: { enum: string[] } }; required: string[] }> } } })
      .properties.action.anyOf;
    for (const output of fewShotOutputs(kind)) {
      const variant = variants.find((v) => v.properties.call.enum[0] === output.call);
      expect(variant?.required.sort()).toEqual(Object.keys(output).sort());
    }
  });
});

describe('GBNF grammar limits', () => {
  const decision = gbnfToRegExp(STEPS.decision.spec.grammar.gbnf);
  const summary = gbnfToRegExp(STEPS.summary.spec.grammar.gbnf);

  test('admits canonical calls with the escapes the parser reads', () => {
    expect(decision.test(' Search(query="say \\"hi\\" \\\\ \\n \\t")\n')).toBe(true);
    expect(STEPS.decision.spec.parse('Search(query="say \\"hi\\" \\\\ \\n \\t")')).toEqual({ ok: true, value: { call: 'Search', query: 'say "hi" \\ \n \t' } });
    expect(decision.test(' Terminate()\n')).toBe(true);
    expect(summary.test(' Summary(knowledge="k", used_results=[])\n')).toBe(true);
    expect(summary.test(' Summary(knowledge="k", used_results=[1, 12])\n')).toBe(true);
  });

  test('rejects what cannot be a clean one-line call', () => {
    expect(decision.test(' Search(query="x")')).toBe(false); // no final newline
    expect(decision.test(" Search(query='x')\n")).toBe(false);
    expect(decision.test(' Search(query="")\n')).toBe(false);
    expect(decision.test(' Search(query="a\nb")\n')).toBe(false);
    expect(decision.test(' Search(query="' + 'x'.repeat(121) + '")\n')).toBe(false);
    expect(decision.test(' Search(query="' + 'é'.repeat(120) + '")\n')).toBe(true);
    expect(summary.test(' Summary(knowledge="k", used_results=[0])\n')).toBe(false);
  });
});

describe('JSON-schema structured outputs', () => {
  const grammar = STEPS.decision.spec.grammar;

  test('turn an action object into a call the parser reads', () => {
    const text = grammar.fromJson({ action: { call: 'Search', query: 'x' } });
    expect(text).toBe('Search(query="x")');
    expect(STEPS.decision.spec.parse(text)).toEqual({ ok: true, value: { call: 'Search', query: 'x' } });
  });

  test('keep hostile strings intact', () => {
    const query = 'a "quoted"\nline # [END] \\ \u2028';
    const text = grammar.fromJson({ action: { call: 'Search', query } });
    expect(text.split('\n')).toHaveLength(1);
    expect(STEPS.decision.spec.parse(text)).toEqual({ ok: true, value: { call: 'Search', query } });
    const summary = STEPS.summary.spec.grammar.fromJson({ action: { call: 'Summary', knowledge: 'k', used_results: [2, 1] } });
    expect(summary).toBe('Summary(knowledge="k", used_results=[2, 1])');
  });

  test.each([
    ['null', null],
    ['no action', {}],
    ['no call', { action: { query: 'x' } }],
    ['an unknown call', { action: { call: 'Nope' } }],
    ['a missing argument', { action: { call: 'Search' } }],
    ['a mistyped argument', { action: { call: 'Search', query: 42 } }],
  ])('reject %s', (_label, json) => {
    expect(() => grammar.fromJson(json)).toThrow();
  });

  test('reject mistyped booleans and id lists instead of coercing them', () => {
    expect(() => STEPS.relevance_check.spec.grammar.fromJson({ action: { call: 'Check_Answer', passed: 'yes' } })).toThrow('True or False');
    expect(() => STEPS.summary.spec.grammar.fromJson({ action: { call: 'Summary', knowledge: 'k' } })).toThrow('list of integers');
    expect(() => STEPS.summary.spec.grammar.fromJson({ action: { call: 'Summary', knowledge: 'k', used_results: ['1'] } })).toThrow('list of integers');
  });
});

describe('firstCodeLine', () => {
  test.each([
    ['Search(query="x")', 'Search(query="x")'],
    ['  action = Search(query="x")  ', 'Search(query="x")'],
    ['action=Terminate()', 'Terminate()'],
    ['action: Decision = Terminate()', 'Terminate()'],
    ['```python\n\naction = Terminate()\n```', 'Terminate()'],
    ['\r\n\r\nTerminate()\r\nmore', 'Terminate()'],
    ['Sure.\n```python\naction = Terminate()\n```\nDone.', 'Terminate()'],
    ['Terminate()\n```', 'Terminate()'],
    ['`action = Terminate()`', 'Terminate()'],
    ['```python\n```', ''],
    ['', ''],
  ])('reads %j as %j', (text, line) => {
    expect(firstCodeLine(text, 'action')).toBe(line);
  });
});

describe('parseStepOutput', () => {
  const input: SummaryInput = {
    question: 'Were Scott Derrickson and Ed Wood of the same nationality?',
    query: 'Ed Wood nationality',
    results: [
      { title: 'Ed Wood', snippet: 'Edward Davis Wood Jr. was an American filmmaker.' },
      { title: 'Ed Wood (film)', snippet: 'Ed Wood is a 1994 American biographical film directed by Tim Burton.' },
    ],
  };

  test('accepts result ids that exist, or none', () => {
    expect(parseStepOutput('summary', input, 'Summary(knowledge="Ed Wood was American.", used_results=[1, 2])').ok).toBe(true);
    expect(parseStepOutput('summary', input, 'Summary(knowledge="Nothing relevant.", used_results=[])').ok).toBe(true);
  });

  test('rejects summary ids beyond the number of results', () => {
    expect(parseStepOutput('summary', input, 'Summary(knowledge="Ed Wood was American.", used_results=[1, 3, 7])')).toEqual({
      ok: false,
      error: 'used_results cites 3, 7, but there are only 2 results',
    });
  });

  test('passes parse errors through', () => {
    expect(parseStepOutput('summary', input, 'Summary(knowledge="k")')).toEqual({ ok: false, error: 'Summary() is missing used_results' });
  });
});

describe('repairNote', () => {
  test.each(LLM_STEP_KINDS)('%s: names the error and the expected format', (kind) => {
    const error = 'unexpected text after the call: `because`';
    const note = repairNote(STEPS[kind].spec, error);
    expect(note).toContain(error);
    expect(note).toContain(STEPS[kind].spec.formatHint);
    for (const output of fewShotOutputs(kind)) expect(note).toContain(`${output.call}(`);
  });
});
