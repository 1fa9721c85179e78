/**
 * Deterministic QA scores (SQuAD / HotpotQA official-script style): exact match, token F1, and whether the answer
 * contains a reference. The LLM judge (auto-eval) lives in lib/eval/judge.ts. Pure.
 */

export interface QaScore {
  em: number;
  f1: number;
}

export interface AggregateScore {
  n: number;
  em: number;
  f1: number;
}

/**
 * SQuAD's `normalize_answer`: lowercase, remove punctuation, remove the articles a/an/the, collapse whitespace.
 * Punctuation here is every Unicode punctuation or symbol character (a superset of Python's ASCII
 * `string.punctuation`, so curly quotes and dashes from model outputs are removed too; ASCII text normalises
 * exactly as in the official script).
 */
export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, '')
    // Word boundaries as in Python's Unicode-aware `\b` (JS's `\b` treats accented letters as non-word).
    .replace(/(?<![\p{L}\p{N}\p{M}_])(?:a|an|the)(?![\p{L}\p{N}\p{M}_])/gu, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
}

function tokens(text: string): string[] {
  const normalized = normalizeAnswer(text);
  return normalized ? normalized.split(' ') : [];
}

/** 1 when the normalised prediction equals some normalised gold answer, else 0 (0 when there are no golds). */
export function exactMatch(prediction: string, golds: string[]): number {
  const pred = normalizeAnswer(prediction);
  return golds.some((g) => normalizeAnswer(g) === pred) ? 1 : 0;
}

const SPECIAL = new Set(['yes', 'no', 'noanswer']);

function f1Single(prediction: string, gold: string): number {
  const pred = normalizeAnswer(prediction);
  const ref = normalizeAnswer(gold);
  // HotpotQA: a yes/no answer is either right or wrong, never partially right.
  if ((SPECIAL.has(pred) || SPECIAL.has(ref)) && pred !== ref) return 0;
  const p = tokens(prediction);
  const g = tokens(gold);
  if (p.length === 0 || g.length === 0) return p.length === g.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      same++;
      counts.set(t, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * Token-level F1 (bag of normalised tokens), the maximum over the gold answers; 0 when there are no golds.
 * As in HotpotQA, yes/no/noanswer score 0 unless they match exactly; as in SQuAD 2.0, two empty answers score 1.
 */
export function f1(prediction: string, golds: string[]): number {
  return golds.reduce((best, g) => Math.max(best, f1Single(prediction, g)), 0);
}

/**
 * 1 when some normalised reference occurs in the normalised prediction as a whole-token run ("Paris, France"
 * contains "Paris"; "Parisian" does not), else 0. An empty reference never counts.
 */
export function containsReference(prediction: string, golds: string[]): number {
  const pred = ` ${normalizeAnswer(prediction)} `;
  return golds.some((g) => {
    const ref = normalizeAnswer(g);
    return ref.length > 0 && pred.includes(` ${ref} `);
  })
    ? 1
    : 0;
}

/** `yes` or `no` after normalisation (HotpotQA's comparison questions), else undefined. */
export function yesNo(text: string): 'yes' | 'no' | undefined {
  const n = normalizeAnswer(text);
  return n === 'yes' || n === 'no' ? n : undefined;
}

/** Mean EM and F1 over results; zeros when there are none. */
export function aggregate(results: QaScore[]): AggregateScore {
  const n = results.length;
  if (n === 0) return { n: 0, em: 0, f1: 0 };
  let em = 0;
  let f = 0;
  for (const r of results) {
    em += r.em;
    f += r.f1;
  }
  return { n, em: em / n, f1: f / n };
}
