import { answerTypeProblem, classifyQuestion, sameAnswer } from '../../lib/agent/question-type';

describe('classifyQuestion', () => {
  test.each([
    ['Were Scott Derrickson and Ed Wood of the same nationality?', 'yes_no'],
    ['Are both Dictyosperma, and Huernia described as a genus?', 'yes_no'],
    ['Can people who have celiac eat camel meat?', 'yes_no'],
    ['The arena where the Lewiston Maineiacs played their home games can seat how many people?', 'number'],
    ['Brown State Fishing Lake is in a country that has a population of how many inhabitants ?', 'number'],
    ['What year did Guns N Roses perform a promo for a movie?', 'date'],
    ['When was Poison\'s album "Shut Up, Make Love" released?', 'date'],
    ['Alexander Kerensky was defeated in a civil war that ended when ?', 'date'],
    ['The football manager who recruited David Beckham managed Manchester United during what timeframe?', 'date'],
    ['What government position was held by the woman who portrayed Corliss Archer in the film Kiss and Tell?', 'entity'],
    ['Hayden is a singer-songwriter from Canada, but where does Buck-Tick hail from?', 'entity'],
    ['Who was known by his stage name Aladin?', 'entity'],
  ])('%s -> %s', (question, type) => {
    expect(classifyQuestion(question).type).toBe(type);
  });

  test('a question that names its options is a choice between them', () => {
    expect(classifyQuestion('Who is older, Annie Morton or Terry Richardson?')).toEqual({ type: 'choice', options: ['Annie Morton', 'Terry Richardson'] });
    expect(classifyQuestion('Which band, Letters to Cleo or Screaming Trees, had more members?')).toEqual({ type: 'choice', options: ['Letters to Cleo', 'Screaming Trees'] });
    expect(classifyQuestion("Which dog's ancestors include Gordon and Irish Setters: the Manchester Terrier or the Scotch Collie?").options).toEqual([
      'the Manchester Terrier',
      'the Scotch Collie',
    ]);
  });
});

describe('answerTypeProblem: the cheap check before the LLM self-checks', () => {
  test('yes/no questions want yes or no, and only they do', () => {
    expect(answerTypeProblem('yes', { type: 'yes_no' })).toBeUndefined();
    expect(answerTypeProblem('No.', { type: 'yes_no' })).toBeUndefined();
    expect(answerTypeProblem('Ed Wood', { type: 'yes_no' })).toMatch(/yes\/no question/);
    expect(answerTypeProblem('yes', { type: 'entity' })).toMatch(/not a yes\/no question/);
    expect(answerTypeProblem('yes', { type: 'number' })).toMatch(/number/);
  });

  test('"how many" wants a number, "when" a date, a choice one of its options', () => {
    expect(answerTypeProblem('3,677 seated', { type: 'number' })).toBeUndefined();
    expect(answerTypeProblem('twelve', { type: 'number' })).toBeUndefined();
    expect(answerTypeProblem('many people', { type: 'number' })).toMatch(/how many/);
    expect(answerTypeProblem('October 1922', { type: 'date' })).toBeUndefined();
    expect(answerTypeProblem('in the spring', { type: 'date' })).toMatch(/when/);
    const choice = { type: 'choice' as const, options: ['the Manchester Terrier', 'the Scotch Collie'] };
    expect(answerTypeProblem('Scotch Collie', choice)).toBeUndefined();
    expect(answerTypeProblem('Irish Setter', choice)).toMatch(/choose: answer "the Manchester Terrier" or "the Scotch Collie"/);
  });

  test('an answer is short: a name, a number or a date, not a sentence', () => {
    expect(answerTypeProblem('The woman who played Corliss Archer later served as the Chief of Protocol', { type: 'entity' })).toMatch(/short/);
    expect(answerTypeProblem('', { type: 'entity' })).toMatch(/empty/);
  });

  test('sameAnswer ignores case, punctuation and articles', () => {
    expect(sameAnswer('The Scotch Collie.', 'scotch collie')).toBe(true);
    expect(sameAnswer('Terry Richardson', 'Annie Morton')).toBe(false);
  });
});
