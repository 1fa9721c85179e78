/**
 * `restact rerun`: a new trajectory with the same question and configuration as a recorded one (optionally another
 * model), linked back to it by the `RerunOf` search attribute and its memo; then both runs read back from their
 * histories for a diff.
 */
import type { TrajectoryInput, TrajectoryResult } from '../lib/trajectory';
import { MODEL, modelLabel, QUESTION_ID, RERUN_OF } from '../lib/search-attributes';
import { rerunSummary, runLabel } from '../lib/run-summary';
import { rerunWorkflowId } from '../lib/workflow-ids';
import type { trajectoryWorkflow } from '../workflows/trajectory';
import { fetchHistory } from './history';
import type { TemporalSession } from './runtime';
import { trajectoryFromHistory, type ShownTrajectory } from './show';
import { resolveModelRef } from './trajectories';
import { webUiWorkflowUrl } from './web-ui';

export interface Rerun {
  original: ShownTrajectory;
  rerun: ShownTrajectory;
  result: TrajectoryResult;
  uiLink?: string;
}

export async function rerunTrajectory(session: TemporalSession, originalId: string, options: { runId?: string; model?: string; now?: Date } = {}): Promise<Rerun> {
  const { client, config } = session;
  const originalHistory = await fetchHistory(client, originalId, options.runId);
  const original = trajectoryFromHistory(originalHistory, originalId);
  const input: TrajectoryInput = { ...original.input, ...(options.model ? { model: resolveModelRef(options.model) } : {}) };
  const workflowId = rerunWorkflowId(originalId, options.now ?? new Date());
  const handle = await client.workflow.start<typeof trajectoryWorkflow>('trajectoryWorkflow', {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [input],
    typedSearchAttributes: [
      { key: QUESTION_ID, value: input.questionId },
      { key: MODEL, value: modelLabel(input.model) },
      { key: RERUN_OF, value: originalId },
    ],
    ...runLabel(rerunSummary(originalId, input.model), { rerunOf: originalId, rerunOfRunId: originalHistory.events?.[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId ?? undefined }),
  });
  const result = await handle.result();
  // Both sides of the diff come from the histories (parsed values, queries, results), like `replay --show`.
  const rerun = trajectoryFromHistory(await fetchHistory(client, workflowId), workflowId);
  return { original, rerun, result, uiLink: session.uiUrl ? webUiWorkflowUrl(session.uiUrl, config.temporal.namespace, workflowId, handle.firstExecutionRunId) : undefined };
}
