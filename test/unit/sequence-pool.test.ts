/** The embedded model's sequence pool: which sequence a call gets, and when it waits for one. */
import { SequencePool, type PooledSequence } from '../../adapters/llm/sequence-pool';

class FakeSequence implements PooledSequence {
  contextTokens: number[] = [];
  constructor(readonly name: string) {}
}

function pool(count: number, maxQueue?: number) {
  let n = 0;
  return new SequencePool({ contextSize: 4096, getSequence: () => new FakeSequence(`s${n++}`) }, count, maxQueue);
}

/** A prompt of kind `k`: a 100-token header of its own, then `suffix`. */
const prompt = (k: number, suffix = 0) => [...Array.from({ length: 100 }, (_, i) => k * 1000 + i), suffix];

/** Runs a call on the sequence: afterwards it holds the prompt, as node-llama-cpp's sequences do. */
const use = (s: FakeSequence, tokens: number[]) => {
  s.contextTokens = tokens;
  return s;
};

test('a call takes the free sequence that holds its header, else the least recently used one', async () => {
  const p = pool(3);
  const a = use((await p.acquire(prompt(1))) as FakeSequence, prompt(1));
  const b = use((await p.acquire(prompt(2))) as FakeSequence, prompt(2));
  p.release(a);
  p.release(b);
  expect(await p.acquire(prompt(2, 7))).toBe(b);
  expect(await p.acquire(prompt(1, 7))).toBe(a);
  expect(((await p.acquire(prompt(3))) as FakeSequence).name).toBe('s2');
});

test('with the sequence holding its header busy, a call waits for it instead of evaluating the header elsewhere', async () => {
  const p = pool(2);
  const a = use((await p.acquire(prompt(1))) as FakeSequence, prompt(1));
  let got: FakeSequence | undefined;
  const waiting = p.acquire(prompt(1, 9)).then((s) => (got = s as FakeSequence));
  await Promise.resolve();
  expect(got).toBeUndefined(); // s1 is free, but holds nothing of this prompt
  p.release(a);
  await waiting;
  expect(got).toBe(a);
});

test('a full queue spills over to a free sequence, which then holds that header too', async () => {
  const p = pool(2, 1);
  const a = use((await p.acquire(prompt(1))) as FakeSequence, prompt(1));
  const queued = p.acquire(prompt(1, 1)); // waits for a
  const spilled = (await p.acquire(prompt(1, 2))) as FakeSequence; // a's queue is full: the free one
  expect(spilled).not.toBe(a);
  use(spilled, prompt(1, 2));
  p.release(a);
  expect(await queued).toBe(a);
  p.release(spilled);
  p.release(a);
  expect(await p.acquire(prompt(1, 3))).toBeDefined();
});

test('with every sequence busy, a call that matches none waits for any, in arrival order with the queued ones', async () => {
  const p = pool(2);
  const a = use((await p.acquire(prompt(1))) as FakeSequence, prompt(1));
  const b = use((await p.acquire(prompt(2))) as FakeSequence, prompt(2));
  const order: string[] = [];
  const other = p.acquire(prompt(3)).then((s) => order.push(`kind 3 got ${(s as FakeSequence).name}`));
  const sameAsA = p.acquire(prompt(1, 5)).then((s) => order.push(`kind 1 got ${(s as FakeSequence).name}`));
  p.release(a); // the call for any arrived first
  await other;
  expect(order).toEqual(['kind 3 got s0']);
  use(a, prompt(3));
  p.release(b);
  p.release(a);
  await sameAsA;
  expect(order).toHaveLength(2);
  expect(() => p.release(new FakeSequence('stranger'))).toThrow(/does not hold/);
});
