/**
 * AI-feedback ranking of one step's samples ("ReST meets ReAct", section 3.4): a rater model sees the step's
 * input and N candidate outputs, explains, names the best and ranks them all. The samples are shown in a
 * seeded random order (so the rater's position bias does not favour a sample), and its ranking is mapped back
 * to the original sample indices. Also: perplexity-based selection, the cheap alternative to a rater.
 *
 * Pure (no I/O, no clock, no Math.random): workflows import it. Randomness comes from a caller-given seed.
 *
 * Numbering conventions, used throughout:
 *   - `order` (from `shuffleOrder`) is 0-based: `order[p]` is the original index of the sample shown at
 *     position p, i.e. shown sample `#(p + 1)`.
 *   - The ranker's output (`RankingOutput.best`, `.ranking`) uses the 1-based numbers as written: `#1..#N`
 *     over the shown order.
 *   - `unshuffle` turns that into 0-based original sample indices.
 */
import type { StepKind } from './agent/steps';
import { END_MARKER } from './agent/python-prompt';
import type { OutputSpec, ParseResult } from './output-spec';
import { pyStr } from './python-literal';
import { hash53 } from './hash';

// ---------------------------------------------------------------------------------------------- seeded shuffling


/** mulberry32: a small 32-bit PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A deterministic permutation of `0..n-1` for `seed` (Fisher–Yates driven by a PRNG seeded from the seed's
 * hash). `order[p]` is the original index of the sample to show at position p (as `#(p + 1)`):
 * `shown = order.map((i) => samples[i])`.
 */
export function shuffleOrder(n: number, seed: string): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`shuffleOrder: n must be a non-negative integer, got ${n}`);
  const order = Array.from({ length: n }, (_, i) => i);
  const random = mulberry32(hash53(seed) % 4294967296);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Maps a ranking over shown positions (1-based `#` numbers, as parsed from the ranker) to original sample
 * indices (0-based), e.g. `unshuffle([2, 1, 3], [2, 0, 1])` is `[0, 2, 1]`. A partial ranking (e.g. just
 * `[best]`) is allowed; out-of-range numbers and duplicates throw.
 */
export function unshuffle(ranking: number[], order: number[]): number[] {
  const seen = new Set<number>();
  return ranking.map((shown) => {
    if (!Number.isInteger(shown) || shown < 1 || shown > order.length) {
      throw new RangeError(`unshuffle: #${shown} is out of range (candidates are #1..#${order.length})`);
    }
    if (seen.has(shown)) throw new RangeError(`unshuffle: #${shown} appears twice`);
    seen.add(shown);
    return order[shown - 1];
  });
}

// ---------------------------------------------------------------------------------------------- prompt

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

// ---------------------------------------------------------------------------------------------- output spec

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
  // Only keywords OpenAI strict structured outputs accept (no maxLength); `explanation` comes first so the
  // rater reasons before it ranks.
  return {
    type: 'object',
    properties: {
      explanation: { type: 'string', description: `One short paragraph (at most ${EXPLANATION_MAX_CHARS} characters) comparing the candidates.` },
      best: { type: 'integer', minimum: 1, maximum: n, description: 'The number of the best candidate.' },
      ranking: {
        type: 'array',
        items: { type: 'integer', minimum: 1, maximum: n },
        minItems: n,
        maxItems: n,
        description: 'All candidate numbers, each once, best first.',
      },
    },
    required: ['explanation', 'best', 'ranking'],
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
  return {
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
        if (!Number.isInteger(v.best)) throw new Error('structured output for ranking: best must be an integer');
        if (!Array.isArray(v.ranking) || !v.ranking.every((r) => Number.isInteger(r))) {
          throw new Error('structured output for ranking: ranking must be a list of integers');
        }
        return renderRanking({ explanation: v.explanation, best: v.best as number, ranking: v.ranking as number[] });
      },
    },
    parse: (text) => parseRanking(text, n),
    render: renderRanking,
  };
}

// ---------------------------------------------------------------------------------------------- perplexity

function meanLogprob(logprobs: number[] | undefined): number | undefined {
  if (!logprobs || logprobs.length === 0) return undefined;
  let sum = 0;
  for (const lp of logprobs) sum += lp;
  const mean = sum / logprobs.length;
  return Number.isNaN(mean) ? undefined : mean;
}

/** exp(-mean token logprob); `Infinity` without logprobs (none, empty, or NaN). */
export function perplexity(logprobs: number[] | undefined): number {
  const mean = meanLogprob(logprobs);
  return mean === undefined ? Infinity : Math.exp(-mean);
}

/**
 * The index of the sample with the lowest perplexity. Compares mean logprobs (so huge perplexities that overflow
 * to Infinity still order correctly). Samples without logprobs lose to any sample with them; ties go to the
 * first; when no sample has logprobs (or there are none), 0.
 */
export function lowestPerplexity(samples: Array<{ tokenLogprobs?: number[] }>): number {
  let best = -1;
  let bestMean = -Infinity;
  samples.forEach((s, i) => {
    const mean = meanLogprob(s.tokenLogprobs);
    if (mean === undefined) return;
    if (best < 0 || mean > bestMean) {
      best = i;
      bestMean = mean;
    }
  });
  return best < 0 ? 0 : best;
}
