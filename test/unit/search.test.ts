import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSqliteIndex, SqliteSearchEngine, toFtsQuery } from '../../adapters/search/sqlite-fts';
import { CorpusPassageSchema, parseJsonl, QuestionSchema } from '../../lib/corpus';
import { NonRetryableError } from '../../ports/errors';

const DATA = path.join(__dirname, '../../data/hotpotqa-dev50');
const CORPUS = path.join(DATA, 'corpus.jsonl');
const QUESTIONS = path.join(DATA, 'questions.jsonl');

let tmp: string;
let dbPath: string;
let engine: SqliteSearchEngine;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'restact-search-'));
  dbPath = path.join(tmp, 'nested', 'dir', 'index.sqlite'); // parent dirs must be created
  const result = buildSqliteIndex({ corpusPath: CORPUS, dbPath });
  expect(result).toEqual({ indexed: 491, rejected: [], dbPath });
  engine = new SqliteSearchEngine(dbPath);
});

afterAll(async () => {
  await engine?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('parseJsonl', () => {
  it('reports bad JSON and bad fields with 1-based line numbers, skipping blank lines', () => {
    const text = [
      '{"id":"a","title":"A","text":"alpha"}',
      '',
      '{not json',
      '{"id":"","title":"B","text":"beta"}',
      '{"id":"c","title":"C"}',
      '   ',
      '{"id":"d","title":"","text":"delta"}',
    ].join('\n');
    const { rows, errors, lines } = parseJsonl(text, CorpusPassageSchema, 'corpus passage');
    expect(rows.map((r) => r.id)).toEqual(['a', 'd']);
    expect(lines).toEqual([1, 7]);
    expect(errors.map((e) => e.line)).toEqual([3, 4, 5]);
    expect(errors[0].message).toMatch(/^invalid JSON/);
    expect(errors[1].message).toMatch(/^invalid corpus passage: id:/);
    expect(errors[2].message).toMatch(/^invalid corpus passage: text:/);
  });

  it('parses the sample questions, defaulting answers', () => {
    const { rows, errors } = parseJsonl(fs.readFileSync(QUESTIONS, 'utf8'), QuestionSchema, 'question');
    expect(errors).toEqual([]);
    expect(rows).toHaveLength(50);
    expect(parseJsonl('{"id":"q","question":"why?"}', QuestionSchema, 'question').rows[0].answers).toEqual([]);
  });
});

describe('buildSqliteIndex', () => {
  it('rejects malformed lines and duplicate ids, indexes the rest, and replaces an old index', async () => {
    const corpusPath = path.join(tmp, 'bad.jsonl');
    fs.writeFileSync(
      corpusPath,
      [
        '{"id":"p1","title":"Zebra","text":"Zebras are striped."}',
        'garbage',
        '{"id":"p2","title":"Lion","text":""}',
        '',
        '{"id":"p3","title":"Okapi","text":"The okapi is related to the giraffe."}',
        '{"id":"p1","title":"Duplicate","text":"Second p1."}',
      ].join('\n'),
    );
    const smallDb = path.join(tmp, 'small.sqlite');
    fs.writeFileSync(smallDb, 'not a database'); // must be replaced, not appended to
    const result = buildSqliteIndex({ corpusPath, dbPath: smallDb });
    expect(result.indexed).toBe(2);
    expect(result.rejected.map((r) => r.line)).toEqual([2, 3, 6]);
    expect(result.rejected[2].message).toMatch(/duplicate id "p1" \(first seen on line 1\)/);

    const small = new SqliteSearchEngine(smallDb);
    try {
      expect((await small.search('giraffe', 5)).map((h) => h.id)).toEqual(['p3']);
      expect((await small.search('duplicate', 5))).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it('fails clearly when the corpus file is missing', () => {
    expect(() => buildSqliteIndex({ corpusPath: path.join(tmp, 'nope.jsonl'), dbPath: path.join(tmp, 'x.sqlite') })).toThrow(
      NonRetryableError,
    );
  });
});

describe('SqliteSearchEngine', () => {
  it('throws a NonRetryableError naming the index command when the index is missing', () => {
    expect(() => new SqliteSearchEngine(path.join(tmp, 'missing.sqlite'))).toThrow(NonRetryableError);
    expect(() => new SqliteSearchEngine(path.join(tmp, 'missing.sqlite'))).toThrow(/restact index --corpus FILE/);
  });

  it('returns at most k hits, best first, with higher-is-better scores', async () => {
    const hits = await engine.search('Scott Derrickson director', 5);
    expect(hits.length).toBeLessThanOrEqual(5);
    expect(hits[0].title).toBe('Scott Derrickson');
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
    expect(hits[0]).toEqual({ id: expect.any(String), title: expect.any(String), text: expect.any(String), score: expect.any(Number) });
  });

  it.each([
    'he said "hello',
    '"unbalanced',
    'foo* bar*',
    'title:Wood',
    'NEAR(a b, 3)',
    'a AND b OR NOT c',
    '(((',
    ')',
    '^start -minus +plus',
    'Zürich Москва 東京 café naïve',
    '💥🔥',
    "it's O'Brien's",
    'AND',
    'NEAR',
    '',
    '   ',
    '*:"()',
  ])('never throws on hostile query %j', async (query) => {
    const hits = await engine.search(query, 3);
    expect(hits).toEqual(expect.any(Array));
    expect(hits.length).toBeLessThanOrEqual(3);
  });

  it('returns [] for queries without word tokens and for k < 1', async () => {
    expect(toFtsQuery('*:"() -- ^')).toBeNull();
    expect(await engine.search('*:"()', 3)).toEqual([]);
    expect(await engine.search('Ed Wood', 0)).toEqual([]);
  });

  it('treats FTS keywords as plain words', () => {
    expect(toFtsQuery('Ed AND Wood NEAR x')).toBe('"ed" OR "and" OR "wood" OR "near" OR "x"');
  });

  it('retrieves supporting passages for the sample questions', async () => {
    const questions = parseJsonl(fs.readFileSync(QUESTIONS, 'utf8'), QuestionSchema, 'question').rows;
    let anyInTop3 = 0;
    let allInTop10 = 0;
    for (const q of questions) {
      const gold = q.supporting_titles ?? [];
      const top3 = (await engine.search(q.question, 3)).map((h) => h.title);
      const top10 = (await engine.search(q.question, 10)).map((h) => h.title);
      if (gold.some((t) => top3.includes(t))) anyInTop3++;
      if (gold.every((t) => top10.includes(t))) allInTop10++;
    }
    // Measured with title weight 2 (dev50 sample): any supporting title in top 3 = 50/50 (1.00),
    // all supporting titles in top 10 = 45/50 (0.90). Floors are a few points below.
    expect(anyInTop3 / questions.length).toBeGreaterThanOrEqual(0.94);
    expect(allInTop10 / questions.length).toBeGreaterThanOrEqual(0.84);
  });
});
