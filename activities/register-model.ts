/**
 * The model registry: each round's model with its data, scores and parent. One file per (campaign, round), so
 * concurrent rounds never overwrite each other's entries (a single shared file lost them to read-modify-write races).
 */
import type { ArtifactStore } from '../ports/artifact-store';
import { getJson, putJson } from '../ports/artifact-store';
import { MODEL_REGISTRY_PREFIX, modelRegistryKey } from '../lib/artifact-keys';
import type { EvalScore } from '../lib/rest/progress';

export interface RegistryEntry {
  model: string;
  campaignId: string;
  round: number;
  parentModel: string;
  datasetKey: string;
  trainLoss: number[];
  eval?: EvalScore;
  outputs: Record<string, string>;
  /** When it was registered (ISO time); `restact schedule distill` takes the latest campaign's data by it. */
  registeredAt?: string;
}

/** Records a round's model; idempotent per (campaign, round): a retried round replaces its entry. */
export async function registerModel(deps: { store: ArtifactStore }, entry: RegistryEntry): Promise<void> {
  await putJson(deps.store, modelRegistryKey(entry.campaignId, entry.round), { ...entry, registeredAt: entry.registeredAt ?? new Date().toISOString() });
}

/** Every registered model, ordered by campaign and round. */
export async function readModelRegistry(store: ArtifactStore): Promise<RegistryEntry[]> {
  const entries = await Promise.all((await store.list(MODEL_REGISTRY_PREFIX)).map((key) => getJson<RegistryEntry>(store, key)));
  return entries.sort((a, b) => a.campaignId.localeCompare(b.campaignId) || a.round - b.round);
}
