/** The round's step-level fine-tuning dataset ("ReST meets ReAct", section 3.5) from its ranked items. */
import type { ArtifactStore } from '../ports/artifact-store';
import { getJson, putJson } from '../ports/artifact-store';
import { datasetKeys } from '../lib/artifact-keys';
import { buildDataset, toJsonl } from '../lib/rest/dataset';
import type { DatasetSummary } from '../lib/rest/progress';
import type { RankedItem } from './rank-trajectory';

export interface BuildRoundDatasetCall {
  rankedPrefix: string;
  outPrefix: string;
  validationFraction: number;
  seed: string;
}

export async function buildRoundDataset(deps: { store: ArtifactStore }, call: BuildRoundDatasetCall): Promise<DatasetSummary> {
  const { store } = deps;
  const keys = await store.list(call.rankedPrefix + '/');
  const items: RankedItem[] = [];
  for (const key of keys) items.push(...(await getJson<{ items: RankedItem[] }>(store, key)).items);
  const dataset = buildDataset(items, { validationFraction: call.validationFraction, seed: call.seed });
  const out = datasetKeys(call.outPrefix);
  const trainKey = await store.put(out.train, toJsonl(dataset.train));
  const validationKey = await store.put(out.validation, toJsonl(dataset.validation));
  await putJson(store, out.stats, dataset.stats);
  return {
    trainKey,
    validationKey,
    train: dataset.train.length,
    validation: dataset.validation.length,
    duplicatesRemoved: dataset.stats.duplicatesRemoved,
    perStep: dataset.stats.perStep,
  };
}
