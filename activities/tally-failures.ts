/** Adds up the failure ledgers (failure-ledger.ts) of a batch's trajectories: the batch's failed model calls by class. */
import type { ArtifactStore } from '../ports/artifact-store';
import { getJson } from '../ports/artifact-store';
import { addFailureCounts, type FailureCounts } from '../lib/failure-class';
import { failuresPrefix } from '../lib/artifact-keys';
import type { LedgerEntry } from './failure-ledger';

export interface TallyFailuresCall {
  /** The trajectory workflows whose ledgers to add up. */
  workflowIds: string[];
}

export async function tallyFailures(deps: { store: ArtifactStore }, call: TallyFailuresCall): Promise<FailureCounts> {
  let total: FailureCounts = {};
  for (const id of call.workflowIds) {
    for (const key of await deps.store.list(failuresPrefix(id))) total = addFailureCounts(total, (await getJson<LedgerEntry>(deps.store, key)).counts);
  }
  return total;
}
