/**
 * Writes one artifact for a client (the CLI staging a campaign's questions), through the worker: the client may
 * run on another machine than the store. Size-bounded, since the text travels in a workflow input.
 */
import type { ArtifactStore } from '../ports/artifact-store';
import { NonRetryableError } from '../ports/errors';
import { MAX_ARTIFACT_TRANSFER_BYTES } from './read-artifact';

export async function writeArtifact(deps: { store: ArtifactStore }, call: { key: string; text: string }): Promise<string> {
  const bytes = Buffer.byteLength(call.text);
  if (bytes > MAX_ARTIFACT_TRANSFER_BYTES) throw new NonRetryableError(`artifact ${call.key} is ${bytes} bytes, more than the ${MAX_ARTIFACT_TRANSFER_BYTES} a client may write through a worker`);
  return deps.store.put(call.key, call.text);
}
