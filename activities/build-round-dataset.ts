/** The round's step-level fine-tuning dataset ("ReST meets ReAct", section 3.5) from its ranked items. */
import type { ArtifactStore } from '../ports/artifact-store';
import { getJson, putJson } from '../ports/artifact-store';
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
  const trainKey = await store.put(`${call.outPrefix}/train.jsonl`, toJsonl(dataset.train));
  const validationKey = await store.put(`${call.outPrefix}/validation.jsonl`, toJsonl(dataset.validation));
  await putJson(store, `${call.outPrefix}/stats.json`, dataset.stats);
  return {
    trainKey,
    validationKey,
    train: dataset.train.length,
    validation: dataset.validation.length,
    duplicatesRemoved: dataset.stats.duplicatesRemoved,
    perStep: dataset.stats.perStep,
  };
}
