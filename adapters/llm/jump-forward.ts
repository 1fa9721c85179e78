/**
 * Jump-forward decoding for grammars that list their lines (OutputGrammar.choices): text that every line still
 * possible continues with is appended, not decoded token by token. Pure; the embedded adapter
 * (./llama-chat.ts) tokenizes and evaluates what it returns.
 *
 * - Once one line is left, the rest of it is the output (`rest`).
 * - While several are left, the text they share is forced up to its last space (`shared`), so the model itself
 *   writes the first token of every word where the lines part: a grounded summary's lines share the lead
 *   sentence, 30 tokens or more, which are then evaluated as one batch instead of decoded one at a time.
 */
import { gbnfChoice } from '../../lib/call-grammar';

export type Jump =
  | { kind: 'rest'; text: string }
  | { kind: 'shared'; text: string; lines: string[] };

/** What may be appended to `text` without asking the model, if anything. */
export function jumpForward(lines: readonly string[], text: string): Jump | undefined {
  const fits = lines.filter((l) => l.startsWith(text));
  if (fits.length === 1) return fits[0] === text ? undefined : { kind: 'rest', text: fits[0].slice(text.length) };
  if (fits.length === 0) return undefined;
  const common = fits.reduce((a, b) => a.slice(0, sharedChars(a, b)));
  const space = common.lastIndexOf(' ');
  if (space <= text.length) return undefined;
  const forced = common.slice(text.length, space);
  // Every line goes on past the forced text, so what may follow it is a grammar of non-empty suffixes.
  return { kind: 'shared', text: forced, lines: fits };
}

/** The GBNF for what may follow `text`: the rest of each line still possible, then the newline ending it. */
export function continuationGrammar(lines: readonly string[], text: string): string {
  const rests = lines.filter((l) => l.startsWith(text) && l.length > text.length).map((l) => l.slice(text.length));
  return `root ::= ${gbnfChoice(rests)} "\\n"\n`;
}

function sharedChars(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
