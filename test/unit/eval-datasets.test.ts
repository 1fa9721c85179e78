/** Dataset loaders (project JSONL, official HotpotQA JSON, Bamboogle CSV), their errors, and the held-out overlap check. */
import fs from 'node:fs';
import path from 'node:path';
import { detectFormat, heldOutOverlap, loadDataset, parseCsv, passageId } from '../../lib/eval/datasets';

const DATA = path.join(__dirname, '../../data');

const HOTPOT = JSON.stringify([
  {
    _id: 'abc',
    question: 'Were Scott Derrickson and Ed Wood of the same nationality?',
    answer: 'yes',
    type: 'comparison',
    level: 'hard',
    supporting_facts: [['Scott Derrickson', 0], ['Ed Wood', 0], ['Ed Wood', 1]],
    context: [
      ['Ed Wood', ['Edward Davis Wood Jr. was an American filmmaker.', ' He was born in 1924.']],
      ['Scott Derrickson', ['Scott Derrickson is an American director.']],
    ],
  },
  { _id: 'def', question: 'Q2?', answer: 'Ed Wood', supporting_facts: [], context: [['Ed Wood', ['Duplicate title, first kept.']]] },
]);

test('the shipped files load in their formats, detected by content', () => {
  const jsonl = fs.readFileSync(path.join(DATA, 'hotpotqa-dev50/questions.jsonl'), 'utf8');
  expect(detectFormat(jsonl)).toBe('jsonl');
  const dev = loadDataset(jsonl, 'questions.jsonl');
  expect(dev.questions).toHaveLength(50);
  expect(dev.questions[0]).toMatchObject({ id: 'hotpotqa-dev-0000', answers: ['yes'], supporting_titles: ['Ed Wood', 'Scott Derrickson'] });

  const csv = fs.readFileSync(path.join(DATA, 'bamboogle/test.csv'), 'utf8');
  expect(detectFormat(csv)).toBe('csv');
  const bamboogle = loadDataset(csv, 'data/bamboogle/test.csv');
  expect(bamboogle.questions).toHaveLength(125);
  expect(bamboogle.questions[0]).toEqual({ id: 'test-0000', question: 'Who was president of the United States in the year that Citibank was founded?', answers: ['james madison'] });
});

test('official HotpotQA JSON: questions with supporting titles, and a corpus built from the context paragraphs', () => {
  const d = loadDataset(HOTPOT, 'dev.json');
  expect(d.format).toBe('hotpotqa');
  expect(d.questions[0]).toEqual({ id: 'abc', question: 'Were Scott Derrickson and Ed Wood of the same nationality?', answers: ['yes'], type: 'comparison', level: 'hard', supporting_titles: ['Scott Derrickson', 'Ed Wood'] });
  expect(d.corpus).toEqual([
    { id: passageId('Ed Wood'), title: 'Ed Wood', text: 'Edward Davis Wood Jr. was an American filmmaker. He was born in 1924.' },
    { id: passageId('Scott Derrickson'), title: 'Scott Derrickson', text: 'Scott Derrickson is an American director.' },
  ]);
});

test('CSV quoting: commas, doubled quotes and line breaks inside quotes', () => {
  expect(parseCsv('Question,Answer\r\n"Who said ""hi"", then left?","A, B"\n"multi\nline",x\n').map((r) => r.fields)).toEqual([
    ['Question', 'Answer'],
    ['Who said "hi", then left?', 'A, B'],
    ['multi\nline', 'x'],
  ]);
});

test.each([
  ['{"id": "q1", "question": "Q?"}\n{"id": "q2"}\n', 'jsonl', /f line 2: invalid question: question: /],
  ['{"id": "q1", "question": "Q?"}\n{oops\n', 'jsonl', /f line 2: invalid JSON/],
  ['{"id": "q1", "question": "A?"}\n{"id": "q1", "question": "B?"}\n', 'jsonl', /question id "q1" appears twice/],
  ['[{"_id": "x", "question": "Q?", "answer": "a", "context": []}]', 'hotpotqa', /f item 0: invalid HotpotQA question: supporting_facts: /],
  ['[not json', 'hotpotqa', /f: not valid JSON/],
  ['{"data": []}', 'hotpotqa', /a HotpotQA file is a JSON array/],
  ['Query,Reply\nq,a\n', 'csv', /needs a header with Question and Answer columns \(found: query, reply\)/],
  ['Question,Answer\n"Who?",\n', 'csv', /f line 2: the Answer field is empty/],
  ['Question,Answer\nWho?,a,b\n', 'csv', /f line 2: expected 2 fields, found 3/],
  ['Question,Answer\n"Who?,a\n', 'csv', /never closed/],
  ['  \n', 'jsonl', /the file is empty/],
] as const)('malformed %j (%s) gets one clear message', (text, format, message) => {
  expect(() => loadDataset(text, 'f', format)).toThrow(message);
});

test('held-out overlap is found by id and by normalised question text', () => {
  const train = [{ id: 'a', question: 'Who wrote Dune?', answers: [] }, { id: 'b', question: 'Where is Lyon?', answers: [] }];
  const held = [
    { id: 'a', question: 'Different text', answers: ['x'] },
    { id: 'z', question: 'who wrote  "Dune"', answers: ['x'] },
    { id: 'y', question: 'Where is Paris?', answers: ['x'] },
  ];
  expect(heldOutOverlap(train, held)).toEqual([
    { id: 'a', by: 'id', question: 'Different text' },
    { id: 'z', by: 'text', question: 'who wrote  "Dune"' },
  ]);
});
