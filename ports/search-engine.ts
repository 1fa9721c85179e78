/** The search port: a local BM25 index by default, web search providers behind the same interface. */
export interface SearchHit {
  /** Stable id of the passage in its corpus. */
  id: string;
  title: string;
  text: string;
  /** Higher is better; only comparable within one result list. */
  score: number;
}

export interface SearchEngine {
  search(query: string, k: number): Promise<SearchHit[]>;
  close(): Promise<void>;
}

/**
 * Resolves a search index reference to an engine, opening each one once. `ref` undefined = the worker's
 * configured index; otherwise an index the request names (for the SQLite adapter: the path of an index file
 * on the worker's machine), so the caller's choice travels with the workflow input instead of being ignored.
 */
export interface SearchEngineProvider {
  get(ref?: string): Promise<SearchEngine>;
  close(): Promise<void>;
}

/** A provider that serves one engine for every ref (tests, single-index tools). */
export function singleSearchEngine(engine: SearchEngine): SearchEngineProvider {
  return { get: async () => engine, close: () => engine.close() };
}
