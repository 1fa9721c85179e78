/**
 * What a distillation run leaves: its result, and (when it trained) the student and the teacher in the model
 * registry with their lineage and their scores on the same held-out set, and the series' last-run marker that lets
 * the next run see whether its data is new. Idempotent: a retry writes the same files.
 */
import type { ArtifactStore } from '../ports/artifact-store';
import { putJson } from '../ports/artifact-store';
import { distillationRegistryKey, distillRunKeys, distillSeriesKeys } from '../lib/artifact-keys';
import type { DistillationResult } from '../lib/distill/plan';
import type { LastDistillation } from './prepare-distillation';

/** One model of a distillation in the registry (`registry/distillations/<run>/<role>.json`). */
export interface DistilledModelEntry {
  role: 'student' | 'teacher';
  model: string;
  /** The distillation run's workflow id. */
  distillationId: string;
  /** The student: the model it was fine-tuned from. The teacher: none here (its own lineage is its campaign's). */
  parentModel?: string;
  teacherModel: string;
  teacherCampaignId?: string;
  /** The teacher's step datasets the student learned from, and the merged training set. */
  datasetKeys: string[];
  trainKey: string;
  trainLoss?: number[];
  /** Both models' scores on the same held-out questions, and the paired comparison (evalWorkflow's outcome). */
  evaluation: { workflowId: string; scores?: unknown; paired?: unknown; reportKey?: string };
  outputs?: Record<string, string>;
  registeredAt: string;
}

export interface RecordDistillationCall {
  name: string;
  result: DistillationResult;
  fingerprint: string;
  /** Present when the run trained and evaluated. */
  models?: Array<Omit<DistilledModelEntry, 'registeredAt' | 'distillationId'>>;
}

export async function recordDistillation(deps: { store: ArtifactStore }, call: RecordDistillationCall): Promise<DistillationResult> {
  const { store } = deps;
  const { result } = call;
  const keys: Record<string, string> = { ...result.keys, result: distillRunKeys(result.workflowId).result };
  const registeredAt = new Date().toISOString();
  for (const entry of call.models ?? []) {
    keys[entry.role] = await putJson(store, distillationRegistryKey(result.workflowId, entry.role), { ...entry, distillationId: result.workflowId, registeredAt });
  }
  const recorded: DistillationResult = { ...result, keys };
  await putJson(store, keys.result, { ...recorded, fingerprint: call.fingerprint, recordedAt: registeredAt });
  if (result.status === 'distilled') {
    const last: LastDistillation = { workflowId: result.workflowId, fingerprint: call.fingerprint };
    await putJson(store, distillSeriesKeys(call.name).lastRun, last);
  }
  return recorded;
}
