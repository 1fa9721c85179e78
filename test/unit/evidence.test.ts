import { answerChoices, names, offeredResults, queryChoices, splitSentences, summaryChoices, summaryStatements, MAX_SUMMARY_CHOICES } from '../../lib/agent/evidence';
import { classifyQuestion } from '../../lib/agent/question-type';
import { copiedExample, exampleText } from '../../lib/agent/copy-check';
import { FEW_SHOTS } from '../../lib/agent/few-shots';

const TEMPLE = 'Shirley Temple Black (April 23, 1928 – February 10, 2014) was an American actress. As an adult, she was named United States ambassador to Ghana and also served as Chief of Protocol of the United States.';
const KISS = 'Kiss and Tell is a 1945 American comedy film starring then 17-year-old Shirley Temple as Corliss Archer. In the film, two teenage girls cause their parents much concern.';
const QUESTION = 'What government position was held by the woman who portrayed Corliss Archer in the film Kiss and Tell?';

test('splitSentences keeps initials, abbreviations and decimals together and drops a trailing ellipsis', () => {
  expect(splitSentences('J. R. R. Tolkien wrote it in the U.S. in 1937. It cost $3.5 million. Dr. Who met St. Peter! Then … ')).toEqual([
    'J. R. R. Tolkien wrote it in the U.S. in 1937.',
    'It cost $3.5 million.',
    'Dr. Who met St. Peter!',
    'Then',
  ]);
});

describe('summaryChoices: the sentences a grounded summary may state', () => {
  const input = { question: QUESTION, query: 'actress who played Corliss Archer', results: [{ title: 'Kiss and Tell (1945 film)', snippet: KISS }, { title: 'Shirley Temple', snippet: TEMPLE }] };

  test('each sentence keeps the number of the result it comes from', () => {
    const { sentences: choices, bearing } = summaryChoices(input);
    expect(bearing).toBe(true);
    expect(choices).toContainEqual({ resultId: 1, text: 'Kiss and Tell is a 1945 American comedy film starring then 17-year-old Shirley Temple as Corliss Archer.' });
    expect(choices).toContainEqual({ resultId: 2, text: 'As an adult, she was named United States ambassador to Ghana and also served as Chief of Protocol of the United States.' });
    expect(choices.length).toBeLessThanOrEqual(MAX_SUMMARY_CHOICES);
  });

  test('what an earlier summary already stated is not offered again; no new sentence leaves no choice', () => {
    const known = summaryChoices(input).sentences.map((c) => c.text);
    expect(summaryChoices(input, known.slice(0, 1)).sentences.map((c) => c.text)).not.toContain(known[0]);
    expect(summaryChoices(input, known)).toEqual({ sentences: [], bearing: false });
    expect(summaryChoices({ ...input, results: [] })).toEqual({ sentences: [], bearing: false });
  });

  test('results that share no word with the question or the query do not bear on it', () => {
    const off = summaryChoices({ ...input, results: [{ title: 'Gardening', snippet: 'Rakes and hoes are garden tools.' }] });
    expect(off.bearing).toBe(false);
    expect(off.sentences).toHaveLength(1);
  });

  test('a smaller cap keeps the best-scored sentences (scripts/summary-choices.ts varies it)', () => {
    const all = summaryChoices(input).sentences;
    const best = summaryChoices(input, [], 1).sentences;
    expect(best).toEqual([{ resultId: 1, text: 'Kiss and Tell is a 1945 American comedy film starring then 17-year-old Shirley Temple as Corliss Archer.' }]);
    expect(all).toContainEqual(best[0]);
  });

  test('the sentences sharing most words with the question and query come first when there are too many', () => {
    const many = Array.from({ length: 10 }, (_, i) => ({ title: `Page ${i}`, snippet: `Filler sentence number ${i} about gardening tools.` }));
    const choices = summaryChoices({ ...input, query: 'Shirley Temple', results: [...many, { title: 'Shirley Temple', snippet: TEMPLE }] }).sentences;
    expect(choices.map((c) => c.resultId)).toContain(11);
  });
});

