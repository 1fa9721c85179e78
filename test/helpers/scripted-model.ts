/**
 * Test double for the ChatModel port: answers each step from a script, keyed by the step's grammar name
 * (decision, summary, answer, relevance_check, grounding_check). An `Error` entry is thrown instead; a function
 * entry answers from the request (e.g. `firstAllowed`, the first output a per-call grammar admits).
 * Lives only in tests.
 */
import type { ChatModel, ChatModelProvider, ChatRequest, ChatResult } from '../../ports/chat-model';

export type ScriptEntry = string | Error | ((request: ChatRequest) => string);

/**
 * The first output the request's grammar allows, read from its JSON schema: the first variant of the call, with
 * each argument's first allowed value (an enum's first string, an allowed list's first list). For grounded steps,
 * whose allowed values are the step's own evidence.
 */
export function firstAllowed(request: ChatRequest): string {
  const schema = request.grammar!.jsonSchema as { properties: { action: { anyOf: Array<{ properties: Record<string, { enum?: unknown[]; type?: string }> }> } } };
  const variant = schema.properties.action.anyOf[0].properties;
  const free = (type?: string) => (type === 'boolean' ? true : type === 'array' ? [] : 'x');
  const action = Object.fromEntries(Object.entries(variant).map(([k, v]) => [k, v.enum ? v.enum[0] : free(v.type)]));
  return request.grammar!.fromJson({ action });
}

export class ScriptedModel implements ChatModel, ChatModelProvider {
  readonly calls: ChatRequest[] = [];
  /** When each call came, in ms since the epoch (retry delays). */
  readonly callTimes: number[] = [];
  private readonly queues: Map<string, ScriptEntry[]>;

  constructor(script: Record<string, ScriptEntry[]>, private readonly fallback: Record<string, ScriptEntry> = {}) {
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
    const text = typeof next === 'function' ? next(request) : next;
    return { text, promptTokens: request.messages.reduce((n, m) => n + m.content.length, 0), completionTokens: text.length, finishReason: 'stop', model: 'scripted' };
  }

  callsFor(step: string): ChatRequest[] {
    return this.calls.filter((c) => c.grammar?.name === step);
  }
}
