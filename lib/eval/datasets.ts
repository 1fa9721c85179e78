/**
 * Question sets for evaluation, in three formats, chosen by a flag or by content:
 * - `jsonl`: the project's questions (`lib/corpus.ts` QuestionSchema), one JSON object per line;
 * - `hotpotqa`: the official HotpotQA JSON (an array of `{_id, question, answer, supporting_facts, context}`),
 *   from whose `context` paragraphs a search corpus can be built;
 * - `csv`: Bamboogle-style `Question,Answer` (RFC 4180 quoting).
 * Every format is validated with zod; a bad file gets one message naming the file, the row and the field. Pure.
 */
import { z } from 'zod';
import { parseJsonl, QuestionSchema, type CorpusPassage, type Question } from '../corpus';
import { hash53 } from '../hash';
import { normalizeAnswer } from '../metrics';

export const DATASET_FORMATS = ['jsonl', 'hotpotqa', 'csv'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export class DatasetError extends Error {
  override name = 'DatasetError';
}

export interface LoadedDataset {
  format: DatasetFormat;
  questions: Question[];
  /** Passages built from the file itself (HotpotQA `context`), one per title. */
  corpus?: CorpusPassage[];
}

/** The format a file's content shows: a JSON array is HotpotQA, a JSON object per line is JSONL, else CSV. */
export function detectFormat(text: string): DatasetFormat {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('[')) return 'hotpotqa';
  if (start.startsWith('{')) return 'jsonl';
  return 'csv';
}

export function loadDataset(text: string, source: string, format: DatasetFormat = detectFormat(text)): LoadedDataset {
  const body = text.replace(/^\uFEFF/, '');
  if (!body.trim()) throw new DatasetError(`${source}: the file is empty`);
  const questions = format === 'jsonl' ? loadJsonl(body, source) : format === 'csv' ? loadCsv(body, source) : undefined;
  const loaded: LoadedDataset = questions ? { format, questions } : { format, ...loadHotpot(body, source) };
  const seen = new Set<string>();
  for (const q of loaded.questions) {
    if (seen.has(q.id)) throw new DatasetError(`${source}: question id ${JSON.stringify(q.id)} appears twice`);
    seen.add(q.id);
  }
  if (!loaded.questions.length) throw new DatasetError(`${source}: no questions found`);
  return loaded;
}

function loadJsonl(text: string, source: string): Question[] {
  const { rows, errors } = parseJsonl(text, QuestionSchema, 'question');
  if (errors.length) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more bad line(s))` : '';
    throw new DatasetError(`${source} line ${errors[0].line}: ${errors[0].message}${more}`);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------- HotpotQA

const HotpotItemSchema = z.object({
  _id: z.string().min(1),
  question: z.string().min(1),
  answer: z.string(),
  type: z.string().optional(),
  level: z.string().optional(),
  supporting_facts: z.array(z.tuple([z.string(), z.number().int()])),
  context: z.array(z.tuple([z.string(), z.array(z.string())])),
});

function loadHotpot(text: string, source: string): { questions: Question[]; corpus: CorpusPassage[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new DatasetError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(data)) throw new DatasetError(`${source}: a HotpotQA file is a JSON array of questions`);
  const questions: Question[] = [];
  const passages = new Map<string, CorpusPassage>();
  data.forEach((item, i) => {
    const r = HotpotItemSchema.safeParse(item);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new DatasetError(`${source} item ${i}: invalid HotpotQA question: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    const q = r.data;
    questions.push({
      id: q._id,
      question: q.question,
      answers: [q.answer],
      type: q.type,
      level: q.level,
      supporting_titles: [...new Set(q.supporting_facts.map(([title]) => title))],
    });
    for (const [title, sentences] of q.context) {
      const text = sentences.join('').trim();
      if (!passages.has(title) && text) passages.set(title, { id: passageId(title), title, text });
    }
  });
  return { questions, corpus: [...passages.values()] };
}

/** A stable passage id from its title (the same title always gets the same id). */
export function passageId(title: string): string {
  return `doc-${hash53(title).toString(16).padStart(14, '0')}`;
}

// ---------------------------------------------------------------------------------------------- CSV

/** RFC 4180 rows: quoted fields may hold commas, doubled quotes and line breaks. Returns rows with their line. */
export function parseCsv(text: string): Array<{ line: number; fields: string[] }> {
  const rows: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      fields.push(field);
      if (fields.some((f) => f.trim() !== '')) rows.push({ line: rowLine, fields });
      fields = [];
      field = '';
      line++;
      rowLine = line;
    } else field += ch;
  }
  if (quoted) throw new DatasetError(`a quoted field starting on line ${rowLine} is never closed`);
  fields.push(field);
  if (fields.some((f) => f.trim() !== '')) rows.push({ line: rowLine, fields });
  return rows;
}

function loadCsv(text: string, source: string): Question[] {
  let rows: ReturnType<typeof parseCsv>;
  try {
    rows = parseCsv(text);
  } catch (err) {
    throw new DatasetError(`${source}: ${(err as Error).message}`);
  }
  const header = rows.shift()?.fields.map((h) => h.trim().toLowerCase()) ?? [];
  const qCol = header.indexOf('question');
  const aCol = header.indexOf('answer');
  if (qCol < 0 || aCol < 0) throw new DatasetError(`${source}: a CSV dataset needs a header with Question and Answer columns (found: ${header.join(', ') || 'nothing'})`);
  const idCol = header.indexOf('id');
  const prefix = (source.split(/[\\/]/).pop() ?? 'csv').replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]/g, '_');
  return rows.map(({ line, fields }, i) => {
    if (fields.length !== header.length) throw new DatasetError(`${source} line ${line}: expected ${header.length} fields, found ${fields.length}`);
    const question = fields[qCol].trim();
    const answer = fields[aCol].trim();
    if (!question) throw new DatasetError(`${source} line ${line}: the Question field is empty`);
    if (!answer) throw new DatasetError(`${source} line ${line}: the Answer field is empty`);
    const id = idCol >= 0 && fields[idCol].trim() ? fields[idCol].trim() : `${prefix}-${String(i).padStart(4, '0')}`;
    return { id, question, answers: [answer] };
  });
}

// ---------------------------------------------------------------------------------------------- overlap

/** Normalised question text for overlap checks (HotpotQA normalisation). */
export const normalizeQuestion = normalizeAnswer;

/**
 * Questions of `heldOut` that also occur in `training`, by id or by normalised text. A held-out set that
 * feeds training measures memorisation, not improvement.
 */
export function heldOutOverlap(training: Question[], heldOut: Question[]): Array<{ id: string; by: 'id' | 'text'; question: string }> {
  const ids = new Set(training.map((q) => q.id));
  const texts = new Set(training.map((q) => normalizeQuestion(q.question)));
  const out: Array<{ id: string; by: 'id' | 'text'; question: string }> = [];
  for (const q of heldOut) {
    if (ids.has(q.id)) out.push({ id: q.id, by: 'id', question: q.question });
    else if (texts.has(normalizeQuestion(q.question))) out.push({ id: q.id, by: 'text', question: q.question });
  }
  return out;
}
