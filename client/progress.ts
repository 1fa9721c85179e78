/** Following a workflow from the CLI: its progress query, polled until it closes (a bar or lines on stderr). */
import type { WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';

/** Calls `onProgress` with the query's answer every `intervalMs` until the workflow closes; returns its result. */
export async function followWorkflow<R, P>(handle: WorkflowHandle, query: QueryDefinition<P>, onProgress: (p: P) => void, intervalMs = 1000): Promise<R> {
  let closed = false;
  const result = handle.result().finally(() => (closed = true)) as Promise<R>;
  result.catch(() => undefined); // awaited below; a failure is not unhandled meanwhile
  while (!closed) {
    // A query fails while no worker holds the workflow (starting, between tasks): the next poll asks again.
    const progress = await handle.query(query).catch(() => undefined);
    if (progress) onProgress(progress);
    await Promise.race([new Promise((r) => setTimeout(r, intervalMs)), result.catch(() => undefined)]);
  }
  return result;
}
