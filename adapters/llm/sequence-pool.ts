/**
 * The embedded model's sequences (adapters/llm/llama-chat.ts): a call takes the free sequence that already holds
 * the longest prefix of its prompt, so each step's few-shot header stays evaluated between calls.
 */

/** What the pool needs of a node-llama-cpp sequence and context (kept structural: node-llama-cpp is ESM-only). */
export interface PooledSequence {
  readonly contextTokens: readonly number[];
}
export interface SequenceSource<S extends PooledSequence> {
  getSequence(): S;
}

/**
 * A small pool of sequences of one context. A call takes the free sequence that already holds the longest
 * prefix of its prompt; when none shares a useful prefix it takes the least recently used one, so each
 * step's few-shot header tends to stay cached in a sequence of its own.
 */
export class SequencePool<S extends PooledSequence> {
  private readonly free: Array<{ seq: S; lastUsed: number }>;
  private readonly waiting: Array<(s: S) => void> = [];
  private clock = 0;

  constructor(readonly context: SequenceSource<S> & { contextSize: number }, count: number) {
    this.free = Array.from({ length: count }, () => ({ seq: context.getSequence(), lastUsed: 0 }));
  }

  async acquire(tokens: readonly number[]): Promise<S> {
    if (this.free.length === 0) return new Promise((resolve) => this.waiting.push(resolve));
    let best = -1;
    let bestShared = USEFUL_PREFIX_TOKENS - 1;
    this.free.forEach((entry, i) => {
      const shared = sharedPrefix(entry.seq.contextTokens, tokens);
      if (shared > bestShared) [best, bestShared] = [i, shared];
    });
    if (best < 0) best = this.free.reduce((lru, e, i) => (e.lastUsed < this.free[lru].lastUsed ? i : lru), 0);
    return this.free.splice(best, 1)[0].seq;
  }

  release(seq: S): void {
    const next = this.waiting.shift();
    if (next) next(seq);
    else this.free.push({ seq, lastUsed: ++this.clock });
  }
}

/** Below this many shared tokens a cached prompt is not worth keeping a sequence busy for. */
const USEFUL_PREFIX_TOKENS = 64;

function sharedPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
