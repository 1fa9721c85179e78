/**
 * Reads one artifact for a client (the CLI printing a trajectory), through the worker: the client may run on
 * another machine than the store. Size-bounded, since the text travels in a workflow result.
 */
import type { ArtifactStore } from '../ports/artifact-store';
import { NonRetryableError } from '../ports/errors';

/** Well under Temporal's 2 MB payload limit. */
export const MAX_ARTIFACT_TRANSFER_BYTES = 1_500_000;

export async function readArtifact(deps: { store: ArtifactStore }, call: { key: string }): Promise<string> {
  if (!(await deps.store.exists(call.key))) throw new NonRetryableError(`no artifact ${call.key} in the worker's store (${deps.store.location})`);
  const data = await deps.store.get(call.key);
  if (data.length > MAX_ARTIFACT_TRANSFER_BYTES) {
    throw new NonRetryableError(`artifact ${call.key} is ${data.length} bytes, more than the ${MAX_ARTIFACT_TRANSFER_BYTES} a client may read through a worker; read it from the store (${deps.store.location})`);
  }
  return data.toString('utf8');
}
