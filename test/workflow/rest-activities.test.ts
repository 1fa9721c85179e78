/**
 * ReST activities on their own, in a real activity context (the SDK's MockActivityEnvironment) with a real store:
 * the model registry under concurrent rounds, and the ranker's fallback when every rating is unparsable.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { readModelRegistry } from '../../activities/register-model';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { getJson, putJson } from '../../ports/artifact-store';
import type { Trajectory } from '../../lib/trajectory';
import { trajectoryKey } from '../../lib/artifact-keys';
import { RuleModel } from '../helpers/rule-model';
import { tempDir } from '../helpers/temporal';

const quiet = new DefaultLogger('WARN');

function activities(store: LocalDirStore, models: ActivityDeps['models'] = new RuleModel({})) {
  return createActivities({ store, models, search: {} as ActivityDeps['search'], agent: { topK: 3, maxRepairs: 0, snippetChars: 100, grounding: 'free' } });
}

test('concurrent rounds registering their models lose no entry', async () => {
  const store = new LocalDirStore(tempDir('registry'));
  const activity = activities(store);
  // Each registration in an activity context of its own, as on a worker (every activity heartbeats while it runs).
  const registerModel = (entry: Parameters<typeof activity.registerModel>[0]) => new MockActivityEnvironment({ activityType: 'registerModel' }, { logger: quiet }).run(activity.registerModel, entry);
  const entries = Array.from({ length: 12 }, (_, i) => ({
    model: `ft-c${i % 3}-round${Math.floor(i / 3)}`,
    campaignId: `c${i % 3}`,
    round: Math.floor(i / 3),
    parentModel: 'base',
    datasetKey: `campaigns/c${i % 3}/round-${Math.floor(i / 3)}/dataset/train.jsonl`,
    trainLoss: [1],
    outputs: {},
  }));
  await Promise.all(entries.map((e) => registerModel(e)));
  await registerModel({ ...entries[0], model: 'ft-c0-round0-again' }); // a retried round replaces its entry
  const models = await readModelRegistry(store);
  expect(models.map((m) => m.model).sort()).toEqual(['ft-c0-round0-again', ...entries.slice(1).map((e) => e.model)].sort());
});

test('when every rating is unparsable, the target is the sample the trajectory continued with (lowest perplexity)', async () => {
  const store = new LocalDirStore(tempDir('rank'));
  // Two parsable answer samples whose perplexities overflowed (stored as null); collection chose the second one
  // by its mean log-probability, which is what the trajectory continued with.
  const samples = ['Answer(text="Paris")', 'Answer(text="Lyon")'].map((raw) => ({ raw, tokens: { prompt: 1, completion: 1 }, latencyMs: 1, parsed: { call: 'Answer', text: raw.slice(13, -2) }, perplexity: null }));
  const trajectory: Trajectory = {
    workflowId: 'traj-q1-0',
    questionId: 'q1',
    question: 'Which city?',
    status: 'answered',
    answer: 'Lyon',
    steps: [
      {
        index: 0, kind: 'answer', status: 'ok', model: 'm', input: { question: 'Which city?', pastActions: [] }, prompt: 'p',
        raw: samples[1].raw, parsed: { call: 'Answer', text: 'Lyon' }, attempts: [samples[1]], samples: samples as never, selection: 'lowest_perplexity',
        tokens: { prompt: 2, completion: 2 }, latencyMs: 2,
      },
    ],
  };
  await putJson(store, trajectoryKey('traj-q1-0'), trajectory);
  const { rankTrajectory } = activities(store, new RuleModel({ ranking: () => 'no rating here' }));
  const env = new MockActivityEnvironment({ activityType: 'rankTrajectory' }, { logger: quiet });
  const summary = await env.run(rankTrajectory, { workflowId: 'traj-q1-0', maxRepairs: 1, seed: 's', outPrefix: 'ranked' });
  expect(summary).toEqual({ rankedSteps: 1, rankerCalls: 2, fallbacks: 1, workerPeakRssMb: expect.any(Number) }); // the ranking worker reports its peak RSS
  const [key] = await store.list('ranked/');
  const { items } = await getJson<{ items: Array<{ target: string; chosenBy: string }> }>(store, key);
  // The target is the completion of the prompt's open "answer =" line: it starts with the space the model writes.
  expect(items).toEqual([expect.objectContaining({ target: ' Answer(text="Lyon")', chosenBy: 'lowest_perplexity_fallback' })]);
});
