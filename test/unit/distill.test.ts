/** Distillation's pure parts: the latest campaign, its teacher data, merging datasets; the `distill` config section. */
import { campaignTeacher, latestCampaign, mergeJsonl, registeredTime, validationKeyOf } from '../../lib/distill/plan';
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
