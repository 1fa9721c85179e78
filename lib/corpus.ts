/**
 * Schemas for the corpus and question files (JSONL) and a line-by-line validator. Pure: callers read the files.
 */
import { z } from 'zod';

/** One passage of the search corpus. */
export const CorpusPassageSchema = z.object({
  id: z.string().min(1),
  title: z.string(),
  text: z.string().min(1),
});
export type CorpusPassage = z.infer<typeof CorpusPassageSchema>;

/** One question of an evaluation/training set (HotpotQA-style). */
export const QuestionSchema = z.object({
  id: z.string().min(1),
  question: z.string().trim().min(1, 'empty question'),
  answers: z.array(z.string()).default([]),
  type: z.string().optional(),
  level: z.string().optional(),
  supporting_titles: z.array(z.string()).optional(),
});
export type Question = z.infer<typeof QuestionSchema>;

export interface JsonlError {
  /** 1-based line number in the file. */
  line: number;
  message: string;
}

/**
 * Parses and validates each non-blank line of a JSONL text. Bad lines are reported (not thrown) so a caller
 * can keep the good ones; `what` names the kind of row in messages, e.g. "corpus passage". `lines[i]` is the
 * 1-based line number of `rows[i]` (for follow-up checks such as duplicate ids).
 */
export function parseJsonl<T>(
  text: string,
  schema: z.ZodType<T>,
  what: string,
): { rows: T[]; errors: JsonlError[]; lines: number[] } {
  const rows: T[] = [];
  const rowLines: number[] = [];
  const errors: JsonlError[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      errors.push({ line, message: `invalid JSON: ${(err as Error).message}` });
      continue;
    }
    const result = schema.safeParse(value);
    if (result.success) {
      rows.push(result.data);
      rowLines.push(line);
    } else {
      const problems = result.error.issues.map((issue) => {
        const field = issue.path.length ? issue.path.join('.') : '(root)';
        return `${field}: ${issue.message}`;
      });
      errors.push({ line, message: `invalid ${what}: ${problems.join('; ')}` });
    }
  }
  return { rows, errors, lines: rowLines };
}
