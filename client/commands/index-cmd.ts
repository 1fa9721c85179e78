/** `restact index --corpus FILE.jsonl [--db PATH] [--skip-bad-lines]`: builds the local BM25 index. */
import { z } from 'zod';
import { buildSqliteIndex, CorpusRejectedError } from '../../adapters/search/sqlite-fts';
import { commandConfig, out, parseFlags, UsageError, validate } from '../command-line';

export async function indexCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { corpus: { type: 'string' }, db: { type: 'string' }, 'skip-bad-lines': { type: 'boolean' } });
  const flags = validate(z.object({ corpus: z.string().min(1, 'required'), db: z.string().optional(), config: z.string().optional(), 'skip-bad-lines': z.boolean().optional() }), values);
  const cfg = commandConfig(flags.config, flags.db ? { search: { provider: 'sqlite', dbPath: flags.db } } : {});
  return runIndex({ corpus: flags.corpus, db: cfg.search.dbPath, skipBadLines: flags['skip-bad-lines'] }, out);
}

const MAX_LISTED = 20;

const listLines = (rejected: Array<{ line: number; message: string }>) => [
  ...rejected.slice(0, MAX_LISTED).map((r) => `  line ${r.line}: ${r.message}`),
  ...(rejected.length > MAX_LISTED ? [`  ... and ${rejected.length - MAX_LISTED} more`] : []),
];

/**
 * Builds the index. A corpus with malformed lines or duplicate ids is refused as a whole (the existing index stays
 * as it was) unless `skipBadLines`, which indexes the good passages and lists the others.
 */
export function runIndex(opts: { corpus: string; db: string; skipBadLines?: boolean }, print: (line: string) => void): number {
  const started = Date.now();
  let result;
  try {
    result = buildSqliteIndex({ corpusPath: opts.corpus, dbPath: opts.db, badLines: opts.skipBadLines ? 'skip' : 'refuse' });
  } catch (err) {
    if (!(err instanceof CorpusRejectedError)) throw err;
    throw new UsageError(
      [
        `${opts.corpus} has ${err.rejected.length} malformed or duplicate line(s); nothing was indexed and ${opts.db} was left as it was:`,
        ...listLines(err.rejected),
        `Fix these lines (each is a JSON object {"id", "title", "text"} with a unique id), or pass --skip-bad-lines to index the ${err.good} good passage(s).`,
      ].join('\n'),
    );
  }
  for (const line of listLines(result.rejected)) print(line);
  print(`Indexed ${result.indexed} passages from ${opts.corpus} into ${result.dbPath} in ${Date.now() - started} ms; rejected ${result.rejected.length} line(s).`);
  return result.indexed > 0 ? 0 : 1;
}
