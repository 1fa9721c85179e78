/**
 * Test double for the ChatModel port: answers each step from a script, keyed by the step's grammar name
 * (decision, summary, answer, relevance_check, grounding_check). An `Error` entry is thrown instead.
 * Lives only in tests.
 */
import type { ChatModel, ChatModelProvider, ChatRequest, ChatResult } from '../../ports/chat-model';

export type ScriptEntry = string | Error;

export class ScriptedModel implements ChatModel, ChatModelProvider {
  readonly calls: ChatRequest[] = [];
  /** When each call came, in ms since the epoch (retry delays). */
  readonly callTimes: number[] = [];
  private readonly queues: Map<string, ScriptEntry[]>;

  constructor(script: Record<string, ScriptEntry[]>, private readonly fallback: Record<string, string> = {}) {
    this.queues = new Map(Object.entries(script).map(([k, v]) => [k, [...v]]));
  }

  async get(): Promise<ChatModel> {
    return this;
  }

  async close(): Promise<void> {}

  async generate(request: ChatRequest): Promise<ChatResult> {
    this.calls.push(request);
    this.callTimes.push(Date.now());
    const step = request.grammar?.name ?? 'none';
    const next = this.queues.get(step)?.shift() ?? this.fallback[step];
    if (next === undefined) throw new Error(`script has no output left for step ${step}`);
    if (next instanceof Error) throw next;
    return { text: next, promptTokens: request.messages.reduce((n, m) => n + m.content.length, 0), completionTokens: next.length, finishReason: 'stop', model: 'scripted' };
  }

  callsFor(step: string): ChatRequest[] {
    return this.calls.filter((c) => c.grammar?.name === step);
  }
}