test('offeredResults cuts each snippet to its offered sentences, in reading order, and keeps every result in its place', () => {
  const many = `${KISS} Rakes are garden tools. Hoes are garden tools too.`;
  const input = { question: QUESTION, query: 'Corliss Archer', results: [{ title: 'Shirley Temple', snippet: TEMPLE }, { title: 'Kiss and Tell (1945 film)', snippet: many }] };
  const offered = summaryChoices(input, [], 2).sentences;
  const shown = offeredResults(input, [], 2);
  expect(shown.map((r) => r.title)).toEqual(['Shirley Temple', 'Kiss and Tell (1945 film)']);
  expect(shown.map((r) => r.snippet).filter(Boolean).join(' ')).toBe(offered.map((s) => s.text).join(' '));
  expect(shown.map((r) => r.snippet).join(' ')).not.toContain('Rakes');
  expect(offeredResults(input, [TEMPLE, KISS, ...splitSentences(many)])).toEqual(input.results.map((r) => ({ ...r, snippet: '' })));
});

describe('summaryStatements: the lead sentence and one more', () => {
  const input = { question: QUESTION, query: 'actress who played Corliss Archer', results: [{ title: 'Kiss and Tell (1945 film)', snippet: KISS }, { title: 'Shirley Temple', snippet: TEMPLE }] };
  const lead = 'Kiss and Tell is a 1945 American comedy film starring then 17-year-old Shirley Temple as Corliss Archer.';

  test('every statement holds the lead, with each other offered sentence in reading order, citing both results', () => {
    const { statements, bearing } = summaryStatements(input);
    const others = summaryChoices(input).sentences.filter((s) => s.text !== lead);
    expect(bearing).toBe(true);
    expect(statements).toHaveLength(others.length);
    for (const s of statements) expect(s.text).toContain(lead);
    expect(statements).toContainEqual({ resultIds: [1, 2], text: `${lead} As an adult, she was named United States ambassador to Ghana and also served as Chief of Protocol of the United States.` });
    // A sentence of an earlier result comes before the lead.
    const reversed = summaryStatements({ ...input, results: [...input.results].reverse() }).statements;
    expect(reversed).toContainEqual({ resultIds: [1, 2], text: `Shirley Temple Black (April 23, 1928 – February 10, 2014) was an American actress. ${lead}` });
  });

  test('a two-sentence summary counts both sentences as stated; the lead alone when nothing else is new', () => {
    const [first] = summaryStatements(input).statements;
    const next = summaryStatements(input, [first.text]);
    for (const s of next.statements) expect(first.text).not.toContain(s.text.split('. ')[0]);
    const onlyOne = summaryStatements({ ...input, results: [{ title: 'Kiss and Tell (1945 film)', snippet: lead }] });
    expect(onlyOne.statements).toEqual([{ resultIds: [1], text: lead }]);
  });

  test('without keepLead, the one-sentence summaries: each offered sentence alone', () => {
    expect(summaryStatements(input, [], MAX_SUMMARY_CHOICES, false).statements).toEqual(summaryChoices(input).sentences.map((s) => ({ resultIds: [s.resultId], text: s.text })));
  });

  test('results that share no word with the question offer their sentences one by one', () => {
    const off = summaryStatements({ ...input, results: [{ title: 'Gardening', snippet: 'Rakes and hoes are garden tools. Spades dig holes in gardens.' }] });
    expect(off.bearing).toBe(false);
    expect(off.statements.map((s) => s.text)).toEqual(['Rakes and hoes are garden tools.', 'Spades dig holes in gardens.']);
  });
});

