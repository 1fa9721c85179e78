/**
 * Replay: recorded histories of every workflow must replay against today's workflow code without
 * non-determinism errors. A change that alters a workflow's command sequence must go behind `patched()`; re-record
 * a fixture (`npm run record-fixtures -- NAME`, see record-fixtures.ts) only for such a deliberate change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { bundleWorkflows, installQuietRuntime } from '../helpers/temporal';
import { FIXTURE_WORKFLOW_IDS, FIXTURES_DIR } from './fixtures';

type History = temporal.api.history.v1.History;
let workflowBundle: Awaited<ReturnType<typeof bundleWorkflows>>;

beforeAll(async () => {
  installQuietRuntime();
  workflowBundle = await bundleWorkflows();
}, 60_000);

function load(name: string): History {
  return temporal.api.history.v1.History.fromObject(JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, `${name}.history.json`), 'utf8')));
}

const activityTypes = (h: History) => h.events!.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
const childTypes = (h: History) => h.events!.map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name).filter(Boolean);
const markers = (h: History) => h.events!.map((e) => e.markerRecordedEventAttributes?.markerName).filter(Boolean);
/** The ids of the `patched()` calls a history recorded, in order. */
const patches = (h: History) =>
  h.events!.flatMap((e) => e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? []).map((p) => (JSON.parse(Buffer.from(p.data!).toString('utf8')) as { id: string }).id);

test.each([
  ['trajectory-two-searches', 'trajectoryWorkflow'],
  ['campaign', 'campaignWorkflow'],
  ['round', 'restRoundWorkflow'],
  ['collect-batch', 'collectBatchWorkflow'],
  ['eval', 'evalWorkflow'],
])('the recorded %s history replays deterministically', async (name, type) => {
  const history = load(name);
  expect(history.events![0].workflowExecutionStartedEventAttributes?.workflowType?.name).toBe(type);
  expect(history.events!.length).toBeGreaterThan(30);
  await expect(Worker.runReplayHistory({ workflowBundle }, history, FIXTURE_WORKFLOW_IDS[name])).resolves.toBeUndefined();
});

test("a campaign recorded before patched('campaign-report') replays: the old path skips the report", async () => {
  const before = load('campaign-before-report');
  expect(activityTypes(before)).not.toContain('writeCampaignReport');
  expect(markers(before)).toEqual([]);
  await expect(Worker.runReplayHistory({ workflowBundle }, before, FIXTURE_WORKFLOW_IDS['campaign-before-report'])).resolves.toBeUndefined();
  // The new path, for contrast: the patch marker, then the report activity.
  const after = load('campaign');
  expect(activityTypes(after)).toContain('writeCampaignReport');
  expect(patches(after)).toContain('campaign-report');
});

test.each([
  ['campaign-before-eval-workflow', 'campaign', 'campaignWorkflow', ['campaign-report']],
  ['round-before-eval-workflow', 'round', 'restRoundWorkflow', []],
])("a %s history replays: its evaluation ran in collect batches and scoreEvaluation, not in evalWorkflow", async (name, now, type, otherPatches) => {
  const before = load(name);
  expect(before.events![0].workflowExecutionStartedEventAttributes?.workflowType?.name).toBe(type);
  expect(activityTypes(before)).toContain('scoreEvaluation');
  expect(childTypes(before)).not.toContain('evalWorkflow');
  expect(patches(before)).toEqual(otherPatches);
  await expect(Worker.runReplayHistory({ workflowBundle }, before, FIXTURE_WORKFLOW_IDS[name])).resolves.toBeUndefined();
  // The new path, for contrast: the patch marker, then an evalWorkflow child instead of scoreEvaluation.
  const after = load(now);
  expect(activityTypes(after)).not.toContain('scoreEvaluation');
  expect(childTypes(after)).toContain('evalWorkflow');
  expect(patches(after)).toEqual(expect.arrayContaining(['eval-workflow', ...otherPatches]));
});

test.each([
  ['collect-batch-before-failure-tally', 'collect-batch', 'collectBatchWorkflow'],
  ['eval-before-failure-tally', 'eval', 'evalWorkflow'],
])("a %s history replays: it added up no failed model calls", async (name, now, type) => {
  const before = load(name);
  expect(before.events![0].workflowExecutionStartedEventAttributes?.workflowType?.name).toBe(type);
  expect(activityTypes(before)).not.toContain('tallyFailures');
  expect(patches(before)).not.toContain('failure-tally');
  await expect(Worker.runReplayHistory({ workflowBundle }, before, FIXTURE_WORKFLOW_IDS[name])).resolves.toBeUndefined();
  // The new path, for contrast: the patch marker, then the tally.
  const after = load(now);
  expect(activityTypes(after)).toContain('tallyFailures');
  expect(patches(after)).toContain('failure-tally');
});

test('replay detects a workflow that no longer matches the history', async () => {
  const history = load('trajectory-two-searches');
  // Rename the first scheduled `decide` to `search`: the replayer must notice the mismatch, not ignore it.
  const tampered = { ...history, events: history.events!.map((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name === 'decide' ? { ...e, activityTaskScheduledEventAttributes: { ...e.activityTaskScheduledEventAttributes, activityType: { name: 'search' } } } : e)) };
  await expect(Worker.runReplayHistory({ workflowBundle }, tampered as History, FIXTURE_WORKFLOW_IDS['trajectory-two-searches'])).rejects.toThrow();
});
