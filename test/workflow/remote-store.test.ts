/**
 * The CLI and the worker on different machines: the client's own artifact directory is not the worker's. `ask`
 * reads the trajectory back and `campaign start` stages its questions through the worker, so both work when the
 * client's directory is empty (or missing).
 */
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createWorker } from '../../worker';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { withTemporal } from '../../client/runtime';
import { askOne } from '../../client/trajectories';
import { loadCampaignSettings, startCampaign } from '../../client/campaigns';
import { campaignKeys } from '../../lib/artifact-keys';
import { ScriptedModel } from '../helpers/scripted-model';
import { TWO_SEARCHES } from '../helpers/scripts';
import { TWO_SEARCHES_QUESTION } from '../replay/fixtures';
import { bundleWorkflows, remoteClientConfig, sampleSearchEngine, startTestEnv, tempDir, testConfig } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let bundle: Awaited<ReturnType<typeof bundleWorkflows>>;

beforeAll(async () => {
  [env, bundle] = await Promise.all([startTestEnv(), bundleWorkflows()]);
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

test("ask and campaign start reach the worker's store, not the client's directory", async () => {
  const search = sampleSearchEngine();
  const workerStore = new LocalDirStore(tempDir('worker-store'));
  const workerConfig = testConfig();
  const worker = await createWorker({
    connection: env.nativeConnection,
    config: workerConfig,
    deps: { models: new ScriptedModel(TWO_SEARCHES), search, store: workerStore, agent: workerConfig.agent },
    workflowBundle: bundle,
  });
  const clientConfig = remoteClientConfig(env, workerConfig);
  const settings = loadCampaignSettings(path.join(__dirname, '../../examples/sample-campaign.json'));

  await worker.runUntil(
    withTemporal(clientConfig, { worker: 'never', log: () => undefined }, async (session) => {
      const asked = await askOne(session, { questionId: 'q1', question: TWO_SEARCHES_QUESTION });
      expect(asked.trajectory).toMatchObject({ workflowId: 'traj-q1-0', status: 'answered', answer: 'yes' });
      expect(asked.trajectory.steps).toHaveLength(10);

      const started = await startCampaign(session, settings);
      await session.client.workflow.getHandle(started.workflowId).terminate('only the staging is under test');
      const campaignId = started.workflowId.replace(/^campaign-/, '');
      const staged = (await workerStore.get(campaignKeys(campaignId).questions)).toString().trim().split('\n');
      expect(staged).toHaveLength(settings.questions.limit!);
      expect(await workerStore.exists(campaignKeys(campaignId).evalQuestions)).toBe(true);
    }),
  );
  await search.close();
});
