/**
 * The rater's reply as an output spec (lib/output-spec.ts): `Explanation: ...`, `Answer: #X`, `Ranking: #X > ...`,
 * with a GBNF grammar, a JSON schema and a strict parser. Numbers are the 1-based shown numbers
 * (see lib/rest/shuffle.ts). Pure.
 */
import { acceptingJson, type OutputSpec, type ParseResult } from '../output-spec';
import { JSON_PLAIN_CHAR } from '../call-grammar';

export interface RankingOutput {
  explanation: string;
  /** The best candidate, as a 1-based shown number; always equal to `ranking[0]`. */
  best: number;
  /** All candidates, best first, as 1-based shown numbers. */
  ranking: number[];
}

/** The grammar's bound on the explanation's length (the parser accepts longer ones from unconstrained models). */
export const EXPLANATION_MAX_CHARS = 400;

/** Control characters and Unicode line breaks would split the explanation line. */
function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f\u0085\u2028\u2029]+/g, ' ').trim();
}

function renderRanking(value: RankingOutput): string {
  return [
    `Explanation: ${oneLine(value.explanation)}`,
    `Answer: #${value.best}`,
    `Ranking: ${value.ranking.map((r) => `#${r}`).join(' > ')}`,
  ].join('\n');
}

function buildRankingGbnf(n: number): string {
  const id = Array.from({ length: n }, (_, i) => `"${i + 1}"`).join(' | ');
  const rest = n > 1 ? ` (" > " id){${n - 1}}` : '';
  const lines = [
    `root ::= "Explanation: " explanation "\\n" (${Array.from({ length: n }, (_, i) => `best${i + 1}`).join(' | ')}) "\\n"`,
    // Grammar-enforced: Answer equals the first of Ranking. Uniqueness is left to the parser (it would need n! rules).
    ...Array.from({ length: n }, (_, i) => `best${i + 1} ::= "Answer: #${i + 1}\\nRanking: #${i + 1}"${rest}`),
    `explanation ::= [^\\x00-\\x20\\x7F] echar{0,${EXPLANATION_MAX_CHARS - 1}}`,
    'echar ::= [^\\x00-\\x1F\\x7F]',
    `id ::= "#" (${id})`,
  ];
  return lines.join('\n') + '\n';
}

function buildRankingJsonSchema(n: number): Record<string, unknown> {
  // Only keywords OpenAI strict structured outputs accept (no maxLength: the pattern bounds the explanation as
  // the GBNF does); `explanation` comes first so the rater reasons before it ranks. No `best`: the best is the
  // first of `ranking`, which the GBNF enforces and a JSON schema in that subset cannot.
  return {
    type: 'object',
    properties: {
      explanation: {
        type: 'string',
        // As the GBNF's `explanation` (no leading space), without quotes or backslashes (see jsonStringPattern).
        pattern: `^[^"\\\\\\x00-\\x20\\x7F]${JSON_PLAIN_CHAR}{0,${EXPLANATION_MAX_CHARS - 1}}$`,
        description: `One short paragraph (at most ${EXPLANATION_MAX_CHARS} characters) comparing the candidates.`,
      },
      ranking: {
        type: 'array',
        items: { type: 'integer', minimum: 1, maximum: n },
        minItems: n,
        maxItems: n,
        description: 'All candidate numbers, each once, best first.',
      },
    },
    required: ['explanation', 'ranking'],
    additionalProperties: false,
  };
}

const ID = /^#([1-9][0-9]*)$/;

function parseRanking(text: string, n: number): ParseResult<RankingOutput> {
  const fail = (error: string): ParseResult<RankingOutput> => ({ ok: false, error });
  const lines = text
    .trim()
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (lines.length === 0) return fail('the output is empty');
  const labels = ['Explanation', 'Answer', 'Ranking'] as const;
  const rest: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    const line = lines[i];
    if (line === undefined) return fail(`missing the \`${labels[i]}:\` line`);
    if (!line.startsWith(`${labels[i]}:`)) {
      return fail(`line ${i + 1} must start with \`${labels[i]}:\`, found \`${line.slice(0, 24)}\``);
    }
    rest.push(line.slice(labels[i].length + 1).trim());
  }
  if (lines.length > labels.length) return fail(`unexpected text after the Ranking line: \`${lines[labels.length].slice(0, 24)}\``);

  const [explanation, answerText, rankingText] = rest;
  if (!explanation) return fail('the explanation is empty');

  const readId = (token: string, where: string): number | string => {
    const m = ID.exec(token);
    if (!m) return `${where}: expected a candidate number like #1, found \`${token.slice(0, 12) || 'nothing'}\``;
    const id = Number(m[1]);
    if (id > n) return `${where}: #${id} is out of range (candidates are #1..#${n})`;
    return id;
  };

  const best = readId(answerText, 'Answer');
  if (typeof best === 'string') return fail(best);

  const ranking: number[] = [];
  for (const token of rankingText.split('>').map((t) => t.trim())) {
    const id = readId(token, 'Ranking');
    if (typeof id === 'string') return fail(id);
    if (ranking.includes(id)) return fail(`Ranking: #${id} appears more than once`);
    ranking.push(id);
  }
  if (ranking.length !== n) return fail(`Ranking must list all ${n} candidates, found ${ranking.length}`);
  if (ranking[0] !== best) return fail(`Answer (#${best}) must be the first in Ranking (#${ranking[0]})`);
  return { ok: true, value: { explanation, best, ranking } };
}

/**
 * The rater's output spec for `n` candidates: three lines, `Explanation: ...`, `Answer: #X`, `Ranking: #X > ...`.
 *
 * The parser is strict: all three lines in that order and nothing else (blank lines and surrounding whitespace
 * are tolerated), a non-blank explanation, every number in 1..n, all n candidates ranked exactly once, and
 * **Answer equal to the first in Ranking** — an inconsistent verdict is rejected (so it is retried) rather than
 * silently repaired; the GBNF grammar makes it impossible for grammar-constrained models. The parsed numbers are
 * the 1-based shown numbers (see `unshuffle`).
 */
export function rankingSpec(n: number): OutputSpec<RankingOutput> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`rankingSpec: n must be a positive integer, got ${n}`);
  return acceptingJson({
    name: 'ranking',
    formatHint: `exactly three lines: \`Explanation: <one short paragraph>\`, then \`Answer: #X\`, then \`Ranking: #X > #Y > ...\` listing all ${n} candidates (#1..#${n}) once, best first`,
    grammar: {
      name: 'ranking',
      gbnf: buildRankingGbnf(n),
      jsonSchema: buildRankingJsonSchema(n),
      fromJson(json: unknown): string {
        const v = json as Partial<Record<keyof RankingOutput, unknown>> | null;
        if (!v || typeof v !== 'object') throw new Error('structured output for ranking is not an object');
        if (typeof v.explanation !== 'string') throw new Error('structured output for ranking: explanation must be a string');
        if (!Array.isArray(v.ranking) || !v.ranking.every((r) => Number.isInteger(r))) {
          throw new Error('structured output for ranking: ranking must be a list of integers');
        }
        // The schema has no `best` (it is the first of the ranking); one given anyway must be an integer, and
        // the parser checks it against the ranking.
        if (v.best !== undefined && !Number.isInteger(v.best)) throw new Error('structured output for ranking: best must be an integer');
        return renderRanking({ explanation: v.explanation, best: (v.best as number | undefined) ?? (v.ranking[0] as number), ranking: v.ranking as number[] });
      },
    },
    parse: (text) => parseRanking(text, n),
    render: renderRanking,
  });
}
