import { aggregate, exactMatch, f1, normalizeAnswer } from '../../lib/metrics';

describe('normalizeAnswer', () => {
  test.each([
    ['The Eiffel Tower', 'eiffel tower'],
    ['  an   apple, a pear; THE end. ', 'apple pear end'],
    ["Ed Wood's", 'ed woods'],
    ['Ed Wood’s', 'ed woods'],
    ['U.S.A.', 'usa'],
    ['1,000,000', '1000000'],
    ['theatre anthem', 'theatre anthem'],
    ['a', ''],
    ['Émile a été', 'émile été'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(normalizeAnswer(input)).toBe(expected);
  });
});

describe('exactMatch', () => {
  test('ignores case, punctuation, articles and spacing', () => {
    expect(exactMatch('the Eiffel Tower', ['Eiffel tower'])).toBe(1);
    expect(exactMatch('Eiffel Tower.', ['The Eiffel Tower'])).toBe(1);
    expect(exactMatch('Eiffel', ['Eiffel Tower'])).toBe(0);
  });

  test('takes the best gold', () => {
    expect(exactMatch('USA', ['United States', 'U.S.A.'])).toBe(1);
    expect(exactMatch('USA', [])).toBe(0);
  });
});

describe('f1', () => {
  test('known values', () => {
    expect(f1('the Eiffel Tower', ['Eiffel tower'])).toBe(1);
    // pred {eiffel}, gold {eiffel, tower}: P=1, R=1/2 → F1=2/3.
    expect(f1('Eiffel', ['Eiffel Tower'])).toBeCloseTo(2 / 3);
    // pred {tower, in, paris}, gold {eiffel, tower}: P=1/3, R=1/2 → F1=0.4.
    expect(f1('tower in Paris', ['The Eiffel Tower'])).toBeCloseTo(0.4);
    expect(f1('London', ['Paris'])).toBe(0);
  });

  test('counts repeated tokens once per occurrence', () => {
    // pred {new, new, york}, gold {new, york}: common 2, P=2/3, R=1 → F1=0.8.
    expect(f1('new new york', ['New York'])).toBeCloseTo(0.8);
  });

  test('takes the max over golds', () => {
    expect(f1('Eiffel', ['Paris', 'Eiffel Tower', 'Eiffel'])).toBe(1);
    expect(f1('Eiffel', [])).toBe(0);
  });

  test('yes/no answers are all or nothing (HotpotQA)', () => {
    expect(f1('yes', ['yes'])).toBe(1);
    expect(f1('Yes.', ['yes'])).toBe(1);
    expect(f1('yes it is', ['yes'])).toBe(0);
    expect(f1('no', ['no way'])).toBe(0);
  });

  test('empty answers', () => {
    expect(f1('', ['Paris'])).toBe(0);
    expect(f1('the', ['Paris'])).toBe(0);
    expect(f1('', [''])).toBe(1);
  });
});

describe('aggregate', () => {
  test('means', () => {
    expect(aggregate([{ em: 1, f1: 1 }, { em: 0, f1: 0.5 }, { em: 0, f1: 0 }])).toEqual({ n: 3, em: 1 / 3, f1: 0.5 });
  });

  test('no results → zeros', () => {
    expect(aggregate([])).toEqual({ n: 0, em: 0, f1: 0 });
  });
});
