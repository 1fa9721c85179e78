/** What the replay fixtures were recorded from (test/replay/record-fixtures.ts) and where they live. */
import path from 'node:path';
import { CampaignSchema } from '../../lib/rest/campaign-settings';

export const FIXTURES_DIR = path.join(__dirname, '../fixtures');

/** The workflow id each fixture ran under: replay needs it, since child workflow ids derive from it. */
export const FIXTURE_WORKFLOW_IDS: Record<string, string> = {
  'trajectory-two-searches': 'traj-two-searches',
  'trajectory-nothing-new': 'traj-nothing-new',
  'trajectory-local-steps': 'traj-local-steps',
  campaign: 'campaign-fixture',
  round: 'campaign-fixture.r0',
  'collect-batch': 'campaign-fixture.r0.collect.batch-0',
  eval: 'eval-fixture',
  'campaign-before-report': 'campaign-fixture-before-report',
  'write-artifact': 'artifact-write-fixture',
  'read-artifact': 'artifact-read-fixture',
  // As a schedule names its runs: the action's id and the scheduled time.
  distillation: 'distill-nightly-2026-11-26T03:00:00Z',
  'distillation-no-new-data': 'distill-nightly-2026-11-27T03:00:00Z',
  calibrate: 'calibrate-fixture',
  'compare-evals': 'eval-compare-fixture',
  'campaign-before-eval-workflow': 'campaign-fixture-before-eval-workflow',
  'round-before-eval-workflow': 'campaign-fixture-before-eval-workflow.r0',
  'collect-batch-before-failure-tally': 'campaign-fixture-before-failure-tally.r0.collect.batch-0',
  'eval-before-failure-tally': 'eval-fixture-before-failure-tally',
};

export const TWO_SEARCHES_QUESTION = 'Were Scott Derrickson and Ed Wood of the same nationality?';

/** Small, but every path of the ReST workflows: a baseline, two rounds, two collect batches per round, sampling. */
export const CAMPAIGN_FIXTURE = {
  questions: 3,
  evalQuestions: 1,
  settings: CampaignSchema.parse({
    name: 'fixture',
    rounds: 2,
    questions: { file: 'unused' },
    evalQuestions: { file: 'unused' },
    samplesPerQuestion: [1],
    stepSamples: 2,
    maxSearches: 2,
    concurrency: 2,
    batchSize: 2,
    evaluation: { baseline: true },
  }),
};
