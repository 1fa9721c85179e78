/**
 * Step-level fine-tuning data ("ReST meets ReAct", section 3.5): each selected step output becomes one chat
 * example (system prompt, the step's prompt, the output as the assistant's reply), in the OpenAI fine-tuning
 * chat format that both fine-tuning backends read.
 *
 * Pure (no I/O, no clock, no Math.random): the split and the order are derived from a caller-given seed.
 */
import type { ChatMessage } from '../../ports/chat-model';
import { LLM_STEP_KINDS, type StepKind } from '../agent/types';
import { SYSTEM_PROMPT } from '../agent/steps';
import { hash53 } from '../hash';

export interface ChatExample {
  messages: ChatMessage[];
}

export interface DatasetItem {
  stepKind: StepKind;
  /** The step's prompt (the Python program). */
  prompt: string;
  /** The output to learn (the canonical rendering of the chosen sample). */
  target: string;
  /** Where the item came from (e.g. a step artifact key); for tracing only, not written to the examples. */
  sourceId: string;
}

export interface DatasetOptions {
  /** Share of distinct prompts held out for validation, in [0, 1]. */
  validationFraction: number;
  /** Fixes the split and the order; the same items and seed always give the same dataset. */
  seed: string;
}

export interface SplitCounts {
  train: number;
  validation: number;
}

export interface DatasetStats {
  /** Examples kept (train + validation), after removing duplicates. */
  total: number;
  /** Items dropped because an earlier item had the same prompt and target. */
  duplicatesRemoved: number;
  perStep: Record<StepKind, SplitCounts>;
}

export interface Dataset {
  train: ChatExample[];
  validation: ChatExample[];
  stats: DatasetStats;
}

export function toChatExample(item: { prompt: string; target: string }): ChatExample {
  return {
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: item.prompt },
      { role: 'assistant', content: item.target },
    ],
  };
}


/** A uniform-looking number in [0, 1) for a list of strings (joined unambiguously). */
function unit(...parts: string[]): number {
  return hash53(JSON.stringify(parts)) / 2 ** 53;
}

/**
 * Deduplicates on (prompt, target) (the first item wins), then splits by prompt: a prompt goes to validation
 * when `hash(seed, prompt) < validationFraction`, so all examples of one prompt (different targets) land on the
 * same side. When any example exists, at least one is for training: if the split left training empty, the
 * prompt whose hash is largest (the one closest to the training side) moves to training whole.
 *
 * Each side is put in a seeded pseudo-random order (not grouped by trajectory or step), which matters to a
 * trainer that stops after `maxSteps` without finishing an epoch.
 */
export function buildDataset(items: DatasetItem[], options: DatasetOptions): Dataset {
  const { validationFraction, seed } = options;
  if (!(validationFraction >= 0 && validationFraction <= 1)) {
    throw new RangeError(`buildDataset: validationFraction must be in [0, 1], got ${validationFraction}`);
  }

  const seen = new Set<string>();
  const unique: DatasetItem[] = [];
  for (const item of items) {
    const key = JSON.stringify([item.prompt, item.target]);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(item);
  }

  const promptScore = new Map<string, number>();
  for (const item of unique) if (!promptScore.has(item.prompt)) promptScore.set(item.prompt, unit('split', seed, item.prompt));
  const validationPrompts = new Set([...promptScore].filter(([, score]) => score < validationFraction).map(([prompt]) => prompt));
  if (validationPrompts.size === promptScore.size && promptScore.size > 0) {
    // Everything fell on the validation side: move the prompt closest to the training side.
    const [closest] = [...promptScore].reduce((a, b) => (b[1] > a[1] ? b : a));
    validationPrompts.delete(closest);
  }

  const perStep = Object.fromEntries(LLM_STEP_KINDS.map((k) => [k, { train: 0, validation: 0 }])) as Record<StepKind, SplitCounts>;
  const train: Array<{ item: DatasetItem; key: number }> = [];
  const validation: Array<{ item: DatasetItem; key: number }> = [];
  for (const item of unique) {
    const side = validationPrompts.has(item.prompt) ? 'validation' : 'train';
    (side === 'train' ? train : validation).push({ item, key: unit('order', seed, item.prompt, item.target) });
    (perStep[item.stepKind] ??= { train: 0, validation: 0 })[side]++;
  }
  const ordered = (list: typeof train) => list.sort((a, b) => a.key - b.key).map(({ item }) => toChatExample(item));

  return {
    train: ordered(train),
    validation: ordered(validation),
    stats: { total: unique.length, duplicatesRemoved: items.length - unique.length, perStep },
  };
}

/**
 * One JSON object per line, each line ending with a newline (empty input → empty string). U+0085, U+2028 and
 * U+2029 are written as `\u` escapes: JSON allows them raw, but line readers such as Python's `splitlines()`
 * would split a record there.
 */
export function toJsonl(examples: ChatExample[]): string {
  return examples.map((e) => JSON.stringify(e).replace(/[\u0085\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '\n').join('');
}
