/** Inputs the benchmarks share: the sample questions (cycled to any count, with unique ids) and a temp folder. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseJsonl, QuestionSchema, type Question } from '../lib/corpus';
import { buildSqliteIndex } from '../adapters/search/sqlite-fts';

export const ROOT = path.join(__dirname, '..');
export const SAMPLE = path.join(ROOT, 'data/hotpotqa-dev50');
export const EMBEDDED_GGUF = path.join(ROOT, 'models/SmolLM2-135M-Instruct.Q4_1.gguf');

/** `count` questions: the 50 HotpotQA sample questions over and over, ids `<prefix><n>`. */
export function benchQuestions(count: number, prefix = 'q'): Question[] {
  const { rows } = parseJsonl(fs.readFileSync(path.join(SAMPLE, 'questions.jsonl'), 'utf8'), QuestionSchema, 'question');
  return Array.from({ length: count }, (_, i) => ({ ...rows[i % rows.length], id: `${prefix}${i}` }));
}

export const toJsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

export function benchDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `restact-bench-${name}-`));
}

/** The sample corpus's BM25 index in `dir`; returns its path. */
export function sampleIndex(dir: string): string {
  const dbPath = path.join(dir, 'index.sqlite');
  buildSqliteIndex({ corpusPath: path.join(SAMPLE, 'corpus.jsonl'), dbPath });
  return dbPath;
}
