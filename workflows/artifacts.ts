/**
 * A client's way into the artifact store: the store belongs to the workers (a directory on their machines, or a
 * location they share), and the CLI may run elsewhere. Each workflow is one size-bounded activity on a worker.
 */
import { io } from './activity-options';

/** The text of one artifact (the CLI printing a trajectory); with `ifExists`, null for a missing one. */
export async function readArtifactWorkflow(key: string, ifExists = false): Promise<string | null> {
  return io.readArtifact({ key, ifExists });
}

/** Writes one artifact (the CLI staging a campaign's questions); returns its key. */
export async function writeArtifactWorkflow(key: string, text: string): Promise<string> {
  return io.writeArtifact({ key, text });
}
