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
