/** A model registry with two campaigns (an older one, and the latest with two rounds: the teacher), for distillation tests and fixtures. */
import fs from 'node:fs';
import path from 'node:path';
import type { ArtifactStore } from '../../ports/artifact-store';
import { putJson } from '../../ports/artifact-store';
import { campaignKeys, modelRegistryKey } from '../../lib/artifact-keys';
import { DistillSchema } from '../../lib/distill/settings';
import type { DistillationInput } from '../../lib/distill/plan';

const QUESTIONS = fs.readFileSync(path.join(__dirname, '../../data/hotpotqa-dev50/questions.jsonl'), 'utf8').trim().split('\n');

export const TEACHER_CAMPAIGN = 'teach-20261126-030000';

/** One chat-format training example. */
export const example = (n: number) => JSON.stringify({ messages: [{ role: 'system', content: 's' }, { role: 'user', content: `q${n}` }, { role: 'assistant', content: `a${n}` }] });

export async function seedRegistry(store: ArtifactStore): Promise<void> {
  for (const c of [{ id: 'old-20261101-030000', rounds: 1 }, { id: TEACHER_CAMPAIGN, rounds: 2 }]) {
    await store.put(campaignKeys(c.id).evalQuestions, QUESTIONS.slice(10, 12).join('\n') + '\n');
    for (let round = 0; round < c.rounds; round++) {
      const prefix = `campaigns/${c.id}/round-${round}/dataset`;
      await store.put(`${prefix}/train.jsonl`, [example(round), example(round + 10), example(99)].join('\n') + '\n');
      await store.put(`${prefix}/validation.jsonl`, example(round + 20) + '\n');
      await putJson(store, modelRegistryKey(c.id, round), { model: `artifact:campaigns/${c.id}/round-${round}/model/adapter.gguf`, campaignId: c.id, round, parentModel: 'base', datasetKey: `${prefix}/train.jsonl`, trainLoss: [1], outputs: {} });
    }
  }
}

/** The workflow input `restact schedule distill` builds from examples/nightly-distill.json. */
export function exampleDistillationInput(): DistillationInput {
  const file = JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/nightly-distill.json'), 'utf8')) as { distill: unknown };
  const s = DistillSchema.parse(file.distill);
  const { questions: _questions, ...evaluation } = s.evaluation;
  return { name: s.name, student: s.student, teacher: s.teacher, fineTune: s.fineTune, evaluation };
}
