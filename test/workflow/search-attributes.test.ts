/**
 * Against a server that does not know restact's search attributes (a dev server started without
 * `--search-attribute`, like a fresh cluster), a command registers them with their real types, and a workflow can
 * then be started with every one of them.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { withTemporal } from '../../client/runtime';
import { findTemporalCli } from '../../client/dev-server';
import { ALL_SEARCH_ATTRIBUTES, CAMPAIGN_ID, EVAL_ID, OUTCOME, PHASE, QUESTION_ID, ROUND_INDEX } from '../../lib/search-attributes';
import { installQuietRuntime, testConfig } from '../helpers/temporal';

const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_INT: INT } = temporal.api.enums.v1.IndexedValueType;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  installQuietRuntime();
  env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: findTemporalCli() } } });
}, 60_000);

afterAll(async () => {
  await env?.teardown();
});

test('a command registers missing search attributes with their real types, and workflows can use them', async () => {
  const namespace = env.namespace ?? 'default';
  const before = await env.connection.operatorService.listSearchAttributes({ namespace });
  expect(ALL_SEARCH_ATTRIBUTES.filter((k) => before.customAttributes?.[k.name] !== undefined)).toEqual([]);

  const config = testConfig();
  config.temporal.address = env.address;
  await withTemporal(config, { worker: 'never', log: () => undefined }, async ({ client }) => {
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
    expect(Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((k) => [k.name, customAttributes?.[k.name]]))).toEqual({
      QuestionId: KEYWORD,
      Outcome: KEYWORD,
      CampaignId: KEYWORD,
      RoundIndex: INT,
      Phase: KEYWORD,
      EvalId: KEYWORD,
    });
    // Starting a workflow with every attribute is accepted (nothing needs to run it).
    const handle = await client.workflow.start('trajectoryWorkflow', {
      taskQueue: 'nobody-polls-this',
      workflowId: `sa-${Date.now()}`,
      args: [],
      typedSearchAttributes: [
        { key: QUESTION_ID, value: 'q1' },
        { key: OUTCOME, value: 'answered' },
        { key: CAMPAIGN_ID, value: 'c1' },
        { key: ROUND_INDEX, value: 3 },
        { key: PHASE, value: 'collect' },
        { key: EVAL_ID, value: 'e1' },
      ],
    });
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(ROUND_INDEX)).toBe(3);
    await handle.terminate();
  });
});
