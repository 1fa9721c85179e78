/** Distillation's pure parts: the latest campaign, its teacher data, merging datasets; the `distill` config section. */
import { campaignTeacher, distillationEvaluation, formatDistillationEvaluation, latestCampaign, mergeJsonl, registeredTime, validationKeyOf } from '../../lib/distill/plan';
import type { EvalOutcome } from '../../lib/eval/report';
import { DistillSchema } from '../../lib/distill/settings';

test('the latest campaign: by registration time, else by the time stamped in its id', () => {
  expect(registeredTime({ campaignId: 'sample-20261125-101500' })).toBe('2026-11-25T10:15:00.000Z');
  expect(registeredTime({ campaignId: 'no-stamp' })).toBe('');
  expect(latestCampaign([{ campaignId: 'a-20261125-101500' }, { campaignId: 'b-20261126-000000' }, { campaignId: 'c-20261124-000000' }])).toBe('b-20261126-000000');
  expect(latestCampaign([{ campaignId: 'b-20261126-000000' }, { campaignId: 'plain', registeredAt: '2026-11-27T00:00:00.000Z' }])).toBe('plain');
  expect(latestCampaign([])).toBeUndefined();
});

test("a campaign's teacher: every round's training set in round order, and the last round's model", () => {
  const entry = (campaignId: string, round: number) => ({ campaignId, round, model: `m-${campaignId}-${round}`, datasetKey: `campaigns/${campaignId}/round-${round}/dataset/train.jsonl` });
  expect(campaignTeacher([entry('c', 1), entry('x', 0), entry('c', 0)], 'c')).toEqual({ datasetKeys: ['campaigns/c/round-0/dataset/train.jsonl', 'campaigns/c/round-1/dataset/train.jsonl'], model: 'm-c-1' });
  expect(campaignTeacher([entry('x', 0)], 'c')).toBeUndefined();
  expect(validationKeyOf('campaigns/c/round-0/dataset/train.jsonl')).toBe('campaigns/c/round-0/dataset/validation.jsonl');
  expect(validationKeyOf('chosen/data.jsonl')).toBeUndefined();
});

test('merged datasets keep each line once', () => {
  expect(mergeJsonl(['{"a":1}\n{"b":2}\n', '{"b":2}\n\n{"c":3}'])).toEqual({ text: '{"a":1}\n{"b":2}\n{"c":3}\n', lines: 3, duplicatesRemoved: 1 });
  expect(mergeJsonl(['', '\n'])).toEqual({ text: '', lines: 0, duplicatesRemoved: 0 });
});

test('the distill section: defaults; chosen datasets need the teacher model; unknown fields are named', () => {
  const d = DistillSchema.parse({});
  expect(d).toMatchObject({ name: 'nightly', student: 'base', teacher: { campaign: 'latest' }, evaluation: { runs: 1, temperature: 0 } });
  expect(d.fineTune.epochs).toBe(2);
  const noModel = DistillSchema.safeParse({ teacher: { datasets: ['x/train.jsonl'] } });
  expect(noModel.success).toBe(false);
  expect(noModel.error!.issues[0]).toMatchObject({ path: ['teacher', 'model'], message: expect.stringContaining('teacher.model') });
  const typo = DistillSchema.safeParse({ studnet: 'base' });
  expect(typo.error!.issues[0].message).toMatch(/studnet/);
});

test("the run's evaluation: both models' headline scores, and only the student-minus-teacher differences", () => {
  const est = (value: number | null) => ({ value, low: value, high: value, n: 4 });
  const model = (name: string, autoEval: number, em: number, f1: number) => ({
    model: name, questions: 4, answers: 4, runs: 1, judge: { byModel: 2, byRule: 2, undecided: 0 },
    metrics: { autoEval: est(autoEval), em: est(em), f1: est(f1), answered: est(1) },
  });
  const diff = (metric: string, a: string, b: string, value: number, low: number, high: number) => ({ metric, a, b, value, low, high, n: 4, excludesZero: low > 0 || high < 0 });
  const outcome: EvalOutcome = {
    evalId: 'distill-nightly-2026-11-26T03:00:00Z',
    files: { json: 'distillations/r/eval/report.json', markdown: 'distillations/r/eval/report.md', accuracyChart: 'a.svg', behaviourChart: 'b.svg' },
    judge: { label: 'rules', weak: false },
    models: [model('teacher', 0.75, 0.5, 0.6), model('student', 0.5, 0.25, 0.4)],
    paired: [diff('autoEval', 'teacher', 'student', -0.25, -0.5, 0), diff('em', 'teacher', 'student', -0.25, -0.5, -0.25), diff('autoEval', 'baseline', 'student', 0.1, 0, 0.2)],
  };
  const e = distillationEvaluation('distill-nightly-2026-11-26T03:00:00Z.eval', outcome);
  expect(e).toEqual({
    workflowId: 'distill-nightly-2026-11-26T03:00:00Z.eval',
    report: 'distillations/r/eval/report.md',
    questions: 4,
    student: { autoEval: 0.5, em: 0.25, f1: 0.4 },
    teacher: { autoEval: 0.75, em: 0.5, f1: 0.6 },
    studentMinusTeacher: [outcome.paired[0], outcome.paired[1]],
  });
  expect(formatDistillationEvaluation(e)).toBe(
    'held-out auto-eval on 4 question(s): student 50.0% vs teacher 75.0% (student - teacher -25.0 pts [-50.0, +0.0], CI includes 0); report distillations/r/eval/report.md',
  );
  expect(() => distillationEvaluation('x', { ...outcome, models: [outcome.models[0]] })).toThrow('has no model student');
});
