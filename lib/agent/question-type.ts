/**
 * What kind of answer a question wants, read deterministically from its wording: yes/no, a choice between the
 * options it names, a number, a date, or an entity (a name or short phrase). The agent's answer grammar and its
 * cheap type check (before the LLM self-checks) both come from this. Pure.
 */

export type AnswerType = 'yes_no' | 'choice' | 'number' | 'date' | 'entity';

export interface QuestionType {
  type: AnswerType;
  /** For `choice`: the options the question names, as written there. */
  options?: string[];
}

/** Words that open a yes/no question ("Were Scott Derrickson and Ed Wood of the same nationality?"). */
const AUXILIARIES = new Set(
  'is are was were am do does did can could has have had will would should shall may might must isnt arent wasnt werent doesnt didnt'.split(' '),
);

/** A question that names its options: "Who is older, Annie Morton or Terry Richardson?". */
const CHOICE_AT_END = /[,:]\s*([^,:?]+?)\s+or\s+([^,:?]+?)\s*[?.!]*\s*$/i;
/** ... or names them in the middle: "Which band, Letters to Cleo or Screaming Trees, had more members?". */
const CHOICE_IN_MIDDLE = /,\s*([^,:?]+?)\s+or\s+([^,:?]+?)\s*,/i;

const NUMBER = /\bhow\s+(many|much|old|long|tall|far|high|large|big)\b/i;
const DATE = /\b(what|which)\s+(year|decade|century|date|day|month|timeframe|time\s+period|era)\b|^\s*when\b|\bwhen\s*\?\s*$|\bsince\s+when\b/i;

export function classifyQuestion(question: string): QuestionType {
  const q = question.replace(/\s+/g, ' ').trim();
  const first = (q.split(' ')[0] ?? '').toLowerCase().replace(/[^a-z]/g, '');
  const choice = CHOICE_AT_END.exec(q) ?? CHOICE_IN_MIDDLE.exec(q);
  // "Were X or Y ..." without a comma stays a yes/no question; a wh-question naming two options is a choice.
  if (choice && !AUXILIARIES.has(first)) {
    const options = [choice[1], choice[2]].map((o) => o.trim()).filter((o) => o.length > 0 && o.split(' ').length <= 8);
    if (options.length === 2) return { type: 'choice', options };
  }
  if (AUXILIARIES.has(first)) return { type: 'yes_no' };
  if (NUMBER.test(q)) return { type: 'number' };
  if (DATE.test(q)) return { type: 'date' };
  return { type: 'entity' };
}

/** Lower-case words without punctuation or articles, for comparing short answers. */
export function answerWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .split(/\s+/)
    .filter((w) => w && w !== 'a' && w !== 'an' && w !== 'the');
}

export function sameAnswer(a: string, b: string): boolean {
  return answerWords(a).join(' ') === answerWords(b).join(' ');
}

const NUMBER_WORDS = /\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|dozen)\b/i;
const MONTHS = /\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?)\b/i;
/** Short answers only: a name, a number, a date, not a sentence. */
export const MAX_ANSWER_WORDS = 8;

/**
 * Why `answer` does not fit the question's type, or undefined when it does. The same rules constrain the
 * answer grammar, so a grammar-constrained model cannot fail them; other backends are re-asked.
 */
export function answerTypeProblem(answer: string, qt: QuestionType): string | undefined {
  const words = answerWords(answer);
  if (words.length === 0) return 'the answer is empty';
  if (words.length > MAX_ANSWER_WORDS) return `the answer must be short (at most ${MAX_ANSWER_WORDS} words: a name, a number or a date), not a sentence`;
  const yesNo = words.length === 1 && (words[0] === 'yes' || words[0] === 'no');
  switch (qt.type) {
    case 'yes_no':
      return yesNo ? undefined : 'this is a yes/no question: answer "yes" or "no"';
    case 'choice': {
      const ok = qt.options!.some((o) => sameAnswer(o, answer));
      return ok ? undefined : `the question asks to choose: answer ${qt.options!.map((o) => JSON.stringify(o)).join(' or ')}`;
    }
    case 'number':
      return /\d/.test(answer) || NUMBER_WORDS.test(answer) ? undefined : 'the question asks "how many/much": answer with a number';
    case 'date':
      return /\d/.test(answer) || MONTHS.test(answer) ? undefined : 'the question asks "when": answer with a date or a year';
    case 'entity':
      return yesNo ? 'this is not a yes/no question: answer with a name or a short phrase from the knowledge' : undefined;
  }
}
