/**
 * Replay: recorded histories of every workflow must replay against today's workflow code without
 * non-determinism errors, through the SDK's replayer and through `restact replay --file`. A change that alters a
 * workflow's command sequence must go behind `patched()`; re-record a fixture (`npm run record-fixtures -- NAME`, see
 * record-fixtures.ts) only for such a deliberate change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import * as workflows from '../../workflows';
import { bundleWorkflows, installQuietRuntime } from '../helpers/temporal';
import { restact } from '../helpers/cli';
import { nondeterministicCopy } from '../helpers/workflow-copy';
import { FIXTURE_WORKFLOW_IDS, FIXTURES_DIR, TWO_SEARCHES_QUESTION } from './fixtures';
import { recordedActivities } from '../../client/history';
import { stepsFromHistory } from '../../lib/history-steps';

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
  ['trajectory-local-steps', 'trajectoryWorkflow'],
  ['campaign', 'campaignWorkflow'],
  ['round', 'restRoundWorkflow'],
  ['collect-batch', 'collectBatchWorkflow'],
  ['eval', 'evalWorkflow'],
  ['distillation', 'distillationWorkflow'],
  ['calibrate', 'calibrateWorkflow'],
  ['compare-evals', 'compareEvalsWorkflow'],
])('the recorded %s history replays deterministically', async (name, type) => {
  const history = load(name);
  expect(history.events![0].workflowExecutionStartedEventAttributes?.workflowType?.name).toBe(type);
  // compareEvals runs one activity; a trajectory of local steps records each as one marker event.
  expect(history.events!.length).toBeGreaterThan(type === 'compareEvalsWorkflow' ? 5 : name === 'trajectory-local-steps' ? 15 : 30);
  await expect(Worker.runReplayHistory({ workflowBundle }, history, FIXTURE_WORKFLOW_IDS[name])).resolves.toBeUndefined();
});

test("a trajectory recorded before patched('stop-when-nothing-new') replays; the new path ends the searches when one finds nothing new", async () => {
  const before = load('trajectory-two-searches');
  expect(patches(before)).not.toContain('stop-when-nothing-new');
  const after = load('trajectory-nothing-new');
  expect(patches(after)).toContain('stop-when-nothing-new');
  // Two searches, one summary: the second search found nothing, so no summary and no third decision.
  expect(activityTypes(after).filter((t) => t === 'search')).toHaveLength(2);
  expect(activityTypes(after).filter((t) => t === 'summarize')).toHaveLength(1);
  expect(activityTypes(after).filter((t) => t === 'decide')).toHaveLength(2);
  await expect(Worker.runReplayHistory({ workflowBundle }, after, FIXTURE_WORKFLOW_IDS['trajectory-nothing-new'])).resolves.toBeUndefined();
});

test("trajectories recorded before patched('local-agent-steps') replay with their steps as activities; new ones run them as local activities, shown alike", async () => {
  const before = load('trajectory-two-searches');
  const after = load('trajectory-local-steps');
  expect(patches(before)).not.toContain('local-agent-steps');
  expect(patches(after)).toContain('local-agent-steps');
  expect(activityTypes(after)).toEqual([]);
  expect(markers(after).filter((m) => m === 'core_local_activity')).toHaveLength(activityTypes(before).length);
  // A third of the events: no scheduled/started/completed triple and no workflow task per step.
  expect(after.events!.length).toBeLessThan(before.events!.length / 2);
  await expect(Worker.runReplayHistory({ workflowBundle }, after, FIXTURE_WORKFLOW_IDS['trajectory-local-steps'])).resolves.toBeUndefined();
  // `replay --show` reads the same steps, inputs included, from either history alone.
  const shown = (h: History) => stepsFromHistory(recordedActivities(h)).map(({ index, kind, status, query, parsed }) => ({ index, kind, status, query, parsed }));
  expect(shown(after)).toEqual(shown(before));
  const inputs = stepsFromHistory(recordedActivities(after)).filter((s) => s.kind !== 'search').map((s) => (s.input as { question?: string }).question);
  expect(new Set(inputs)).toEqual(new Set([TWO_SEARCHES_QUESTION]));
  expect(shown(after).map((s) => s.kind)).toEqual(['decision', 'search', 'summary', 'decision', 'search', 'summary', 'decision', 'answer', 'relevance_check', 'grounding_check']);
  expect(shown(after)[1].query).toBe('Scott Derrickson nationality');
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

test('a distillation fine-tunes the student and evaluates it beside the teacher in an evalWorkflow; one that found no new data only records that', async () => {
  const distilled = load('distillation');
  expect(activityTypes(distilled)).toEqual(['prepareDistillation', 'fineTune', 'recordDistillation']);
  expect(childTypes(distilled)).toEqual(['evalWorkflow']);
  const noNewData = load('distillation-no-new-data');
  expect(noNewData.events![0].workflowExecutionStartedEventAttributes?.workflowType?.name).toBe('distillationWorkflow');
  expect(activityTypes(noNewData)).toEqual(['prepareDistillation', 'recordDistillation']);
  expect(childTypes(noNewData)).toEqual([]);
  await expect(Worker.runReplayHistory({ workflowBundle }, noNewData, FIXTURE_WORKFLOW_IDS['distillation-no-new-data'])).resolves.toBeUndefined();
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

const FIXTURE_FILES = fs.readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.history.json')).sort();
const typeOf = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, file), 'utf8')).events[0].workflowExecutionStartedEventAttributes.workflowType.name as string;

test('every workflow type the worker registers has a committed history fixture', () => {
  expect([...new Set(FIXTURE_FILES.map(typeOf))].sort()).toEqual(Object.keys(workflows).sort());
});

test.each(FIXTURE_FILES)('restact replay --file %s: ok, exit 0', async (file) => {
  const r = await restact(['replay', '--file', path.join(FIXTURES_DIR, file)], { TEMPORAL_ADDRESS: undefined });
  expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^ok: \\S+ \\(${typeOf(file)}, \\d+ events, ${file}\\) replays against the current workflow code`))]);
}, 60_000);

test('restact replay catches a deliberately non-deterministic copy of the workflow code, and names the event', async () => {
  const copy = nondeterministicCopy();
  try {
    const r = await restact(['replay', '--file', path.join(FIXTURES_DIR, 'trajectory-two-searches.history.json'), '--workflows', copy.workflowsPath], { TEMPORAL_ADDRESS: undefined });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('NON-DETERMINISTIC: traj-two-searches (trajectoryWorkflow, 72 events, trajectory-two-searches.history.json)');
    // The copy starts a timer where the history scheduled the first decision.
    expect(r.stdout).toContain('error: [TMPRL1100] Nondeterminism error: Timer machine does not handle this event: HistoryEvent(id: 5, ActivityTaskScheduled)');
    expect(r.stdout).toContain('at:    event 5 (ActivityTaskScheduled decide), a command of the workflow task completed at event 4');
    // The same history against the current code replays.
    expect((await restact(['replay', '--file', path.join(FIXTURES_DIR, 'trajectory-two-searches.history.json')], { TEMPORAL_ADDRESS: undefined })).code).toBe(0);
  } finally {
    copy.remove();
  }
}, 60_000);
