/**
 * `restact eval calibrate` judges on a worker (calibrateWorkflow), not in the CLI: a rule-based judge double on the
 * real dev server, the client with its own (empty) artifact directory. Exact statistics, verdicts in the labels'
 * order, and the record in the worker's store.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createWorker } from '../../worker';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { getJson } from '../../ports/artifact-store';
import type { Verdict } from '../../lib/eval/judge';
import { taskPart } from '../../lib/rest/ranker-prompt';
import { runCalibrate } from '../../client/commands/calibrate';
import { RuleModel } from '../helpers/rule-model';
import { remoteClientConfig, tempDir, testConfig, workflowTestSuite } from '../helpers/temporal';

const suite = workflowTestSuite();

const LABELS = [
  { questionId: 'q1', question: 'What is the capital of France?', answer: 'Paris', reference: 'Paris', correct: true }, // exact match
  { questionId: 'q2', question: 'Who wrote Hamlet?', answer: '', reference: 'Shakespeare', correct: false }, // empty
  { questionId: 'q3', question: 'Which is the largest city of France?', answer: 'the city of Paris', reference: 'Paris', correct: true }, // judge: True
  { questionId: 'q4', question: 'Who painted the Sistine ceiling?', answer: 'Leonardo', reference: ['Michelangelo', 'Buonarroti'], correct: true }, // judge: False, human True
  { questionId: 'q5', question: 'Is Lyon in France?', answer: 'yes', reference: 'no', correct: false }, // bare yes/no
];

test('the judge runs on a worker; the CLI prints the statistics and stores the verdicts through it', async () => {
  const labelsFile = path.join(tempDir('labels'), 'labels.jsonl');
  fs.writeFileSync(labelsFile, LABELS.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const store = new LocalDirStore(tempDir('worker-store'));
  // The judge double says "implies" only for an answer naming Paris; it is slow, so two judgements overlap.
  const judge = new RuleModel({ judge: (r) => (/ANSWER: str = ".*Paris/.test(taskPart(r.messages[1].content)) ? 'Judgement(reason="Names Paris.", implies=True)' : 'Judgement(reason="Another person.", implies=False)') }, 200);
  const workerConfig = testConfig();
  const worker = await createWorker({ connection: suite.env.nativeConnection, config: workerConfig, deps: { models: judge, search: suite.search, store, agent: workerConfig.agent }, workflowBundle: suite.bundle });
  const clientConfig = remoteClientConfig(suite.env, workerConfig);
  const lines: string[] = [];

  await worker.runUntil(runCalibrate({ labels: labelsFile }, clientConfig, (l) => lines.push(l), () => undefined));

  expect(judge.count('judge')).toBe(2); // q3 and q4; the rules settle the rest
  const text = lines.join('\n');
  expect(text).toContain('5 labelled answers: 1 settled by exact match, 1 empty, 1 bare yes/no against another reference, 2 by the judge, 0 undecided (unparsable).');
  // Verdicts T F T F F against labels T F T T F: agreement 4/5; r = 0.8 / 1.2 for both correlations.
  expect(text).toContain('Agreement 80.0%   Pearson 0.667   Spearman 0.667');
  expect(text).toContain('Judge-model verdicts only (2): agreement 50.0%, Pearson n/a (constant verdicts)');
  expect(text).toMatch(/auto-eval True +2 +0\n/);
  expect(text).toMatch(/auto-eval False +1 +2\n/);
  expect(text).toContain('q4: answer "Leonardo" vs ["Michelangelo","Buonarroti"]; human true, auto-eval false (Another person.)');

  const [key] = await store.list('calibration/');
  expect(lines[lines.length - 1]).toBe(`\nWritten to ${key} (in the workers' artifact store)`);
  const record = await getJson<{ stats: { agreement: number }; rows: Array<{ questionId: string; verdict: Verdict }> }>(store, key);
  expect(record.stats.agreement).toBe(0.8);
  expect(record.rows.map((r) => `${r.questionId}:${r.verdict.source}:${r.verdict.implies}`)).toEqual(['q1:exact_match:true', 'q2:no_answer:false', 'q3:judge:true', 'q4:judge:false', 'q5:yes_no_mismatch:false']);
  expect(fs.existsSync(clientConfig.artifacts.dir)).toBe(false);
}, 60_000);
