import fs from 'node:fs';
import path from 'node:path';
import { loadCampaignSettings } from '../../client/campaigns';
import { samplesForRound } from '../../lib/rest/round-plan';
import { tempDir } from '../helpers/temporal';

const EXAMPLE = path.join(__dirname, '../../examples/sample-campaign.json');

test('the sample campaign config is valid; question files resolve against the config file', () => {
  const s = loadCampaignSettings(EXAMPLE);
  expect(s.rounds).toBe(2);
  expect(fs.existsSync(s.questions.file)).toBe(true);
  expect(fs.existsSync(s.corpus!)).toBe(true);
});

test('paper defaults fill what a config leaves out', () => {
  const dir = tempDir('campaign-config');
  const file = path.join(dir, 'c.json');
  fs.writeFileSync(file, JSON.stringify({ campaign: { questions: { file: 'q.jsonl' }, evalQuestions: { file: 'e.jsonl' } } }));
  const s = loadCampaignSettings(file);
  expect(s).toMatchObject({ rounds: 2, stepSamples: 4, temperature: 0.5, maxSearches: 10, samplesPerQuestion: [1, 2] });
  expect([0, 1, 2, 3].map((r) => samplesForRound(s, r))).toEqual([1, 2, 2, 2]);
  expect(s.questions.file).toBe(path.join(dir, 'q.jsonl'));
});

test('a bad campaign field gets one message naming it', () => {
  const dir = tempDir('campaign-config');
  const file = path.join(dir, 'c.json');
  fs.writeFileSync(file, JSON.stringify({ campaign: { rounds: 0, questions: { file: 'q.jsonl' }, evalQuestions: {} } }));
  expect(() => loadCampaignSettings(file)).toThrow(/campaign\.rounds: .*\n.*campaign\.evalQuestions\.file/s);
  fs.writeFileSync(file, JSON.stringify({ llm: { provider: 'llama' } }));
  expect(() => loadCampaignSettings(file)).toThrow(/has no "campaign" section/);
});
