/**
 * Test doubles for ReST workflows: a ChatModel that answers each step by a rule (keyed by the grammar name),
 * and a FineTuner that records its requests. They live only in tests.
 */
import type { ChatModel, ChatModelProvider, ChatRequest, ChatResult } from '../../ports/chat-model';
import { taskPart } from '../../lib/rest/ranker-prompt';
import type { FineTuneContext, FineTuner, FineTuneRequest, FineTuneResult } from '../../ports/fine-tuner';

export type Rule = (request: ChatRequest, call: number) => string;

export class RuleModel implements ChatModel, ChatModelProvider {
  readonly calls: Array<{ step: string; model?: string }> = [];
  private readonly counters = new Map<string, number>();

  constructor(private readonly rules: Record<string, Rule>, private readonly delayMs = 0) {}

  async get(ref?: string): Promise<ChatModel> {
    return { generate: (r) => this.answer(r, ref) };
  }
  async close(): Promise<void> {}
  generate(request: ChatRequest): Promise<ChatResult> {
    return this.answer(request);
  }

  private async answer(request: ChatRequest, model?: string): Promise<ChatResult> {
    const step = request.grammar?.name ?? 'none';
    const n = this.counters.get(step) ?? 0;
    this.counters.set(step, n + 1);
    this.calls.push({ step, model });
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const rule = this.rules[step];
    if (!rule) throw new Error(`no rule for step ${step}`);
    const text = rule(request, n);
    // Log-probabilities that differ by length, so the lowest-perplexity choice is exercised.
    return { text, promptTokens: 100, completionTokens: text.length, tokenLogprobs: [-0.1 * (1 + (text.length % 3))], finishReason: 'stop', model: model ?? 'rule' };
  }

  count(step: string): number {
    return this.calls.filter((c) => c.step === step).length;
  }
}

/** The two-search-free agent: search once, then terminate and answer. */
export const AGENT_RULES: Record<string, Rule> = {
  decision: (r) => (taskPart(r.messages[1].content).includes('PAST_ACTIONS: List[PastAction] = []') ? 'Search(query="nationality of the director")' : 'Terminate()'),
  summary: () => 'Summary(knowledge="The director is American.", used_results=[1])',
  answer: () => 'Answer(text="yes")',
  relevance_check: () => 'Check_Answer(passed=True)',
  grounding_check: () => 'Check_Answer(passed=True)',
  ranking: () => 'Explanation: the first candidate is grounded.\nAnswer: #1\nRanking: #1 > #2',
  judge: () => 'Judgement(reason="The answer differs from the reference.", implies=False)',
};

export class RecordingFineTuner implements FineTuner {
  readonly name = 'recording';
  readonly requests: FineTuneRequest[] = [];
  private failuresLeft: number;

  constructor(options: { failFirst?: number } = {}) {
    this.failuresLeft = options.failFirst ?? 0;
  }

  async fineTune(request: FineTuneRequest, ctx: FineTuneContext): Promise<FineTuneResult> {
    this.requests.push(request);
    if (this.failuresLeft-- > 0) throw new Error('trainer crashed (transient)');
    ctx.onProgress({ stage: 'running', step: 1, totalSteps: 2, loss: 2 });
    return { model: `ft-${request.jobKey}`, trainLoss: [2, 1.5, 1], outputs: { trainFile: request.trainFile } };
  }
}
