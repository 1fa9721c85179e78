/**
 * Choosing a step's line by PMI with the question: the grammar's listed lines (finiteLines) are exactly what the
 * grammar admits, the PMI maths, and the LLM step taking the highest-PMI line where config, grammar and model allow
 * it (and decoding as before everywhere else).
 */
import { z } from 'zod';
import { finiteLines, MAX_LISTED_LINES } from '../../lib/call-grammar';
import { pythonCallSpec } from '../../lib/output-spec';
import { argmax, NO_QUESTION, pmiScores } from '../../lib/agent/choice-scoring';
import { specFor } from '../../lib/agent/steps';
import { runLlmStep } from '../../activities/llm-step';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { getJson } from '../../ports/artifact-store';
import type { ChatModel, ChatRequest, ScoreRequest, ScoreResult } from '../../ports/chat-model';
import type { LlmStepRecord } from '../../lib/trajectory';
import { gbnfToRegExp } from '../helpers/gbnf-matcher';
import { ScriptedModel } from '../helpers/scripted-model';
import { STEP_SAMPLES } from '../helpers/step-samples';
import { tempDir } from '../helpers/temporal';

describe('finiteLines: every line a finite grammar admits', () => {
  const calls = [
    { name: 'Pick', args: [{ name: 'text', type: 'str' as const, enum: ['a "quoted" one', 'b'] }, { name: 'ids', type: 'int_list' as const, lists: [[1], [2, 3]] }] },
    { name: 'Check', args: [{ name: 'passed', type: 'bool' as const }] },
    { name: 'Stop', args: [] },
  ];

  test('lists the cross product of each call variant, each line admitted by the GBNF and parsed back', () => {
    const spec = pythonCallSpec({ name: 't', variable: 'x', calls, schema: z.object({ call: z.string() }).passthrough() });
    const lines = spec.grammar.choices!;
    expect(lines).toHaveLength(2 * 2 + 2 + 1);
    expect(lines).toContain(' Pick(text="a \\"quoted\\" one", ids=[2, 3])');
    expect(lines).toContain(' Check(passed=False)');
    expect(lines).toContain(' Stop()');
    const grammar = gbnfToRegExp(spec.grammar.gbnf);
    for (const line of lines) {
      expect(grammar.test(`${line}\n`)).toBe(true);
      expect(spec.parse(line).ok).toBe(true);
    }
  });

  test('none for a free string, or for more lines than are worth scoring', () => {
    expect(finiteLines([{ name: 'Search', args: [{ name: 'query', type: 'str', maxChars: 120 }] }])).toBeUndefined();
    const many = Array.from({ length: MAX_LISTED_LINES + 1 }, (_, i) => `v${i}`);
    expect(finiteLines([{ name: 'Answer', args: [{ name: 'text', type: 'str', enum: many }] }])).toBeUndefined();
  });

  test('the grounded summary lists its statements with the results they come from', () => {
    const lines = specFor('summary', STEP_SAMPLES.summary, 'evidence').grammar.choices!;
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.includes('American director'))).toBe(true);
    expect(lines.some((l) => l.includes('Tim Burton') && l.endsWith('used_results=[1, 3])'))).toBe(true);
    expect(specFor('summary', STEP_SAMPLES.summary, 'free').grammar.choices).toBeUndefined();
  });
});

describe('pmiScores and argmax', () => {
  test('the line the question raises most wins, not the most likely one', () => {
    const withQ = [[-1, -1], [-3, -2], [-4]];
    const withoutQ = [[-0.5, -0.5], [-6, -4], [-4]];
    expect(pmiScores(withQ, withoutQ)).toEqual([-1, 5, 0]);
    expect(argmax(pmiScores(withQ, withoutQ))).toBe(1);
  });

  test('ties go to the first; NaN never wins; nothing is -1', () => {
    expect(argmax([2, 2])).toBe(0);
    expect(argmax([NaN, -3])).toBe(1);
    expect(argmax([])).toBe(-1);
    expect(() => pmiScores([[1]], [])).toThrow('scored 1 lines');
  });
});

/** Scores lines from a table: with the question, the statement about Ed Wood is likelier; the question raises the film's most. */
class ScoringModel extends ScriptedModel implements ChatModel {
  readonly scored: ScoreRequest[] = [];
  async score(request: ScoreRequest): Promise<ScoreResult> {
    this.scored.push(request);
    const blank = request.messages.some((m) => m.content.includes(`ORIGINAL_QUESTION: str = "${NO_QUESTION}"`));
    const logprob = (line: string) => (line.includes('Edward Davis Wood') ? (blank ? -2 : -1) : line.includes('Tim Burton') ? (blank ? -9 : -3) : -20);
    return { tokenLogprobs: request.completions.map((l) => [logprob(l)]), promptTokens: 100, evaluatedTokens: 10, model: 'scoring' };
  }
}

describe('an LLM step chosen by PMI', () => {
  const call = (temperature = 0) => ({ trajectoryId: 't-pmi', index: 2, temperature, input: STEP_SAMPLES.summary });
  const deps = (models: ScriptedModel, pmiSteps: Array<'summary'> = ['summary']) => ({ models, store: new LocalDirStore(tempDir('pmi')), maxRepairs: 1, grounding: 'evidence' as const, pmiSteps });
  const decoded = `Summary(knowledge="${STEP_SAMPLES.summary.results[0].snippet} ${STEP_SAMPLES.summary.results[1].snippet}", used_results=[1, 2])`;

  test('takes the highest-PMI line without decoding, and records how it was chosen', async () => {
    const model = new ScoringModel({});
    const d = deps(model);
    const out = await runLlmStep(d, 'summary', call());
    expect(out.value).toEqual({ call: 'Summary', knowledge: `${STEP_SAMPLES.summary.results[0].snippet} ${STEP_SAMPLES.summary.results[2].snippet}`, used_results: [1, 3] });
    expect(model.calls).toHaveLength(0);
    expect(model.scored).toHaveLength(2);
    expect(model.scored[1].messages.at(-1)!.content).toContain(`ORIGINAL_QUESTION: str = "${NO_QUESTION}"`);
    const record = await getJson<LlmStepRecord<'summary'>>(d.store, out.step.ref);
    expect(record.selection).toBe('highest_pmi');
    expect(record.tokens.prompt).toBe(200);
  });

  test.each([
    ['the step is not configured for it', () => deps(new ScoringModel({ summary: [decoded] }), []), call()],
    ['the step samples at a temperature', () => deps(new ScoringModel({ summary: [decoded] })), call(0.5)],
    ['the model cannot score', () => deps(new ScriptedModel({ summary: [decoded] })), call()],
  ])('decodes as before when %s', async (_why, makeDeps, stepCall) => {
    const d = makeDeps();
    const out = await runLlmStep(d, 'summary', stepCall);
    expect((out.value as { knowledge: string }).knowledge).toMatch(/^Scott Derrickson .* Edward Davis Wood/);
    expect((d.models as ScriptedModel).calls.map((c: ChatRequest) => c.grammar?.name)).toEqual(['summary']);
    const record = await getJson<LlmStepRecord<'summary'>>(d.store, out.step.ref);
    expect(record.selection).toBeUndefined();
  });
});
