/**
 * Catches a step output that reproduces a worked example instead of the task at hand (a small model copied
 * "The results say nothing about the length of the Rhine." into 61 summaries). An output copies an example when
 * one of its strings repeats a run of example words (or a whole short example value) that the task's own input
 * does not contain. Pure.
 */
import { answerWords } from './question-type';

/** Consecutive words that make a copy (short enough to catch a copied query, long enough to skip set phrases). */
export const COPY_NGRAM = 4;

function ngrams(words: string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= words.length; i++) out.push(words.slice(i, i + n).join(' '));
  return out;
}

/** Every string inside a value (nested objects and arrays included), except step call names (`call`). */
export function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => (k === 'call' ? [] : stringsOf(v)));
  return [];
}

export interface ExampleText {
  /** Runs of COPY_NGRAM words found in the examples. */
  ngrams: Set<string>;
  /** Whole example values of fewer words than that (answers such as "1918"), normalised. */
  short: Set<string>;
}

export function exampleText(examples: unknown): ExampleText {
  const ngramSet = new Set<string>();
  const short = new Set<string>();
  for (const s of stringsOf(examples)) {
    const words = answerWords(s);
    if (words.length >= COPY_NGRAM) for (const g of ngrams(words, COPY_NGRAM)) ngramSet.add(g);
    else if (words.length > 0) short.add(words.join(' '));
  }
  // yes/no are the answers to every yes/no question, not something to copy.
  short.delete('yes');
  short.delete('no');
  return { ngrams: ngramSet, short };
}

/** The copied example text, or undefined. `input` is the step's input: text found there is not a copy. */
export function copiedExample(output: unknown, input: unknown, examples: ExampleText): string | undefined {
  const inputWords = ` ${stringsOf(input).map((s) => answerWords(s).join(' ')).join(' | ')} `;
  for (const s of stringsOf(output)) {
    const words = answerWords(s);
    const whole = words.join(' ');
    if (examples.short.has(whole) && !inputWords.includes(` ${whole} `)) return s;
    for (const g of ngrams(words, COPY_NGRAM)) if (examples.ngrams.has(g) && !inputWords.includes(` ${g} `)) return g;
  }
  return undefined;
}
