/** The auto-eval judge: its prompt and spec, strict parsing of good, malformed and hedged outputs, rule verdicts,
 * and the repair loop (with a scripted model). */
import { describeJudge, judgeSpec, parseJudgement, renderJudgePrompt, ruleVerdict } from '../../lib/eval/judge';
import { judgeAnswer } from '../../activities/judge';
import { ScriptedModel } from '../helpers/scripted-model';

describe('judge output parsing', () => {
  test.each([
    ['Judgement(reason="Both name Canberra.", implies=True)', { reason: 'Both name Canberra.', implies: true }],
    ['Judgement(reason="1991 is not 1989.", implies=False)\n', { reason: '1991 is not 1989.', implies: false }],
    ['judgement = Judgement(reason="Same person.", implies=True)', { reason: 'Same person.', implies: true }],
    ['```\nJudgement(reason="ok", implies=True)\n```', { reason: 'ok', implies: true }],
    ['Judgement("positional reason", True)', { reason: 'positional reason', implies: true }],
  ])('good: %j', (raw, expected) => {
    expect(parseJudgement(raw)).toEqual({ ok: true, value: { call: 'Judgement', ...expected } });
  });

  test.each([
    ['', /empty/],
    ['True', /unknown call `True`/],
    ['Judgement(implies=True)', /missing reason/],
    ['Judgement(reason="", implies=True)', /reason: must not be blank/],
    ['Judgement(reason="unterminated, implies=True)', /./],
    ['Verdict(reason="x", implies=True)', /unknown call `Verdict`/],
  ])('malformed: %j', (raw, error) => {
    const r = parseJudgement(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });

  test.each([
    // A hedge is not a verdict: the strict parser refuses it, and the judge is asked again.
    ['Judgement(reason="Partly right.", implies=Maybe)', /True\/False/],
    ['Judgement(reason="Unsure.", implies=None)', /True\/False/],
    ['Judgement(reason="Could be.", implies="partially")', /True or False/],
    ['Judgement(reason="a", implies=True) or Judgement(reason="b", implies=False)', /unexpected text after the call/],
  ])('hedged: %j', (raw, error) => {
    const r = parseJudgement(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });

  test('one declaration gives grammar, JSON schema and rendering, reason first', () => {
    expect(judgeSpec.grammar.gbnf).toContain('call0 ::= "Judgement(" "reason=" str160 ", implies=" bool ")"');
    expect(judgeSpec.grammar.jsonSchema).toMatchObject({ properties: { action: { anyOf: [{ required: ['call', 'reason', 'implies'] }] } } });
    const line = judgeSpec.grammar.fromJson({ action: { call: 'Judgement', reason: 'r "q"', implies: false } });
    expect(line).toBe('Judgement(reason="r \\"q\\"", implies=False)');
    expect(parseJudgement(line)).toMatchObject({ ok: true, value: { reason: 'r "q"', implies: false } });
  });

  test('the prompt is a Python program ending on the open judgement line, with quoted untrusted text', () => {
    const prompt = renderJudgePrompt({ question: 'Who? """', answer: 'x\ny', references: ['a', 'b'] });
    expect(prompt.endsWith('judgement = ')).toBe(true);
    expect(prompt).toContain('ANSWER: str = "x\\ny"');
    expect(prompt).toContain('REF_ANSWER: str = "a / b"');
    expect(prompt).toContain('QUESTION: str = "Who? \\"\\"\\""');
  });
});

describe('verdicts', () => {
  test('rules settle missing answers and exact matches without a model', () => {
    expect(ruleVerdict(null, ['x'])).toMatchObject({ implies: false, source: 'no_answer' });
    expect(ruleVerdict(' the ', ['x'])).toMatchObject({ implies: false, source: 'no_answer' });
    expect(ruleVerdict('The Eiffel Tower.', ['Eiffel Tower'])).toMatchObject({ implies: true, source: 'exact_match' });
    expect(ruleVerdict('Paris', ['Lyon'])).toBeUndefined();
    // A bare yes/no implies no other reference; a fuller yes/no answer goes to the judge.
    expect(ruleVerdict('Yes.', ['Chief of Protocol'])).toMatchObject({ implies: false, source: 'yes_no_mismatch' });
    expect(ruleVerdict('no', ['yes'])).toMatchObject({ implies: false, source: 'yes_no_mismatch' });
    expect(ruleVerdict('Yes, both are American', ['yes'])).toBeUndefined();
  });

  test('the judge is re-asked with a repair note, then its verdict recorded', async () => {
    const model = new ScriptedModel({ judge: ['Judgement(reason="maybe", implies=Maybe)', 'Judgement(reason="Names the capital.", implies=True)'] });
    const v = await judgeAnswer({ models: model, maxRepairs: 2 }, { question: 'Capital of Australia?', answer: 'It is Canberra', references: ['Canberra'] });
    expect(v).toMatchObject({ implies: true, reason: 'Names the capital.', source: 'judge', model: 'scripted' });
    expect(v.attempts).toHaveLength(2);
    expect(v.attempts![0].error).toMatch(/True\/False/);
    expect(model.calls[1].messages[1].content).toContain('# The previous attempt was not valid');
    expect(model.calls[0].grammar?.name).toBe('judge');
  });

  test('a judge that never gives a parsable verdict leaves it undecided (not a guess)', async () => {
    const model = new ScriptedModel({}, { judge: 'I think so' });
    const v = await judgeAnswer({ models: model, maxRepairs: 1 }, { question: 'q', answer: 'Lyon', references: ['Paris'] });
    expect(v).toMatchObject({ implies: null, source: 'judge_failed' });
    expect(v.attempts).toHaveLength(2);
  });

  test('the embedded 135M judge is labelled weak; a named model is not', () => {
    expect(describeJudge({ provider: 'llama', modelPath: '/m/SmolLM2-135M-Instruct.Q4_1.gguf' }, undefined)).toEqual({ ref: undefined, label: 'SmolLM2-135M-Instruct.Q4_1.gguf (embedded)', weak: true });
    expect(describeJudge({ provider: 'openai', model: 'gpt-x' }, 'judge-model')).toEqual({ ref: 'judge-model', label: 'judge-model', weak: false });
  });
});
