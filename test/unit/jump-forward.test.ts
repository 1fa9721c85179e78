import { continuationGrammar, jumpForward } from '../../adapters/llm/jump-forward';
import { gbnfToRegExp } from '../helpers/gbnf-matcher';

const LEAD = ' Summary(knowledge="Kiss and Tell is a 1945 film.';
const LINES = [`${LEAD} It stars Shirley Temple.", used_results=[1])`, `${LEAD} It was directed by Richard Wallace.", used_results=[1])`, ' Summary(knowledge="Nothing.", used_results=[])'];

test('with several lines left, the text they share is forced up to its last space', () => {
  expect(jumpForward(LINES, '')).toBeUndefined(); // " Summary(knowledge=\"" holds no space after the lead one
  expect(jumpForward(LINES, ' Summary(knowledge="K')).toEqual({ kind: 'shared', text: 'iss and Tell is a 1945 film. It', lines: LINES.slice(0, 2) });
  // Past the last shared space the model writes the word where the lines part.
  expect(jumpForward(LINES, `${LEAD} It`)).toBeUndefined();
});

test('with one line left, the rest of it is forced; with none or the whole line written, nothing is', () => {
  expect(jumpForward(LINES, `${LEAD} It s`)).toEqual({ kind: 'rest', text: 'tars Shirley Temple.", used_results=[1])' });
  expect(jumpForward(LINES, ' Summary(knowledge="Nothing.", used_results=[])')).toBeUndefined();
  expect(jumpForward(LINES, ' Other')).toBeUndefined();
});

test('the continuation grammar admits exactly the rest of each line still possible, then the newline', () => {
  const text = ' Summary(knowledge="Kiss and Tell is a 1945';
  const re = gbnfToRegExp(continuationGrammar(LINES, text));
  for (const l of LINES.slice(0, 2)) expect(re.test(l.slice(text.length) + '\n')).toBe(true);
  expect(re.test(' film. It stars Shirley Temple.", used_results=[2])\n')).toBe(false);
  expect(re.test('Nothing.", used_results=[])\n')).toBe(false);
});
