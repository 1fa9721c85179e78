/** The pure parts of `restact replay`, `--show` and `rerun`: reading replay errors, steps from a history, the step diff. */
import { coreMessage, eventTypeName, isNondeterminism, namedActivityType, namedEventId } from '../../lib/replay-errors';
import { stepsFromHistory, type RecordedActivity } from '../../lib/history-steps';
import { diffSteps } from '../../lib/trajectory-diff';
import { rerunWorkflowId } from '../../lib/workflow-ids';
import { oneLine, runLabel, trajectorySummary } from '../../lib/run-summary';

const SDK_MESSAGE =
  'Replay failed with a nondeterminism error. This means that the workflow code as written is not compatible with the history that was fed in. Details: Workflow activation completion failed: Failure { failure: Some(Failure { message: "[TMPRL1100] Nondeterminism error: Activity type of scheduled event \'search\' does not match activity type of activity command \'readArtifact\'", source: "", stack_trace: "" }) }';

test('the core message, the event and the activity type it names', () => {
  expect(coreMessage(SDK_MESSAGE)).toBe("[TMPRL1100] Nondeterminism error: Activity type of scheduled event 'search' does not match activity type of activity command 'readArtifact'");
  expect(isNondeterminism(coreMessage(SDK_MESSAGE))).toBe(true);
  expect(namedActivityType(coreMessage(SDK_MESSAGE))).toBe('search');
  expect(namedEventId(coreMessage(SDK_MESSAGE))).toBeUndefined();
  expect(namedEventId('Timer machine does not handle this event: HistoryEvent(id: 11, ActivityTaskScheduled)')).toBe(11);
  expect(coreMessage('a plain error\n')).toBe('a plain error');
  expect(eventTypeName('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')).toBe('ActivityTaskScheduled');
  expect(eventTypeName('EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED')).toBe('StartChildWorkflowExecutionInitiated');
});

test('steps from recorded activities: parsed values, search results, unparsable outputs, failed activities; bookkeeping left out', () => {
  const ref = (index: number, kind: string, status = 'ok') => ({ index, kind, status, ref: `trajectories/t/steps/0${index}-${kind}.json` });
  const activities: RecordedActivity[] = [
    { scheduledEventId: 5, activityType: 'decide', status: 'completed', attempts: 1, input: { index: 0, input: { question: 'Q' } }, result: { step: ref(0, 'decision'), value: { call: 'Search', query: 'q1' } } },
    { scheduledEventId: 11, activityType: 'search', status: 'completed', attempts: 1, input: { index: 1, query: 'q1' }, result: { step: ref(1, 'search'), results: [{ title: 'T', snippet: 'S' }] } },
    { scheduledEventId: 17, activityType: 'summarize', status: 'completed', attempts: 2, input: { index: 2, input: {} }, result: { step: ref(2, 'summary', 'failed'), error: 'unparsable', raw: 'junk' } },
    { scheduledEventId: 23, activityType: 'generateAnswer', status: 'failed', attempts: 5, input: { index: 3, input: {} }, failure: 'Error: model down' },
    { scheduledEventId: 29, activityType: 'saveTrajectory', status: 'completed', attempts: 1, input: {}, result: 'trajectories/t/trajectory.json' },
  ];
  expect(stepsFromHistory(activities)).toEqual([
    expect.objectContaining({ index: 0, kind: 'decision', status: 'ok', parsed: { call: 'Search', query: 'q1' }, ref: 'trajectories/t/steps/00-decision.json' }),
    expect.objectContaining({ index: 1, kind: 'search', status: 'ok', query: 'q1', results: [{ title: 'T', snippet: 'S' }] }),
    expect.objectContaining({ index: 2, kind: 'summary', status: 'failed', raw: 'junk', error: 'unparsable', attempts: 2 }),
    expect.objectContaining({ index: 3, kind: 'answer', status: 'activity failed', error: 'Error: model down', attempts: 5 }),
  ]);
});

test('the step diff aligns the common steps and pairs the rest', () => {
  expect(diffSteps(['d:S(a)', 's:a', 'm:x', 'd:T', 'ans:yes', 'chk'], ['d:T', 'ans:no', 'chk', 'extra'])).toEqual([
    { mark: 'only left', left: 'd:S(a)' },
    { mark: 'only left', left: 's:a' },
    { mark: 'only left', left: 'm:x' },
    { mark: 'same', left: 'd:T', right: 'd:T' },
    { mark: 'changed', left: 'ans:yes', right: 'ans:no' },
    { mark: 'same', left: 'chk', right: 'chk' },
    { mark: 'only right', right: 'extra' },
  ]);
  expect(diffSteps([], [])).toEqual([]);
});

test('rerun ids and summary lines', () => {
  expect(rerunWorkflowId('traj-q1-0', new Date('2026-11-25T10:15:00.123Z'))).toBe('traj-q1-0.rerun-20261125-101500');
  expect(oneLine('a\n  b', 80)).toBe('a b');
  expect(oneLine('x'.repeat(100), 10)).toBe('xxxxxxxxx…');
  expect(trajectorySummary({ questionId: 'q1', question: 'Who?', model: 'base', sample: 1 })).toBe('q1 sample 1: "Who?" (model base)');
  expect(runLabel('s', { rerunOf: 'x' })).toEqual({ memo: { summary: 's', rerunOf: 'x' }, staticSummary: 's' });
});
