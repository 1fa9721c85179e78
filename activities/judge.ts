/**
 * The auto-eval judge as an activity (calibration judges each labelled answer with it) and the judging step of
 * scoreAnswer (./score-answer.ts): the rule verdicts first (no answer; exact match), else ask the judge
 * model with the judge's grammar, parse strictly, and re-ask with a repair note a bounded number of times. A
 * judge whose output never parses gives an undecided verdict (recorded, counted as not correct), never a guess.
 */
import type { ChatModelProvider } from '../ports/chat-model';
import { judgeRepairNote, judgeSpec, JUDGE_MAX_TOKENS, JUDGE_SYSTEM_PROMPT, parseJudgement, renderJudgePrompt, ruleVerdict, type Verdict } from '../lib/eval/judge';

export interface JudgeCall {
  question: string;
  answer: string | null;
  references: string[];
  /** Judge model ref; unset = the worker's configured model. */
  judgeModel?: string;
}

export async function judgeAnswer(deps: { models: ChatModelProvider; maxRepairs: number }, call: JudgeCall): Promise<Verdict> {
  const rule = ruleVerdict(call.answer, call.references);
  if (rule) return rule;
  const model = await deps.models.get(call.judgeModel);
  const input = { question: call.question, answer: call.answer!, references: call.references };
  const attempts: NonNullable<Verdict['attempts']> = [];
  const tokens = { prompt: 0, completion: 0 };
  const started = Date.now();
  let notes: string[] | undefined;
  let modelName: string | undefined;
  for (let attempt = 0; attempt <= deps.maxRepairs; attempt++) {
    const result = await model.generate({
      messages: [
        { role: 'system', content: JUDGE_SYSTEM_PROMPT },
        { role: 'user', content: renderJudgePrompt(input, notes) },
      ],
      grammar: judgeSpec.grammar,
      temperature: 0,
      maxTokens: JUDGE_MAX_TOKENS,
      stop: ['\n'],
    });
    modelName = result.model;
    tokens.prompt += result.promptTokens;
    tokens.completion += result.completionTokens;
    const parsed = parseJudgement(result.text);
    if (parsed.ok) {
      attempts.push({ raw: result.text });
      return { implies: parsed.value.implies, reason: parsed.value.reason, source: 'judge', attempts, model: modelName, tokens, latencyMs: Date.now() - started };
    }
    attempts.push({ raw: result.text, error: parsed.error });
    notes = [judgeRepairNote(parsed.error)];
  }
  const last = attempts[attempts.length - 1];
  return { implies: null, reason: `judge output unparsable after ${attempts.length} attempt(s): ${last.error}`, source: 'judge_failed', attempts, model: modelName, tokens, latencyMs: Date.now() - started };
}
