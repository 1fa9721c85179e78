/**
 * The embedded model's sequences (adapters/llm/llama-chat.ts): a call takes the sequence that already holds the
 * longest prefix of its prompt, so each step's few-shot header stays evaluated between calls.
 */

/** What the pool needs of a node-llama-cpp sequence and context (kept structural: node-llama-cpp is ESM-only). */
export interface PooledSequence {
  readonly contextTokens: readonly number[];
}
export interface SequenceSource<S extends PooledSequence> {
  getSequence(): S;
}

interface Entry<S> {
  seq: S;
  lastUsed: number;
  busy: boolean;
  /** Calls waiting for this sequence, because it holds their prompt's header. */
  queue: Waiter<S>[];
}

interface Waiter<S> {
  /** Arrival order: a released sequence goes to the earlier of its own next waiter and the next one for any. */
  ticket: number;
  resolve: (s: S) => void;
}

/**
 * A small pool of sequences of one context. A call takes the free sequence that holds the longest prefix of its
 * prompt. When no free one shares a useful prefix but a busy one does, the call waits for that one, unless
 * `maxQueue` calls already wait there: on one thread the CPU evaluates prompts at about 170 tokens/s, so
 * re-evaluating a 1,000-token few-shot header in another sequence costs more than waiting for the step ahead of
 * it, and with every sequence busy a FIFO hand-out left 4% of prompt tokens reused at concurrency 8
 * (bench/results). A long queue spills over to the least recently used free sequence, which then holds that
 * header too. A call that matches nothing takes the least recently used free sequence, or waits for any.
 */
export class SequencePool<S extends PooledSequence> {
  private readonly entries: Entry<S>[];
  private readonly waitingForAny: Waiter<S>[] = [];
  private clock = 0;
  private tickets = 0;

  constructor(
    readonly context: SequenceSource<S> & { contextSize: number },
    count: number,
    private readonly maxQueue = 2,
  ) {
    this.entries = Array.from({ length: count }, () => ({ seq: context.getSequence(), lastUsed: 0, busy: false, queue: [] }));
  }

  async acquire(tokens: readonly number[]): Promise<S> {
    const free = this.entries.filter((e) => !e.busy);
    const bestFree = longestPrefix(free, tokens);
    if (bestFree) return this.take(bestFree);
    const bestBusy = longestPrefix(this.entries.filter((e) => e.busy && e.queue.length < this.maxQueue), tokens);
    if (bestBusy) return new Promise((resolve) => bestBusy.queue.push({ ticket: ++this.tickets, resolve }));
    if (free.length) return this.take(free.reduce((lru, e) => (e.lastUsed < lru.lastUsed ? e : lru)));
    return new Promise((resolve) => this.waitingForAny.push({ ticket: ++this.tickets, resolve }));
  }

  release(seq: S): void {
    const entry = this.entries.find((e) => e.seq === seq);
    if (!entry) throw new Error('release of a sequence this pool does not hold');
    entry.lastUsed = ++this.clock;
    const [own, any] = [entry.queue[0], this.waitingForAny[0]];
    const next = own && (!any || own.ticket < any.ticket) ? entry.queue.shift() : this.waitingForAny.shift();
    if (next) next.resolve(seq); // stays busy, handed straight to the next call
    else entry.busy = false;
  }

  private take(entry: Entry<S>): S {
    entry.busy = true;
    return entry.seq;
  }
}

/** Below this many shared tokens a cached prompt is not worth keeping (or waiting for) a sequence. */
const USEFUL_PREFIX_TOKENS = 64;

/** The entry sharing the longest useful prefix with `tokens`, if any. */
function longestPrefix<S extends PooledSequence>(entries: Entry<S>[], tokens: readonly number[]): Entry<S> | undefined {
  let best: Entry<S> | undefined;
  let bestShared = USEFUL_PREFIX_TOKENS - 1;
  for (const e of entries) {
    const shared = sharedPrefix(e.seq.contextTokens, tokens);
    if (shared > bestShared) [best, bestShared] = [e, shared];
  }
  return best;
}

export function sharedPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
