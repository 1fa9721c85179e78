/** `restact index --corpus FILE.jsonl [--db PATH]`: builds the local BM25 index. */
import { buildSqliteIndex } from '../../adapters/search/sqlite-fts';

export function runIndex(opts: { corpus: string; db: string }, out: (line: string) => void): number {
  const started = Date.now();
  const result = buildSqliteIndex({ corpusPath: opts.corpus, dbPath: opts.db });
  for (const r of result.rejected.slice(0, 20)) out(`  line ${r.line}: ${r.message}`);
  if (result.rejected.length > 20) out(`  ... and ${result.rejected.length - 20} more rejected lines`);
  out(`Indexed ${result.indexed} passages from ${opts.corpus} into ${result.dbPath} in ${Date.now() - started} ms; rejected ${result.rejected.length} line(s).`);
  return result.indexed > 0 ? 0 : 1;
}
