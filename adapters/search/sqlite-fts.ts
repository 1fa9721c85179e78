/**
 * The default search engine: a local SQLite FTS5 index over a JSONL corpus, ranked with BM25.
 * `buildSqliteIndex` writes the index (`restact index --corpus FILE`); `SqliteSearchEngine` reads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CorpusPassageSchema, parseJsonl, type JsonlError } from '../../lib/corpus';
import { NonRetryableError } from '../../ports/errors';
import os from 'node:os';
import type { SearchEngine, SearchEngineProvider, SearchHit } from '../../ports/search-engine';

/** bm25() column weights, in FTS column order (title, text): a title match says more than a body match. */
const TITLE_WEIGHT = 2;
const TEXT_WEIGHT = 1;
/** Cap on query terms, so a pasted paragraph doesn't become a huge OR query. */
const MAX_TERMS = 64;

export interface BuildIndexResult {
  indexed: number;
  rejected: JsonlError[];
  dbPath: string;
}

/** A corpus with malformed lines or duplicate ids, refused as a whole: the index at `dbPath` was not touched. */
export class CorpusRejectedError extends NonRetryableError {
  constructor(readonly corpusPath: string, readonly rejected: JsonlError[], readonly good: number) {
    super(`${corpusPath}: ${rejected.length} malformed or duplicate line(s) (first: line ${rejected[0].line}: ${rejected[0].message})`);
  }
}

/**
 * (Re)builds the index at `dbPath` from a JSONL corpus of `{id, title, text}`. Malformed lines and duplicate
 * ids are rejected (reported with 1-based line numbers): with `badLines: 'skip'` (the default) the rest is indexed,
 * with `'refuse'` nothing is and a CorpusRejectedError lists them. The database is written to a temporary file and
 * renamed into place, so a failed or refused build never leaves a half-written index behind, nor replaces a good one.
 */
export function buildSqliteIndex(opts: { corpusPath: string; dbPath: string; badLines?: 'skip' | 'refuse' }): BuildIndexResult {
  const { corpusPath, dbPath } = opts;
  if (!fs.existsSync(corpusPath)) throw new NonRetryableError(`Corpus file not found: ${corpusPath}`);
  const { rows, errors, lines } = parseJsonl(fs.readFileSync(corpusPath, 'utf8'), CorpusPassageSchema, 'corpus passage');

  const rejected = [...errors];
  const seen = new Map<string, number>();
  const passages = rows.filter((row, i) => {
    const first = seen.get(row.id);
    if (first !== undefined) {
      rejected.push({ line: lines[i], message: `duplicate id "${row.id}" (first seen on line ${first})` });
      return false;
    }
    seen.set(row.id, lines[i]);
    return true;
  });
  rejected.sort((a, b) => a.line - b.line);
  if (rejected.length && opts.badLines === 'refuse') throw new CorpusRejectedError(corpusPath, rejected, passages.length);
  if (!passages.length && opts.badLines === 'refuse') throw new NonRetryableError(`${corpusPath} holds no passages; ${dbPath} was left as it was`);

  fs.mkdirSync(path.dirname(path.resolve(dbPath)), { recursive: true });
  const tmpPath = `${dbPath}.tmp-${process.pid}`;
  fs.rmSync(tmpPath, { force: true });
  const db = new Database(tmpPath);
  try {
    // The plain table holds the data; the FTS table is external-content over it (no second copy of the text).
    db.exec(`
      CREATE TABLE passages (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT NOT NULL, text TEXT NOT NULL);
      CREATE VIRTUAL TABLE passages_fts USING fts5(
        title, text, content='passages', content_rowid='rowid', tokenize='porter unicode61'
      );
    `);
    const insert = db.prepare('INSERT INTO passages (id, title, text) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (const p of passages) insert.run(p.id, p.title, p.text);
      db.exec(`INSERT INTO passages_fts(passages_fts) VALUES ('rebuild')`);
    })();
    db.close();
    fs.renameSync(tmpPath, dbPath);
  } catch (err) {
    if (db.open) db.close();
    fs.rmSync(tmpPath, { force: true });
    throw err;
  }
  return { indexed: passages.length, rejected, dbPath };
}

/**
 * Turns free text into a safe FTS5 MATCH expression: word tokens only (letters, digits, combining marks),
 * each double-quoted so FTS keywords (AND, OR, NOT, NEAR) and syntax (`"*:^()-+`) are taken literally,
 * joined with OR so BM25 ranks partial matches. Returns null when there is nothing to search for.
 */
export function toFtsQuery(text: string): string | null {
  const tokens = text.normalize('NFC').match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  const terms = [...new Set(tokens.map((t) => t.toLowerCase()))].slice(0, MAX_TERMS);
  // Tokens contain no `"`, so quoting needs no escaping.
  return terms.length ? terms.map((t) => `"${t}"`).join(' OR ') : null;
}

export class SqliteSearchEngine implements SearchEngine {
  private readonly db: Database.Database;
  private readonly stmt: Database.Statement<[string, number], { id: string; title: string; text: string; rank: number }>;

  constructor(readonly dbPath: string) {
    if (!fs.existsSync(dbPath)) {
      throw new NonRetryableError(`Search index not found at ${dbPath}. Build it first: restact index --corpus FILE`);
    }
    this.db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      this.stmt = this.db.prepare(`
        SELECT p.id, p.title, p.text, bm25(passages_fts, ${TITLE_WEIGHT}, ${TEXT_WEIGHT}) AS rank
        FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid
        WHERE passages_fts MATCH ?
        ORDER BY rank
        LIMIT ?`);
    } catch (err) {
      this.db.close();
      throw new NonRetryableError(
        `${dbPath} is not a restact search index (${(err as Error).message}). Rebuild it: restact index --corpus FILE`,
      );
    }
  }

  async search(query: string, k: number): Promise<SearchHit[]> {
    const match = toFtsQuery(query);
    const limit = Math.floor(k);
    if (match === null || !(limit >= 1)) return [];
    // bm25() is lower-is-better (negative); the port wants higher-is-better. Array.from rather than .map so the
    // result is an Array of this realm, not the native addon's (matters under jest's vm sandbox).
    return Array.from(this.stmt.all(match, limit), (r) => ({ id: r.id, title: r.title, text: r.text, score: -r.rank }));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/**
 * SQLite indexes by path: the configured one by default, or one a request names (`restact ask --db PATH`,
 * `restact eval --db PATH`). Paths are resolved on the worker's machine; a missing file fails the activity for
 * good with a message naming the path and the host.
 */
export class SqliteSearchEngines implements SearchEngineProvider {
  private readonly open = new Map<string, SqliteSearchEngine>();

  constructor(private readonly defaultDbPath: string) {}

  async get(ref?: string): Promise<SqliteSearchEngine> {
    const dbPath = path.resolve(ref ?? this.defaultDbPath);
    let engine = this.open.get(dbPath);
    if (!engine) {
      if (!fs.existsSync(dbPath)) {
        throw new NonRetryableError(
          `Search index not found at ${dbPath} on the worker's machine (${os.hostname()}). ` +
            'Build it there (restact index --corpus FILE --db PATH), or pass an index path that the worker can read.',
        );
      }
      engine = new SqliteSearchEngine(dbPath);
      this.open.set(dbPath, engine);
    }
    return engine;
  }

  async close(): Promise<void> {
    await Promise.all([...this.open.values()].map((e) => e.close()));
    this.open.clear();
  }
}
