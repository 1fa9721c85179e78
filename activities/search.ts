/**
 * The search activity: one query against the SearchEngine port; the full hit list is stored, the workflow gets
 * titles and snippets for the summary step, and the passage ids it has now shown.
 *
 * Passages the trajectory was already shown (`exclude`) are skipped: the same query pages on to results not seen
 * yet, so a repeated or overlapping query still brings new evidence, or nothing, which ends the search phase.
 * (Paging rather than re-sampling the decision: it costs no LLM call and keeps the model's own query.)
 */
import type { SearchEngineProvider } from '../ports/search-engine';
import type { ArtifactStore } from '../ports/artifact-store';
import { putJson } from '../ports/artifact-store';
import type { SearchResultView } from '../lib/agent/types';
import type { SearchStepRecord, StepRef } from '../lib/trajectory';
import { stepKey } from '../lib/artifact-keys';

export interface SearchCall {
  trajectoryId: string;
  index: number;
  query: string;
  /** The index to search (a path on the worker's machine); unset = the worker's configured index. */
  searchDb?: string;
  /** Passage ids the trajectory has already been shown. */
  exclude?: string[];
}

export interface SearchOutcome {
  step: StepRef;
  results: SearchResultView[];
  /** The ids of `results`, in order. */
  passageIds?: string[];
  /** The call, echoed when the search ran as a local activity (whose history records no input). */
  call?: SearchCall;
}

export function snippet(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  return (space > maxChars * 0.6 ? cut.slice(0, space) : cut) + ' …';
}

export async function runSearch(
  deps: { search: SearchEngineProvider; store: ArtifactStore; topK: number; snippetChars: number },
  call: SearchCall,
): Promise<SearchOutcome> {
  const started = Date.now();
  const engine = await deps.search.get(call.searchDb);
  const seen = new Set(call.exclude ?? []);
  const hits = (await engine.search(call.query, deps.topK + seen.size)).filter((h) => !seen.has(h.id)).slice(0, deps.topK);
  const record: SearchStepRecord = {
    index: call.index,
    kind: 'search',
    status: 'ok',
    query: call.query,
    results: hits.map((h) => ({ id: h.id, title: h.title, snippet: snippet(h.text, deps.snippetChars), score: h.score })),
    latencyMs: Date.now() - started,
  };
  const ref = await putJson(deps.store, stepKey(call.trajectoryId, call.index, 'search'), record);
  return {
    step: { index: call.index, kind: 'search', status: 'ok', ref },
    results: record.results.map(({ title, snippet }) => ({ title, snippet })),
    passageIds: record.results.map((r) => r.id),
  };
}