describe('answerChoices: the answers a grounded answer step may give', () => {
  test('whole names of the knowledge (never a part of one) and lower-case phrases, not phrases of the question', () => {
    const choices = answerChoices(QUESTION, classifyQuestion(QUESTION), [KISS, TEMPLE]);
    expect(choices).toEqual(expect.arrayContaining(['Chief of Protocol of the United States', 'Shirley Temple', 'Ghana', 'comedy film']));
    expect(choices).not.toContain('Chief of Protocol'); // a part of a name
    expect(choices).not.toContain('Corliss Archer'); // in the question
    expect(choices).not.toContain('Shirley Temple as Corliss'); // "as" ends a name
    expect(choices.every((c) => c.split(' ').length <= 8 && c.length > 1)).toBe(true);
  });

  test('numbers and dates: spans with a digit; yes/no and choices: fixed answers', () => {
    const q = 'The arena where the Lewiston Maineiacs played can seat how many people?';
    const choices = answerChoices(q, classifyQuestion(q), ['The Colisée is a 4,000 capacity (3,677 seated) arena in Lewiston, Maine, that opened in 1958.']);
    expect(choices).toEqual(expect.arrayContaining(['3,677', '4,000 capacity']));
    expect(choices.every((c) => /\d/.test(c))).toBe(true);
    const when = 'What year did Guns N Roses perform a promo for a movie?';
    expect(answerChoices(when, classifyQuestion(when), ['In 1993 American rock band Guns N Roses performed on 9 April 1999 for the film.'])).toEqual(['1993', '9 April 1999']);
    expect(answerChoices('Were A and B both American?', { type: 'yes_no' }, [TEMPLE])).toEqual(['yes', 'no']);
    expect(answerChoices('Who is older, A or B?', { type: 'choice', options: ['A', 'B'] }, [TEMPLE])).toEqual(['A', 'B']);
  });
});

describe('copiedExample: an output that reproduces a worked example', () => {
  const examples = exampleText(FEW_SHOTS);

  test('a summary or query copied from an example is caught, with the copied words', () => {
    const input = { question: QUESTION, query: 'Corliss Archer', results: [{ title: 'Kiss and Tell', snippet: KISS }] };
    expect(copiedExample({ call: 'Summary', knowledge: 'The Sydney Opera House was designed by the Danish architect Jørn Utzon.', used_results: [] }, input, examples)).toBe('sydney opera house was');
    expect(copiedExample({ call: 'Search', query: 'architect of the Sydney Opera House' }, { question: QUESTION }, examples)).toBeDefined();
    expect(copiedExample({ call: 'Answer', text: '1918' }, { question: QUESTION, pastActions: [] }, examples)).toBe('1918');
  });

  test('text that the task itself contains is not a copy, and neither are yes/no', () => {
    const input = { question: 'In which year was the architect of the Sydney Opera House born?', pastActions: [] };
    expect(copiedExample({ call: 'Search', query: 'architect of the Sydney Opera House' }, input, examples)).toBeUndefined();
    expect(copiedExample({ call: 'Answer', text: 'yes' }, { question: 'Were A and B American?' }, examples)).toBeUndefined();
    expect(copiedExample({ call: 'Search', query: 'Shirley Temple government position' }, { question: QUESTION }, examples)).toBeUndefined();
  });
});

describe('names and queryChoices: what a grounded decision may look up', () => {
  test('whole names, with connectors inside, without leading numbers; "A and B" also gives A and B', () => {
    expect(names(KISS)).toEqual(['Kiss and Tell', 'American', 'Shirley Temple', 'Corliss Archer']);
    expect(names(TEMPLE)).toEqual(expect.arrayContaining(['Shirley Temple Black', 'United States', 'Ghana', 'Chief of Protocol of the United States']));
    expect(names('Were Scott Derrickson and Ed Wood of the same nationality?')).toEqual(['Scott Derrickson and Ed Wood', 'Scott Derrickson', 'Ed Wood']);
  });

  test('the question first, then the latest knowledge\'s names, never a search already run', () => {
    expect(queryChoices(QUESTION, [], [])[0]).toBe(QUESTION.replace('?', ''));
    const next = queryChoices(QUESTION, [KISS, TEMPLE], [QUESTION, 'shirley temple']);
    expect(next[0]).toBe('Shirley Temple Black');
    expect(next).not.toContain('Shirley Temple');
    expect(next).not.toContain(QUESTION.replace('?', ''));
  });
});
