/** `restact index --corpus FILE.jsonl [--db PATH]`: builds the local BM25 index. */
import { z } from 'zod';
import { buildSqliteIndex } from '../../adapters/search/sqlite-fts';
import { commandConfig, out, parseFlags, validate } from '../command-line';

export async function indexCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { corpus: { type: 'string' }, db: { type: 'string' } });
  const flags = validate(z.object({ corpus: z.string().min(1, 'required'), db: z.string().optional(), config: z.string().optional() }), values);
  const cfg = commandConfig(flags.config, flags.db ? { search: { provider: 'sqlite', dbPath: flags.db } } : {});
  return runIndex({ corpus: flags.corpus, db: cfg.search.dbPath }, out);
}

export function runIndex(opts: { corpus: string; db: string }, print: (line: string) => void): number {
  const started = Date.now();
  const result = buildSqliteIndex({ corpusPath: opts.corpus, dbPath: opts.db });
  for (const r of result.rejected.slice(0, 20)) print(`  line ${r.line}: ${r.message}`);
  if (result.rejected.length > 20) print(`  ... and ${result.rejected.length - 20} more rejected lines`);
  print(`Indexed ${result.indexed} passages from ${opts.corpus} into ${result.dbPath} in ${Date.now() - started} ms; rejected ${result.rejected.length} line(s).`);
  return result.indexed > 0 ? 0 : 1;
}
