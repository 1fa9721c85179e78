/** Assembles the stored step records into one trajectory file. */
import type { ArtifactStore } from '../ports/artifact-store';
import { getJson, putJson } from '../ports/artifact-store';
import type { StepRecord, StepRef, Trajectory } from '../lib/trajectory';
import { trajectoryKey } from '../lib/artifact-keys';

export interface SaveTrajectoryCall extends Omit<Trajectory, 'steps'> {
  steps: StepRef[];
}

export async function saveTrajectory(deps: { store: ArtifactStore }, call: SaveTrajectoryCall): Promise<string> {
  const steps = await Promise.all(call.steps.map((s) => getJson<StepRecord>(deps.store, s.ref)));
  const trajectory: Trajectory = { ...call, steps };
  return putJson(deps.store, trajectoryKey(call.workflowId), trajectory);
}
