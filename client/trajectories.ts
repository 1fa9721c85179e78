/** Starting trajectory workflows from the CLI and reading their stored trajectories back (through a worker). */
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import type { TemporalSession } from './runtime';
import type { trajectoryWorkflow } from '../workflows/trajectory';
import { trajectoryWorkflowId } from '../lib/workflow-ids';
import { MODEL, modelLabel, QUESTION_ID } from '../lib/search-attributes';
import { runLabel, trajectorySummary } from '../lib/run-summary';
import { webUiWorkflowUrl } from './web-ui';
import { withLocalSteps, type Trajectory, type TrajectoryResult } from '../lib/trajectory';
import { readArtifact } from './artifacts';

export interface AskedQuestion {
  questionId: string;
  question: string;
  sample?: number;
}

export interface AskOutcome {
  result: TrajectoryResult;
  trajectory: Trajectory;
  runId: string;
  uiLink?: string;
}

/** A model ref that names a local file is made absolute, so a worker elsewhere on the machine finds it. */
export function resolveModelRef(ref: string | undefined): string | undefined {
  if (!ref) return ref;
  return ref
    .split('+')
    .map((part) => (fs.existsSync(part) ? path.resolve(part) : part))
    .join('+');
}

export interface AskOptions {
  model?: string;
  /** A search index path for this trajectory; it travels in the workflow input and the worker opens it. */
  searchDb?: string;
}

export async function askOne(session: TemporalSession, q: AskedQuestion, options: AskOptions = {}): Promise<AskOutcome> {
  const { client, config } = session;
  const workflowId = trajectoryWorkflowId(q.questionId, q.sample ?? 0);
  const model = resolveModelRef(options.model);
  const handle = await client.workflow.start<typeof trajectoryWorkflow>('trajectoryWorkflow', {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [{ questionId: q.questionId, question: q.question, model, maxSearches: config.agent.maxSearches, temperature: config.agent.temperature, stepSamples: config.agent.stepSamples, ...(options.searchDb ? { searchDb: path.resolve(options.searchDb) } : {}), ...withLocalSteps(config.temporal) }],
    typedSearchAttributes: [
      { key: QUESTION_ID, value: q.questionId },
      { key: MODEL, value: modelLabel(model) },
    ],
    ...runLabel(trajectorySummary({ questionId: q.questionId, question: q.question, model, sample: q.sample })),
    // Asking the same question again starts a new run under the same id (earlier runs stay in history);
    // if a run is still open (say its command was interrupted), this worker picks it up where it stopped.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
  });
  const result = await handle.result();
  // The worker's store, not this machine's: the worker may run elsewhere.
  const trajectory = JSON.parse(await readArtifact(session, result.trajectoryRef)) as Trajectory;
  return {
    result,
    trajectory,
    runId: handle.firstExecutionRunId,
    uiLink: session.uiUrl ? webUiWorkflowUrl(session.uiUrl, config.temporal.namespace, workflowId, handle.firstExecutionRunId) : undefined,
  };
}
