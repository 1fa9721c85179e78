/**
 * The CLI's access to the artifact store: through a worker (workflows/artifacts.ts), never by opening the store
 * itself, so it works when the CLI runs on another machine than the workers and their store. Size-bounded.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { readArtifactWorkflow, writeArtifactWorkflow } from '../workflows/artifacts';
import { artifactTransferWorkflowId } from '../lib/workflow-ids';
import { MAX_ARTIFACT_TRANSFER_BYTES } from '../activities/read-artifact';
import { NonRetryableError } from '../ports/errors';
import type { TemporalSession } from './runtime';

/** Long enough for a busy worker to free an activity slot; short enough that "no worker is running" gets an answer. */
const TRANSFER_TIMEOUT = '10 minutes';

export async function readArtifact(session: TemporalSession, key: string): Promise<string> {
  return (await read(session, key, false))!; // without ifExists the worker fails on a missing artifact
}

/** The artifact's text, or undefined when the workers' store has none under `key`. */
export async function readArtifactIfExists(session: TemporalSession, key: string): Promise<string | undefined> {
  return (await read(session, key, true)) ?? undefined;
}

async function read(session: TemporalSession, key: string, ifExists: boolean): Promise<string | null> {
  return transfer(session, 'read', key, () =>
    session.client.workflow.execute<typeof readArtifactWorkflow>('readArtifactWorkflow', {
      taskQueue: session.config.temporal.taskQueue,
      workflowId: artifactTransferWorkflowId('read', randomUUID()),
      workflowExecutionTimeout: TRANSFER_TIMEOUT,
      args: [key, ifExists],
    }),
  );
}

export async function writeArtifact(session: TemporalSession, key: string, text: string): Promise<string> {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_ARTIFACT_TRANSFER_BYTES) throw new NonRetryableError(`${key} is ${bytes} bytes; the CLI sends at most ${MAX_ARTIFACT_TRANSFER_BYTES} through a worker`);
  return transfer(session, 'write', key, () =>
    session.client.workflow.execute<typeof writeArtifactWorkflow>('writeArtifactWorkflow', {
      taskQueue: session.config.temporal.taskQueue,
      workflowId: artifactTransferWorkflowId('write', randomUUID()),
      workflowExecutionTimeout: TRANSFER_TIMEOUT,
      args: [key, text],
    }),
  );
}

/**
 * Where an artifact is, for the user: a local path with the embedded dev server (its only worker is this process's,
 * whose store is this machine's configured folder), else the key in the workers' store.
 */
export function artifactLocation(session: TemporalSession, key: string): string {
  return session.embedded ? path.join(session.config.artifacts.dir, key) : `${key} (in the workers' artifact store)`;
}

/** A failed transfer says what failed on the worker, not just "workflow failed". */
async function transfer<T>(session: TemporalSession, direction: 'read' | 'write', key: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof WorkflowFailedError)) throw e;
    let cause: Error | undefined = e;
    while (cause?.cause instanceof Error) cause = cause.cause;
    const why = cause === e ? `${e.message} (is a worker polling task queue ${session.config.temporal.taskQueue}?)` : cause!.message;
    throw new NonRetryableError(`could not ${direction} ${key} through a worker: ${why}`);
  }
}
