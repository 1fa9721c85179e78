/**
 * Replay: a recorded history of trajectoryWorkflow (two searches, then answer and both checks) must replay
 * against today's workflow code without non-determinism errors. A change that alters the command sequence
 * must go behind `patched()`; refresh the fixture only for a deliberate, versioned change:
 *   RECORD_FIXTURES=1 npx jest test/workflow/trajectory.test.ts -t two-search
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';

const historyFromJSON = (json: object) => temporal.api.history.v1.History.fromObject(json);
import { bundleWorkflows } from '../helpers/temporal';

const FIXTURE = path.join(__dirname, '../fixtures/trajectory-two-searches.history.json');

test('the recorded two-search trajectory replays deterministically', async () => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8')));
  expect(history.events?.length).toBeGreaterThan(30);
  const workflowBundle = await bundleWorkflows();
  await expect(Worker.runReplayHistory({ workflowBundle }, history, 'traj-two-searches')).resolves.toBeUndefined();
});

test('replay detects a workflow that no longer matches the history', async () => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8')));
  // Drop the first activity-scheduled event's type: the replayer must notice the mismatch, not ignore it.
  const tampered = { ...history, events: history.events!.map((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name === 'decide' ? { ...e, activityTaskScheduledEventAttributes: { ...e.activityTaskScheduledEventAttributes, activityType: { name: 'search' } } } : e)) };
  const workflowBundle = await bundleWorkflows();
  await expect(Worker.runReplayHistory({ workflowBundle }, tampered, 'traj-two-searches')).rejects.toThrow();
});
