/**
 * Where large data lives (trajectories, datasets, reports, models). Workflows pass keys, never the data.
 * A key is a relative, slash-separated path such as `trajectories/traj-q1-0/trajectory.json` (all made in
 * lib/artifact-keys.ts). The port knows nothing of local files: a tool that needs one (the LoRA trainer) works on
 * a local copy (adapters/store/local-copies.ts).
 */
export interface ArtifactStore {
  /** Human-readable location of the store (a directory, a bucket URL). */
  readonly location: string;
  put(key: string, data: string | Uint8Array): Promise<string>;
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
}

export async function putJson(store: ArtifactStore, key: string, value: unknown): Promise<string> {
  return store.put(key, JSON.stringify(value, null, 2) + '\n');
}

export async function getJson<T = unknown>(store: ArtifactStore, key: string): Promise<T> {
  return JSON.parse((await store.get(key)).toString('utf8')) as T;
}
