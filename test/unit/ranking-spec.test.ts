import { rankingSpec } from '../../lib/rest/ranking-spec';

/** Compiles the GBNF subset the specs emit (no recursion) to a RegExp, so tests can check what it admits. */
function gbnfToRegExp(gbnf: string): RegExp {
  const rules = new Map<string, string>();
  for (const line of gbnf.split('\n').filter(Boolean)) {
    const m = /^([a-z0-9-]+) ::= (.*)$/.exec(line);
    if (!m) throw new Error(`bad GBNF line: ${line}`);
    rules.set(m[1], m[2]);
  }
  const compile = (name: string): string => {
    const body = rules.get(name);
    if (body === undefined) throw new Error(`undefined rule ${name}`);
    const token = /\s*("(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]|[a-z][a-z0-9-]*|\{\d+(?:,\d*)?\}|[()|?*+])/gy;
    let out = '';
    for (let m = token.exec(body); m; m = token.exec(body)) {
      const t = m[1];
      if (t.startsWith('"')) {
        const text = t.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        out += '(?:' + text.replace(/[.*+?^${}()|[\]\\\/]/g, '\\$&') + ')';
      } else if (/^[a-z]/.test(t)) out += '(?:' + compile(t) + ')';
      else out += t;
    }
    return out;
  };
  return new RegExp('^(?:' + compile('root') + ')$', 'u');
}

describe('rankingSpec', () => {
  const spec = rankingSpec(3);

  test.each<[string, { explanation: string; best: number; ranking: number[] }]>([
    ['Explanation: #2 finds the fact.\nAnswer: #2\nRanking: #2 > #1 > #3', { explanation: '#2 finds the fact.', best: 2, ranking: [2, 1, 3] }],
    ['Explanation: ok\nAnswer: #1\nRanking: #1 > #2 > #3\n', { explanation: 'ok', best: 1, ranking: [1, 2, 3] }],
    ['  \n Explanation:   spaced out  \r\n\nAnswer:#3 \r\nRanking: #3>#2 >  #1\n\n', { explanation: 'spaced out', best: 3, ranking: [3, 2, 1] }],
    ['Explanation: Answer: #1 is worse. Ranking: none\nAnswer: #3\nRanking: #3 > #1 > #2', { explanation: 'Answer: #1 is worse. Ranking: none', best: 3, ranking: [3, 1, 2] }],
  ])('parses %j', (text, value) => {
    expect(spec.parse(text)).toEqual({ ok: true, value });
  });

  test.each<[string, string]>([
    ['', 'empty'],
    ['   \n ', 'empty'],
    ['Answer: #1\nRanking: #1 > #2 > #3', 'must start with `Explanation:`'],
    ['Explanation: x\nRanking: #1 > #2 > #3\nAnswer: #1', 'must start with `Answer:`'],
    ['Explanation: x\nAnswer: #1', 'missing the `Ranking:` line'],
    ['Explanation: x', 'missing the `Answer:` line'],
    ['Explanation: x\nAnswer: #1\nRanking: #1 > #2 > #3\nThanks!', 'unexpected text'],
    ['Explanation:   \nAnswer: #1\nRanking: #1 > #2 > #3', 'explanation is empty'],
    ['Explanation: x\nAnswer: 1\nRanking: #1 > #2 > #3', 'expected a candidate number'],
    ['Explanation: x\nAnswer: #1\nRanking: #1, #2, #3', 'expected a candidate number'],
    ['Explanation: x\nAnswer: #1\nRanking: #1 > #2 >', 'expected a candidate number'],
    ['Explanation: x\nAnswer: #01\nRanking: #1 > #2 > #3', 'expected a candidate number'],
    ['Explanation: x\nAnswer: **#1**\nRanking: #1 > #2 > #3', 'expected a candidate number'],
    ['Explanation: x\nAnswer: #4\nRanking: #1 > #2 > #3', 'out of range'],
    ['Explanation: x\nAnswer: #1\nRanking: #1 > #2 > #4', 'out of range'],
    ['Explanation: x\nAnswer: #0\nRanking: #1 > #2 > #3', 'expected a candidate number'],
    ['Explanation: x\nAnswer: #1\nRanking: #1 > #2', 'must list all 3 candidates, found 2'],
    ['Explanation: x\nAnswer: #1\nRanking: #1 > #2 > #3 > #1', 'appears more than once'],
    ['Explanation: x\nAnswer: #1\nRanking: #1 > #2 > #2', 'appears more than once'],
    ['Explanation: x\nAnswer: #2\nRanking: #1 > #2 > #3', 'must be the first in Ranking'],
    ['explanation: x\nanswer: #1\nranking: #1 > #2 > #3', 'must start with `Explanation:`'],
  ])('rejects %j', (text, message) => {
    const result = spec.parse(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  test('render round-trips, and keeps a multi-line explanation on one line', () => {
    const value = { explanation: 'Two\nlines\u2028and a\ttab', best: 3, ranking: [3, 1, 2] };
    const text = spec.render(value);
    expect(text.split('\n')).toHaveLength(3);
    expect(spec.parse(text)).toEqual({ ok: true, value: { ...value, explanation: 'Two lines and a tab' } });
  });

  test('the GBNF grammar admits rendered outputs and rejects malformed ones', () => {
    const grammar = gbnfToRegExp(spec.grammar.gbnf);
    expect(grammar.test(spec.render({ explanation: '#2 is grounded; #1 repeats a search.', best: 2, ranking: [2, 3, 1] }) + '\n')).toBe(true);
    expect(grammar.test('Explanation: x\nAnswer: #1\nRanking: #1 > #2 > #3\n')).toBe(true);
    // Best must be first; exactly n ids; ids within 1..n; a non-blank, bounded, one-line explanation.
    expect(grammar.test('Explanation: x\nAnswer: #2\nRanking: #1 > #2 > #3\n')).toBe(false);
    expect(grammar.test('Explanation: x\nAnswer: #1\nRanking: #1 > #2\n')).toBe(false);
    expect(grammar.test('Explanation: x\nAnswer: #1\nRanking: #1 > #2 > #4\n')).toBe(false);
    expect(grammar.test('Explanation:  \nAnswer: #1\nRanking: #1 > #2 > #3\n')).toBe(false);
    expect(grammar.test(`Explanation: ${'x'.repeat(400)}\nAnswer: #1\nRanking: #1 > #2 > #3\n`)).toBe(true);
    expect(grammar.test(`Explanation: ${'x'.repeat(401)}\nAnswer: #1\nRanking: #1 > #2 > #3\n`)).toBe(false);
    expect(grammar.test('Explanation: x\ny\nAnswer: #1\nRanking: #1 > #2 > #3\n')).toBe(false);
    // Every string the grammar admits that ranks each candidate once parses.
    for (const ranking of [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]]) {
      const text = `Explanation: fine\nAnswer: #${ranking[0]}\nRanking: ${ranking.map((r) => `#${r}`).join(' > ')}\n`;
      expect(grammar.test(text)).toBe(true);
      expect(spec.parse(text).ok).toBe(true);
    }
  });

  test('the GBNF grammar handles one candidate and two-digit numbers', () => {
    const one = rankingSpec(1);
    expect(gbnfToRegExp(one.grammar.gbnf).test('Explanation: only one\nAnswer: #1\nRanking: #1\n')).toBe(true);
    expect(one.parse('Explanation: only one\nAnswer: #1\nRanking: #1')).toEqual({ ok: true, value: { explanation: 'only one', best: 1, ranking: [1] } });
    const twelve = rankingSpec(12);
    const ranking = [12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const text = twelve.render({ explanation: 'x', best: 12, ranking });
    expect(gbnfToRegExp(twelve.grammar.gbnf).test(text + '\n')).toBe(true);
    expect(twelve.parse(text)).toEqual({ ok: true, value: { explanation: 'x', best: 12, ranking } });
    expect(() => rankingSpec(0)).toThrow(RangeError);
  });

  test('the GBNF grammar matches its snapshot', () => {
    expect(spec.grammar.gbnf).toMatchSnapshot();
  });

  test('the GBNF grammar is well formed: a root ending in a newline, every rule defined once', () => {
    const gbnf = spec.grammar.gbnf;
    expect(gbnf.endsWith('\n')).toBe(true);
    const lines = gbnf.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^root ::= .* "\\n"$/);
    const defined = lines.map((l) => l.split(' ::= ')[0]);
    expect(new Set(defined).size).toBe(defined.length);
    const used = new Set(gbnf.replace(/"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]/g, ' ').match(/(?<=::=.*)\b[a-z][a-z0-9]*\b/g));
    for (const rule of used) expect(defined).toContain(rule);
  });

  test('the JSON schema bounds the numbers, and fromJson renders text the parser reads', () => {
    const schema = spec.grammar.jsonSchema as { properties: Record<string, Record<string, unknown>>; required: string[] };
    // No `best` in the JSON form: it is the first of the ranking, as the GBNF forces.
    expect(Object.keys(schema.properties)).toEqual(['explanation', 'ranking']);
    expect(schema.required).toEqual(['explanation', 'ranking']);
    expect(schema.properties.ranking).toMatchObject({ minItems: 3, maxItems: 3, items: { type: 'integer', minimum: 1, maximum: 3 } });
    expect(spec.parse(JSON.stringify({ explanation: 'Grounded.', ranking: [3, 1, 2] }))).toEqual({ ok: true, value: { explanation: 'Grounded.', best: 3, ranking: [3, 1, 2] } });
    const text = spec.grammar.fromJson({ explanation: 'Grounded.\nShort.', best: 2, ranking: [2, 3, 1] });
    expect(text).toBe('Explanation: Grounded. Short.\nAnswer: #2\nRanking: #2 > #3 > #1');
    expect(spec.parse(text)).toEqual({ ok: true, value: { explanation: 'Grounded. Short.', best: 2, ranking: [2, 3, 1] } });
    // Semantically wrong JSON renders, and the parser rejects it.
    expect(spec.parse(spec.grammar.fromJson({ explanation: 'x', best: 1, ranking: [2, 1, 3] })).ok).toBe(false);
    expect(spec.parse(spec.grammar.fromJson({ explanation: 'x', best: 1, ranking: [1, 1, 3] })).ok).toBe(false);
  });

  test.each([null, 'text', {}, { explanation: 1, best: 1, ranking: [1, 2, 3] }, { explanation: 'x', best: '1', ranking: [1, 2, 3] }, { explanation: 'x', best: 1, ranking: [1, 2.5, 3] }, { explanation: 'x', best: 1 }])(
    'fromJson throws on off-schema JSON %j',
    (json) => {
      expect(() => spec.grammar.fromJson(json)).toThrow();
    },
  );

  test('the format hint names the three lines', () => {
    expect(spec.formatHint).toContain('Explanation:');
    expect(spec.formatHint).toContain('Answer: #X');
    expect(spec.formatHint).toContain('Ranking: #X > #Y');
  });
});
