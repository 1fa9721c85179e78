/** The eval CLI's input side: flags, dataset and label files, index choice by content hash, the overlap refusal. */
import fs from 'node:fs';
import path from 'node:path';
import { chooseIndex, parseEvalFlags, readDataset } from '../../client/commands/eval';
import { readLabels } from '../../client/commands/calibrate';
import { refuseHeldOutOverlap } from '../../client/campaigns';
import { tempDir, testConfig } from '../helpers/temporal';

const ROOT = path.join(__dirname, '../..');

test('flags: one clear message per problem', () => {
  expect(parseEvalFlags(['--dataset', 'd.jsonl', '--model', 'base', '--model', 'x.gguf', '--runs', '3', '--limit', '20'])).toMatchObject({ dataset: 'd.jsonl', model: ['base', 'x.gguf'], runs: 3, limit: 20, offset: 0 });
  expect(() => parseEvalFlags([])).toThrow('--dataset FILE is required');
  expect(() => parseEvalFlags(['--dataset', 'd', '--runs', '0'])).toThrow(/--runs: /);
  expect(() => parseEvalFlags(['--dataset', 'd', '--format', 'xml'])).toThrow(/--format: /);
  expect(() => parseEvalFlags(['--dataset', 'd', '--corpus', 'c', '--db', 'x'])).toThrow('give --corpus or --db, not both');
  expect(() => parseEvalFlags(['--dataset', 'd', '--bogus'])).toThrow(/Unknown option '--bogus'/);
});

test('dataset files: missing and malformed files are user errors', () => {
  expect(() => readDataset('/nonexistent.jsonl')).toThrow('dataset not found: /nonexistent.jsonl');
  const bad = path.join(tempDir('ds'), 'bad.csv');
  fs.writeFileSync(bad, 'Q,A\nx,y\n');
  expect(() => readDataset(bad)).toThrow(/needs a header with Question and Answer columns/);
  expect(readDataset(path.join(ROOT, 'data/bamboogle/test.csv')).questions).toHaveLength(125);
});

test('an index is built once per corpus content and reused', () => {
  const dir = tempDir('idx');
  const corpus = path.join(dir, 'c.jsonl');
  fs.writeFileSync(corpus, '{"id": "d1", "title": "T", "text": "Some text."}\n');
  const cfg = { ...testConfig(), artifacts: { workDir: tempDir('work'), dir: path.join(dir, 'state', 'artifacts') } };
  const logs: string[] = [];
  const flags = parseEvalFlags(['--dataset', 'x.jsonl', '--corpus', corpus]);
  const ds = { format: 'jsonl' as const, questions: [] };
  const first = chooseIndex(flags, ds, cfg, (l) => logs.push(l));
  expect(first).toMatch(/state\/indexes\/[0-9a-f]{16}\.sqlite$/);
  expect(chooseIndex(flags, ds, cfg, (l) => logs.push(l))).toBe(first);
  expect(logs[1]).toMatch(/^Reusing the index/);
  fs.appendFileSync(corpus, '{"id": "d2", "title": "U", "text": "More."}\n');
  expect(chooseIndex(flags, ds, cfg, () => undefined)).not.toBe(first);
});

test('the shipped calibration sample is valid, balanced enough, and names real questions', () => {
  const labels = readLabels(path.join(ROOT, 'data/eval/calibration-sample.jsonl'));
  expect(labels).toHaveLength(40);
  expect(labels.filter((l) => l.correct)).toHaveLength(23);
  const ids = new Set(fs.readFileSync(path.join(ROOT, 'data/hotpotqa-dev50/questions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id));
  expect(labels.every((l) => ids.has(l.questionId))).toBe(true);
  const bad = path.join(tempDir('labels'), 'l.jsonl');
  fs.writeFileSync(bad, '{"questionId": "q", "answer": "a", "reference": "b", "correct": "yes"}\n');
  expect(() => readLabels(bad)).toThrow(/l\.jsonl line 1: invalid label: correct: /);
});

test('a campaign whose held-out questions overlap its training questions is refused with one message', () => {
  const q = (id: string, question: string) => ({ id, question, answers: ['x'] });
  expect(() => refuseHeldOutOverlap([q('a', 'Who?'), q('b', 'Where is Lyon?')], [q('a', 'Other'), q('c', 'where is lyon'), q('d', 'New?')])).toThrow(
    'campaign.evalQuestions overlap campaign.questions in 2 question(s): a (same id), c (same question text). Held-out questions must never be trained on: choose disjoint files or offsets/limits.',
  );
  expect(() => refuseHeldOutOverlap([q('a', 'Who?')], [q('b', 'What?')])).not.toThrow();
});
