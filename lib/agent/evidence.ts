/**
 * The evidence a step may use, cut into the pieces its per-call grammar offers: the sentences of the search
 * results (for a grounded summary) and short spans of the gathered knowledge (for a grounded answer). A small
 * model then chooses among real evidence instead of writing free text it may invent or copy from a worked
 * example. Pure and deterministic.
 *
 * Longer than 250 lines: sentences, spans and names share one tokenizer (chunks, contentWords, the stop words).
 */
import { answerWords } from './question-type';
import type { QuestionType } from './question-type';

/** A sentence a summary may state, with the result it comes from (1-based, as the prompt numbers them). */
export interface EvidenceSentence {
  resultId: number;
  text: string;
}

/** The summary grammar's bound on the knowledge string (lib/agent/steps.ts). */
export const MAX_SENTENCE_CHARS = 300;
/**
 * Sentences a summary chooses from: the ones that share most words with the question and the query. Fewer made the
 * summary step alone keep a sentence holding the reference more often (dev50, 41 questions: 4 among 6, 8 among 3,
 * 12 with only the best-scored one), but whole trajectories did not gain: a full run with 3 gave EM 12% against
 * 16% with 6 (paired -4.0 [-12.0, +4.0] points); docs/eval/dev50-summary-choices.md.
 */
export const MAX_SUMMARY_CHOICES = 6;
/** Spans an answer chooses from. */
export const MAX_ANSWER_CHOICES = 150;
/** Words per answer span: a name, a number, a date or a short phrase. */
export const MAX_SPAN_WORDS = 8;

/** Abbreviations after which a period does not end a sentence. */
const ABBREVIATIONS = new Set('mr mrs ms dr st jr sr prof gen col lt sgt capt gov sen rep rev vs etc inc ltd co corp no vol pp ca approx dept univ est fig u.s u.k e.g i.e'.split(' '));

