/**
 * The GBNF grammar and the JSON schema of one CallSpec declaration admit the same values (the JSON schema without
 * the GBNF's escapes), every JSON schema stays
 * inside OpenAI's strict structured-output subset, and a constraint added to a CallSpec (an enum) reaches the
 * GBNF, the JSON schema and the parser at once.
 */
import { z } from 'zod';
import { gbnfChoice, INT_LIST_MAX_ITEMS, INT_MAX, jsonStringPattern } from '../../lib/call-grammar';
import { STEPS } from '../../lib/agent/steps';
import { LLM_STEP_KINDS } from '../../lib/agent/types';
import { pythonCallSpec } from '../../lib/output-spec';
import { rankingSpec } from '../../lib/rest/ranking-spec';
import { gbnfToRegExp } from '../helpers/gbnf-matcher';

/** A double-quoted literal as the GBNF writes strings: raw characters, and only the escapes \" \\ \n \t. */
function gbnfLiteral(value: string): string {
  return '"' + value.replace(/[\\"\n\t]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t' })[c]!) + '"';
}

const SAMPLES = [
  'x',
  'Ed Wood nationality',
  'say "hi" \\ now',
  'two\nlines',
  'a\ttab',
  'carriage\rreturn',
  'nul\x00',
  'bell\x07',
  'del\x7f',
  'separator\u2028',
  'emoji 🎬',
  'x'.repeat(120),
  'é'.repeat(120),
  'x'.repeat(121),
  '',
];

type Schema = Record<string, any>;

function walk(schema: unknown, visit: (node: Schema) => void): void {
  if (Array.isArray(schema)) schema.forEach((s) => walk(s, visit));
  else if (schema && typeof schema === 'object') {
    visit(schema as Schema);
    Object.values(schema).forEach((v) => walk(v, visit));
  }
}

describe('decision query: the JSON schema admits the GBNF strings written without escapes', () => {
  const gbnf = gbnfToRegExp(STEPS.decision.spec.grammar.gbnf);
  const search = (STEPS.decision.spec.grammar.jsonSchema as Schema).properties.action.anyOf[0];
  const pattern = new RegExp(search.properties.query.pattern, 'u');
  const admitsGbnf = (value: string) => gbnf.test(` Search(query=${gbnfLiteral(value)})\n`);

  test('the query pattern is the declared 120-character bound', () => {
    expect(search.properties.query.pattern).toBe(jsonStringPattern(120));
  });

  test.each(SAMPLES.map((s) => [JSON.stringify(s).slice(0, 40), s]))('%s', (_label, value) => {
    // The GBNF's escapes (\" \\ \n \t) are the only difference: a JSON value never needs one.
    const needsEscape = /["\\\n\t]/.test(value);
    expect(pattern.test(value)).toBe(needsEscape ? false : admitsGbnf(value));
    if (pattern.test(value)) expect(admitsGbnf(value)).toBe(true);
  });
});

describe('summary used_results: GBNF and JSON schema bound the same lists', () => {
  const gbnf = gbnfToRegExp(STEPS.summary.spec.grammar.gbnf);
  const ids = (STEPS.summary.spec.grammar.jsonSchema as Schema).properties.action.anyOf[0].properties.used_results;
  const admitsJson = (list: number[]) =>
    list.length <= ids.maxItems && list.every((n) => Number.isInteger(n) && n >= ids.items.minimum && n <= ids.items.maximum);

  test.each([[[]], [[1]], [[INT_MAX]], [[INT_MAX + 1]], [[0]], [Array.from({ length: INT_LIST_MAX_ITEMS }, (_, i) => i + 1)], [Array.from({ length: INT_LIST_MAX_ITEMS + 1 }, () => 1)]])(
    '%j',
    (list) => {
      expect(admitsJson(list)).toBe(gbnf.test(` Summary(knowledge="k", used_results=[${list.join(', ')}])\n`));
    },
  );
});

describe.each([...LLM_STEP_KINDS.map((k) => [k, STEPS[k].spec.grammar.jsonSchema] as const), ['ranking', rankingSpec(3).grammar.jsonSchema] as const])(
  '%s JSON schema',
  (_kind, schema) => {
    test('stays inside OpenAI strict mode: closed objects, every property required, no length keywords', () => {
      walk(schema, (node) => {
        if (node.type === 'object') {
          expect(node.additionalProperties).toBe(false);
          expect([...node.required].sort()).toEqual(Object.keys(node.properties).sort());
        }
        for (const banned of ['minLength', 'maxLength', 'format', 'oneOf', 'allOf', '$ref']) expect(node).not.toHaveProperty(banned);
      });
    });

    test('bounds every string, by a pattern or an enum', () => {
      walk(schema, (node) => {
        if (node.type === 'string') expect(node.pattern ?? node.enum).toBeDefined();
      });
    });
  },
);

describe('gbnfChoice: literal alternatives as a prefix tree', () => {
  test('shared prefixes once, a value that ends where others go on makes the rest optional', () => {
    expect(gbnfChoice(['Chief', 'Chief of Protocol', 'Chieftain', 'Ghana'])).toBe('("Chief" ((" of Protocol" | "tain"))? | "Ghana")');
    expect(gbnfChoice(['yes', 'no'])).toBe('("yes" | "no")');
    const re = gbnfToRegExp(`root ::= ${gbnfChoice(['Chief', 'Chief of Protocol', 'Chieftain', 'Ghana'])}\n`);
    for (const v of ['Chief', 'Chief of Protocol', 'Chieftain', 'Ghana']) expect(re.test(v)).toBe(true);
    for (const v of ['Chie', 'Chief of', 'Ghanaian', '']) expect(re.test(v)).toBe(false);
  });
});

describe('call variants: arguments that go together', () => {
  const spec = pythonCallSpec({
    name: 'summary',
    variable: 'summary',
    calls: [
      { name: 'Summary', args: [{ name: 'knowledge', type: 'str', enum: ['A one.', 'A two.'] }, { name: 'used_results', type: 'int_list', lists: [[1]] }] },
      { name: 'Summary', args: [{ name: 'knowledge', type: 'str', enum: ['B one.'] }, { name: 'used_results', type: 'int_list', lists: [[2]] }] },
    ],
    schema: z.object({ call: z.literal('Summary'), knowledge: z.string(), used_results: z.array(z.number()) }),
  });
  const gbnf = gbnfToRegExp(spec.grammar.gbnf);

  test('the grammar admits each sentence only with its own result', () => {
    expect(gbnf.test(' Summary(knowledge="A two.", used_results=[1])\n')).toBe(true);
    expect(gbnf.test(' Summary(knowledge="B one.", used_results=[2])\n')).toBe(true);
    expect(gbnf.test(' Summary(knowledge="B one.", used_results=[1])\n')).toBe(false);
  });

  test('the parser too, naming what the closest variant does not allow', () => {
    expect(spec.parse('Summary(knowledge="B one.", used_results=[2])').ok).toBe(true);
    expect(spec.parse('Summary(knowledge="B one.", used_results=[1])')).toEqual({ ok: false, error: 'Summary(used_results=...) must be [2]' });
    expect(spec.parse('{"action": {"call": "Summary", "knowledge": "A one.", "used_results": [1]}}').ok).toBe(true);
  });

  test('the JSON schema has one variant per pairing', () => {
    const variants = (spec.grammar.jsonSchema as Schema).properties.action.anyOf;
    expect(variants.map((v: Schema) => v.properties.used_results)).toEqual([
      expect.objectContaining({ enum: [[1]] }),
      expect.objectContaining({ enum: [[2]] }),
    ]);
  });
});

describe('an enum in a CallSpec reaches the GBNF, the JSON schema and the parser', () => {
  const spec = pythonCallSpec({
    name: 'answer',
    variable: 'answer',
    calls: [{ name: 'Answer', args: [{ name: 'text', type: 'str', enum: ['Paris', 'Lyon "2"'] }] }],
    schema: z.object({ call: z.literal('Answer'), text: z.string() }),
  });
  const gbnf = gbnfToRegExp(spec.grammar.gbnf);

  test('GBNF: only the listed values', () => {
    // A prefix tree of the literals: the shared opening quote once.
    expect(spec.grammar.gbnf).toContain('enum0 ::= "\\"" ("Paris\\"" | "Lyon \\\\\\"2\\\\\\"\\"")');
    expect(gbnf.test(' Answer(text="Paris")\n')).toBe(true);
    expect(gbnf.test(' Answer(text="Lyon \\"2\\"")\n')).toBe(true);
    expect(gbnf.test(' Answer(text="Nice")\n')).toBe(false);
  });

  test('JSON schema: an enum', () => {
    const text = (spec.grammar.jsonSchema as Schema).properties.action.anyOf[0].properties.text;
    expect(text).toEqual({ type: 'string', enum: ['Paris', 'Lyon "2"'] });
  });

  test('parser: the listed values, from text or JSON; anything else is an error naming them', () => {
    expect(spec.parse('Answer(text="Lyon \\"2\\"")')).toEqual({ ok: true, value: { call: 'Answer', text: 'Lyon "2"' } });
    expect(spec.parse('{"action": {"call": "Answer", "text": "Paris"}}')).toEqual({ ok: true, value: { call: 'Answer', text: 'Paris' } });
    for (const text of ['Answer(text="Nice")', '{"action": {"call": "Answer", "text": "Nice"}}']) {
      const result = spec.parse(text);
      expect(result).toEqual({ ok: false, error: 'Answer(text=...) must be one of "Paris", "Lyon \\"2\\""' });
    }
  });

  test('the format hint shows a value that parses', () => {
    expect(spec.formatHint).toBe('exactly one line of Python: Answer(text="Paris")');
    expect(spec.parse('Answer(text="Paris")').ok).toBe(true);
  });
});
