import { buildDataset, ChatExample, DatasetItem, toChatExample, toJsonl } from '../../lib/rest/dataset';
import { SYSTEM_PROMPT } from '../../lib/agent/steps';
import type { StepKind } from '../../lib/agent/types';

const KINDS: StepKind[] = ['decision', 'summary', 'answer', 'relevance_check', 'grounding_check'];

function items(count: number, targetsPerPrompt = 1): DatasetItem[] {
  const out: DatasetItem[] = [];
  for (let i = 0; i < count; i++) {
    for (let t = 0; t < targetsPerPrompt; t++) {
      out.push({ stepKind: KINDS[i % KINDS.length], prompt: `prompt ${i}`, target: `target ${i}.${t}`, sourceId: `src-${i}-${t}` });
    }
  }
  return out;
}

const promptOf = (e: ChatExample) => e.messages[1].content;
const key = (e: ChatExample) => `${e.messages[1].content}\u0000${e.messages[2].content}`;

describe('toChatExample', () => {
  test('system, user, assistant', () => {
    expect(toChatExample({ prompt: 'p', target: 't' })).toEqual({
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: 'p' },
        { role: 'assistant', content: 't' },
      ],
    });
  });
});

describe('buildDataset', () => {
  test('removes duplicate (prompt, target) pairs, keeping different targets of one prompt', () => {
    const input: DatasetItem[] = [
      { stepKind: 'decision', prompt: 'p1', target: 't1', sourceId: 'a' },
      { stepKind: 'decision', prompt: 'p1', target: 't1', sourceId: 'b' },
      { stepKind: 'decision', prompt: 'p1', target: 't2', sourceId: 'c' },
      { stepKind: 'answer', prompt: 'p2', target: 't1', sourceId: 'd' },
      { stepKind: 'answer', prompt: 'p2', target: 't1', sourceId: 'e' },
    ];
    const ds = buildDataset(input, { validationFraction: 0, seed: 's' });
    expect(ds.stats.total).toBe(3);
    expect(ds.stats.duplicatesRemoved).toBe(2);
    expect(ds.train.map(key).sort()).toEqual(['p1\u0000t1', 'p1\u0000t2', 'p2\u0000t1']);
    expect(ds.validation).toEqual([]);
    expect(ds.stats.perStep).toEqual({
      decision: { train: 2, validation: 0 },
      summary: { train: 0, validation: 0 },
      answer: { train: 1, validation: 0 },
      relevance_check: { train: 0, validation: 0 },
      grounding_check: { train: 0, validation: 0 },
    });
  });

  test('splits about validationFraction of the prompts off, deterministically per seed', () => {
    const input = items(1000);
    const a = buildDataset(input, { validationFraction: 0.2, seed: 'round-1' });
    const b = buildDataset(input, { validationFraction: 0.2, seed: 'round-1' });
    expect(a).toEqual(b);
    expect(a.validation.length).toBeGreaterThan(150);
    expect(a.validation.length).toBeLessThan(250);
    expect(a.train.length + a.validation.length).toBe(1000);
    const c = buildDataset(input, { validationFraction: 0.2, seed: 'round-2' });
    expect(c.validation.map(promptOf).sort()).not.toEqual(a.validation.map(promptOf).sort());
  });

  test('the split does not depend on the input order; the output order is seeded, not the input order', () => {
    const input = items(200);
    const a = buildDataset(input, { validationFraction: 0.3, seed: 'x' });
    const b = buildDataset([...input].reverse(), { validationFraction: 0.3, seed: 'x' });
    expect(b.train).toEqual(a.train);
    expect(b.validation).toEqual(a.validation);
    expect(a.train.map(promptOf)).not.toEqual([...a.train.map(promptOf)].sort((p, q) => Number(p.split(' ')[1]) - Number(q.split(' ')[1])));
  });

  test("a prompt's examples never straddle the split", () => {
    const ds = buildDataset(items(300, 3), { validationFraction: 0.4, seed: 'y' });
    const trainPrompts = new Set(ds.train.map(promptOf));
    for (const e of ds.validation) expect(trainPrompts.has(promptOf(e))).toBe(false);
    expect(ds.validation.length % 3).toBe(0);
    expect(ds.train.length % 3).toBe(0);
  });

  test('per-step counts add up', () => {
    const ds = buildDataset(items(100), { validationFraction: 0.25, seed: 'z' });
    const sum = Object.values(ds.stats.perStep).reduce((acc, c) => ({ train: acc.train + c.train, validation: acc.validation + c.validation }), { train: 0, validation: 0 });
    expect(sum).toEqual({ train: ds.train.length, validation: ds.validation.length });
    expect(ds.stats.perStep.decision.train + ds.stats.perStep.decision.validation).toBe(20);
  });

  test('keeps at least one training example (a whole prompt group) when any exist', () => {
    const all = buildDataset(items(5, 2), { validationFraction: 1, seed: 's' });
    expect(all.train.length).toBe(2);
    expect(new Set(all.train.map(promptOf)).size).toBe(1);
    expect(all.validation.length).toBe(8);
    const single = buildDataset(items(1), { validationFraction: 0.999999, seed: 's' });
    expect(single.train).toHaveLength(1);
    expect(single.validation).toHaveLength(0);
  });

  test('empty input', () => {
    const ds = buildDataset([], { validationFraction: 0.1, seed: 's' });
    expect(ds.train).toEqual([]);
    expect(ds.validation).toEqual([]);
    expect(ds.stats.total).toBe(0);
    expect(ds.stats.duplicatesRemoved).toBe(0);
  });

  test('rejects a bad validationFraction', () => {
    expect(() => buildDataset(items(3), { validationFraction: -0.1, seed: 's' })).toThrow(RangeError);
    expect(() => buildDataset(items(3), { validationFraction: 1.5, seed: 's' })).toThrow(RangeError);
    expect(() => buildDataset(items(3), { validationFraction: NaN, seed: 's' })).toThrow(RangeError);
  });
});

describe('toJsonl', () => {
  test('one JSON object per line, each ending with a newline', () => {
    const examples = [toChatExample({ prompt: 'line 1\nline 2 "quoted"', target: 'Search(query="x")' }), toChatExample({ prompt: 'p\u2028q', target: 't' })];
    const text = toJsonl(examples);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines.slice(0, 2).map((l) => JSON.parse(l))).toEqual(examples);
    expect(text.split(/\r\n|\r|\n|\u0085|\u2028|\u2029/)).toHaveLength(3);
    expect(text).toContain('p\\u2028q');
    expect(toJsonl([])).toBe('');
  });
});