/** Splits prose into sentences, keeping initials ("J. R. R. Tolkien"), abbreviations and decimals together. */
export function splitSentences(text: string): string[] {
  const flat = text.replace(/\s+/g, ' ').replace(/\s*…\s*$/, '').trim();
  const out: string[] = [];
  let start = 0;
  const re = /[.!?]["')\]]?\s+(?=["'(\[]?[A-Z0-9\u00C0-\u024F])/g;
  for (let m = re.exec(flat); m; m = re.exec(flat)) {
    const before = flat.slice(start, m.index + 1);
    const lastWord = (/(\S+)\.$/.exec(before)?.[1] ?? '').toLowerCase();
    if (/^[a-z]$/i.test(lastWord) || ABBREVIATIONS.has(lastWord) || ABBREVIATIONS.has(lastWord.replace(/\.$/, ''))) continue;
    out.push(flat.slice(start, m.index + m[0].trimEnd().length).trim());
    start = m.index + m[0].length;
  }
  if (start < flat.length) out.push(flat.slice(start).trim());
  return out.filter((s) => s.length > 0);
}

const STOPWORDS = new Set(
  ('a an the of in on at to for from by with and or but is are was were be been being has have had do does did ' +
    'what which who whom whose when where why how that this these those it its as than then there their they he she his her ' +
    'him i we you your our not no yes both same also into over under about after before during while one ' +
    'against between through within without among around near since until upon via per toward towards across along ' +
    'behind beyond despite except inside outside onto off out up down ' +
    // Verbs that read like nouns in a clause ("born", "known as"): never an answer on their own.
    'born known called named made became become used located based').split(' '),
);

/** Content words (lower case, a crude plural/possessive stem), for overlap scores. */
export function contentWords(text: string): string[] {
  return answerWords(text)
    .filter((w) => !STOPWORDS.has(w))
    .map((w) => w.replace(/(?<=\w{3})(es|s)$/, ''));
}

function overlap(text: string, keys: Set<string>): number {
  return new Set(contentWords(text).filter((w) => keys.has(w))).size;
}

/** Cuts a sentence to the summary's bound, at a word boundary. */
function clipSentence(text: string): string {
  if (text.length <= MAX_SENTENCE_CHARS) return text;
  const cut = text.slice(0, MAX_SENTENCE_CHARS - 1);
  return cut.slice(0, Math.max(cut.lastIndexOf(' '), 40)).replace(/[\s,;:]+$/, '');
}

/**
 * The sentences a summary may state: from each result's snippet, not already stated by an earlier summary of
 * the trajectory; the ones sharing most words with the question and the query (in the sentence or its page
 * title) first, ties in reading order, at most `max`. `bearing` says whether any of them shares a
 * word at all: when none does, the summary may also say that the results tell nothing new.
 */
export function summaryChoices(
  input: { question: string; query: string; results: Array<{ title: string; snippet: string }> },
  known: string[] = [],
  max = MAX_SUMMARY_CHOICES,
): { sentences: EvidenceSentence[]; bearing: boolean; lead?: EvidenceSentence } {
  const keys = new Set(contentWords(`${input.question} ${input.query}`));
  // A known summary may state two sentences (summaryStatements): each counts as stated.
  const seen = new Set(known.flatMap((k) => [k, ...splitSentences(k)]).map((k) => answerWords(k).join(' ')));
  const all: Array<EvidenceSentence & { score: number; order: number }> = [];
  input.results.forEach((r, i) => {
    for (const sentence of splitSentences(r.snippet)) {
      const text = clipSentence(sentence);
      if (answerWords(text).length < 3 || seen.has(answerWords(text).join(' '))) continue;
      seen.add(answerWords(text).join(' '));
      // The title counts too: a snippet sentence often says "He ..." about the page's subject.
      all.push({ resultId: i + 1, text, score: overlap(text, keys) * 2 + overlap(r.title, keys), order: all.length });
    }
  });
  const best = all.sort((a, b) => b.score - a.score || a.order - b.order).slice(0, max);
  // Sorted by score, so the first sentence shares a word exactly when any does.
  const bearing = best.length > 0 && best[0].score > 0;
  const lead = bearing ? { resultId: best[0].resultId, text: best[0].text } : undefined;
  return { sentences: best.sort((a, b) => a.order - b.order).map(({ resultId, text }) => ({ resultId, text })), bearing, lead };
}

/** What a grounded summary may state: its text and the results it cites (ascending). */
export interface EvidenceStatement {
  resultIds: number[];
  text: string;
}

/**
 * The statements a summary chooses among: the sentence sharing most words with the question and the query (the
 * lead) together with one more of the offered sentences, in reading order; the lead alone when it is the only one;
 * each offered sentence alone when none shares a word (`bearing` false), or when `keepLead` is false (the one-sentence
 * summaries measured before; scripts/summary-choices.ts compares them). A 135M model's choice among the sentences
 * was no better than chance (docs/eval/dev50-summary-choices.md: the lead alone held a reference answer 12 times
 * of 41, the model's choice among 6 held it 4 times), so the lead is always kept and the model chooses what to add.
 */
export function summaryStatements(
  input: { question: string; query: string; results: Array<{ title: string; snippet: string }> },
  known: string[] = [],
  max = MAX_SUMMARY_CHOICES,
  keepLead = true,
): { statements: EvidenceStatement[]; bearing: boolean } {
  const { sentences, bearing, lead } = summaryChoices(input, known, max);
  const single = (s: EvidenceSentence): EvidenceStatement => ({ resultIds: [s.resultId], text: s.text });
  if (!lead || !keepLead) return { statements: sentences.map(single), bearing };
  const others = sentences.filter((s) => s.text !== lead.text);
  if (!others.length) return { statements: [single(lead)], bearing };
  const at = sentences.findIndex((s) => s.text === lead.text);
  return {
    statements: others.map((s) => {
      const pair = sentences.indexOf(s) < at ? [s, lead] : [lead, s];
      return { resultIds: [...new Set(pair.map((p) => p.resultId))].sort((a, b) => a - b), text: pair.map((p) => p.text).join(' ') };
    }),
    bearing,
  };
}

/**
 * The results as a grounded summary's prompt shows them: each snippet cut to the sentences the summary may state
 * (summaryChoices), in reading order; a result that offers none keeps its place with an empty snippet, so the ids
 * stay the search's. The model chooses among those sentences only; the rest of the snippets cost prompt evaluation
 * (on one CPU thread, 0.7 s of a 2.9 s summary step on dev50: docs/eval/dev50-summary-choices.md).
 */
export function offeredResults<R extends { title: string; snippet: string }>(
  input: { question: string; query: string; results: R[] },
  known: string[] = [],
  max = MAX_SUMMARY_CHOICES,
): R[] {
  const { sentences } = summaryChoices(input, known, max);
  return input.results.map((r, i) => ({ ...r, snippet: sentences.filter((s) => s.resultId === i + 1).map((s) => s.text).join(' ') }));
}

/** Words of a text with their surrounding punctuation trimmed, split where a clause ends. */
function chunks(text: string): string[][] {
  return text
    // A period ends a clause unless it follows an initial ("David C. Funder") or an abbreviation.
    .split(/[;:()\[\]"“”]|,\s|(?<!\b\p{Lu}|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr))\.\s|\.$|\s[-–—]\s/u)
    .map((c) => c.split(/\s+/).map((w) => w.replace(/^[^\p{L}\p{N}$£€]+|[^\p{L}\p{N}%.]+$|\.$/gu, '')).filter(Boolean))
    .filter((c) => c.length > 0);
}

/** Lower-case verb forms ("starring", "named") end a name rather than belong to it. */
const isVerbForm = (w: string) => /^\p{Ll}[\p{L}-]{2,}(ed|ing)$/u.test(w);
const isContent = (w: string) => !STOPWORDS.has(w.toLowerCase()) && !isVerbForm(w);
/** Function words that may sit inside a name ("Chief of Protocol", "Arena of Khazan", "Leonardo da Vinci"). */
const CONNECTORS = new Set('of the and de del della da di von van der den du la le y & for'.split(' '));
const mayContinue = (w: string) => isContent(w) || CONNECTORS.has(w.toLowerCase());
const hasDigit = (w: string) => /\d/.test(w);

/** A proper-name-like span: every content word capitalised or numeric ("Chief of Protocol", "9 April 1918"). */
function isNameLike(span: string[]): boolean {
  return span.filter(isContent).every((w) => /^[\p{Lu}\p{N}]/u.test(w));
}

const MONTH = /^(jan|feb|mar|apr|may|june?|july?|aug|sept?|oct|nov|dec)[a-z]*\.?$/i;
const NUMBER_WORD = /^(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen)$/i;
const isDateWord = (w: string) => hasDigit(w) || MONTH.test(w) || /^(BC|AD|BCE|CE)$/.test(w);
const isNumberWord = (w: string) => hasDigit(w) || NUMBER_WORD.test(w);

/** Maximal runs of words that pass `test`. */
function runs(words: string[], test: (w: string) => boolean): string[][] {
  const out: string[][] = [];
  let run: string[] = [];
  for (const w of [...words, '']) {
    if (w && test(w)) run.push(w);
    else if (run.length) {
      out.push(run);
      run = [];
    }
  }
  return out;
}

/**
 * The spans of one clause that answer a question of this type, whole as written: a date ("9 April 1918", "1999")
 * for `date`, a number with the noun it counts ("3,677", "4,000 capacity") for `number`, otherwise a name
 * ("Chief of Protocol", "Eenasul Fateh": never a part of one) or a run of lower-case content words
 * ("sovereignty", "keyboard function keys").
 */
function typedSpans(words: string[], type: QuestionType['type']): string[][] {
  if (type === 'date') return runs(words, isDateWord).filter((r) => r.some(hasDigit));
  if (type === 'number') {
    return runs(words, isNumberWord).flatMap((r) => {
      const next = words[words.indexOf(r[r.length - 1]) + 1];
      return next && /^\p{Ll}/u.test(next) && isContent(next) ? [r, [...r, next]] : [r];
    });
  }
  const lowerRuns = runs(words, (w) => /^\p{Ll}/u.test(w) && isContent(w)).filter((r) => r.length <= MAX_SPAN_WORDS);
  return [...names(words.join(' ')).map((n) => n.split(' ')), ...lowerRuns];
}

/**
 * The answers a grounded answer step may give for this question: `yes`/`no` for a yes/no question, the named
 * options for a choice, otherwise the knowledge's whole spans of the question's type (typedSpans), at most
 * MAX_SPAN_WORDS words, never a single character, never a phrase of the question itself. Name-like spans and
 * spans found more than once come first; at most MAX_ANSWER_CHOICES.
 */
export function answerChoices(question: string, qt: QuestionType, knowledge: string[]): string[] {
  if (qt.type === 'yes_no') return ['yes', 'no'];
  if (qt.type === 'choice') return qt.options!;
  const inQuestion = ` ${answerWords(question).join(' ')} `;
  const found = new Map<string, { score: number; order: number }>();
  for (const text of knowledge) {
    for (const words of chunks(text)) {
      for (const span of typedSpans(words, qt.type)) {
        const key = span.join(' ');
        if (key.length < 2 || span.length > MAX_SPAN_WORDS || inQuestion.includes(` ${answerWords(key).join(' ')} `)) continue;
        const seen = found.get(key);
        if (seen) seen.score += 1;
        else found.set(key, { score: isNameLike(span) ? 2 : 0, order: found.size });
      }
    }
  }
  return [...found.entries()]
    .sort((a, b) => b[1].score - a[1].score || a[1].order - b[1].order)
    .slice(0, MAX_ANSWER_CHOICES)
    .map(([span]) => span);
}

/** Names a grounded decision chooses among, besides the question. */
export const MAX_QUERY_CHOICES = 24;

/**
 * The whole names in a text: maximal runs of capitalised words, with name connectors inside ("Chief of
 * Protocol", "Kiss and Tell"), without leading numbers ("17-year-old Shirley Temple" is "Shirley Temple"); a run
 * joined by "and" also gives its parts when each has two words or more ("Scott Derrickson and Ed Wood").
 */
export function names(text: string): string[] {
  const out: string[] = [];
  for (const words of chunks(text)) {
    let run: string[] = [];
    const flush = () => {
      while (run.length && !isContent(run[run.length - 1])) run.pop();
      while (run.length && /^\p{N}/u.test(run[0])) run.shift();
      if (run.length && isNameLike(run)) {
        const name = run.join(' ');
        out.push(name);
        const parts = name.split(/ (?:and|&) /);
        // "Kiss and Tell" is one title; "Scott Derrickson and Ed Wood" two people.
        if (parts.length > 1 && parts.every((p) => p.includes(' '))) out.push(...parts);
      }
      run = [];
    };
    for (const w of words) {
      if (/^[\p{Lu}\p{N}]/u.test(w) && isContent(w)) run.push(w);
      else if (run.length && CONNECTORS.has(w.toLowerCase())) run.push(w);
      else flush();
    }
    flush();
  }
  return out;
}

/**
 * The searches a grounded decision may run next: the question itself, then the names in the question and in
 * what the summaries stated (the bridge entity a first search found), each not searched yet; the latest
 * knowledge's names first, at most MAX_QUERY_CHOICES. A small model picks what to look up; it cannot invent a
 * query, copy a worked example's, or repeat itself.
 */
export function queryChoices(question: string, knowledge: string[], searched: string[]): string[] {
  const done = new Set(searched.map((q) => answerWords(q).join(' ')));
  const candidates = [question.replace(/\s*\?+\s*$/, '').trim(), ...[...knowledge].reverse().flatMap(names), ...names(question)];
  const out: string[] = [];
  for (const c of candidates) {
    const key = answerWords(c).join(' ');
    if (!key || done.has(key) || /["\\]/.test(c)) continue;
    done.add(key);
    out.push(c);
  }
  return out.slice(0, MAX_QUERY_CHOICES);
}
