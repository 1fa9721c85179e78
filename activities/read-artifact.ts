/**
 * Reads one artifact for a client (the CLI printing a trajectory or a campaign page), through the worker: the
 * client may run on another machine than the store. Size-bounded, since the text travels in a workflow result.
 * A missing artifact fails the read, or is null when the client asked `ifExists` (reports that may not exist yet).
 */
import type { ArtifactStore } from '../ports/artifact-store';
import { NonRetryableError } from '../ports/errors';

/** Well under Temporal's 2 MB payload limit. */
export const MAX_ARTIFACT_TRANSFER_BYTES = 1_500_000;

export interface ReadArtifactCall {
  key: string;
  ifExists?: boolean;
}

export async function readArtifact(deps: { store: ArtifactStore }, call: ReadArtifactCall): Promise<string | null> {
  if (!(await deps.store.exists(call.key))) {
    if (call.ifExists) return null;
    throw new NonRetryableError(`no artifact ${call.key} in the worker's store (${deps.store.location})`);
  }
  const data = await deps.store.get(call.key);
  if (data.length > MAX_ARTIFACT_TRANSFER_BYTES) {
    throw new NonRetryableError(`artifact ${call.key} is ${data.length} bytes, more than the ${MAX_ARTIFACT_TRANSFER_BYTES} a client may read through a worker; read it from the store (${deps.store.location})`);
  }
  return data.toString('utf8');
}
