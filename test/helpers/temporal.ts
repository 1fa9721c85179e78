/** The real Temporal dev server for workflow tests (the installed CLI through @temporalio/testing), and a
 * workflow bundle built once per test file. */
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { installRuntime } from '../../client/runtime';
import { findTemporalCli } from '../../client/dev-server';
import { ALL_SEARCH_ATTRIBUTES } from '../../lib/search-attributes';
import { ConfigSchema, Config } from '../../lib/config';
import { buildSqliteIndex, SqliteSearchEngines } from '../../adapters/search/sqlite-fts';

/** Keeps test output readable (the SDK's default logger prints every worker state change); the CLI's runtime, so
 * tests can also run CLI code, which installs it too. */
export function installQuietRuntime(): void {
  installRuntime('WARN');
}

export async function startTestEnv(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: findTemporalCli() },
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
    },
  });
}

export async function bundleWorkflows() {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `restact-${prefix}-`));
}

/**
 * The default config on its own task queue. Scripted test doubles write free-form outputs (a summary in their own
 * words), so steps are not grounded in evidence here; test/workflow/grounding.test.ts covers grounding.
 */
export function testConfig(overrides: Partial<Config> = {}, taskQueue = `test-${Math.random().toString(36).slice(2)}`): Config {
  const base = ConfigSchema.parse({ temporal: { taskQueue }, agent: { grounding: 'free' } });
  return { ...base, ...overrides };
}

/**
 * A CLI's config on another machine than the worker's: the same server and task queue, its own artifact directory
 * (never created: everything must go through the worker), and no worker of its own.
 */
export function remoteClientConfig(env: TestWorkflowEnvironment, workerConfig: Config): Config {
  const config = testConfig({}, workerConfig.temporal.taskQueue);
  config.temporal.address = env.address;
  config.artifacts.dir = path.join(tempDir('client'), 'not-the-workers-store');
  return config;
}

/** The sample corpus indexed into a temp dir: the real search engine for workflow tests. */
export function sampleSearchEngine(): SqliteSearchEngines {
  const dbPath = path.join(tempDir('index'), 'index.sqlite');
  buildSqliteIndex({ corpusPath: path.join(__dirname, '../../data/hotpotqa-dev50/corpus.jsonl'), dbPath });
  return new SqliteSearchEngines(dbPath);
}

export interface WorkflowTestSuite {
  env: TestWorkflowEnvironment;
  bundle: Awaited<ReturnType<typeof bundleWorkflows>>;
  search: SqliteSearchEngines;
}

/**
 * The setup most workflow test files share: a dev server, the workflow bundle and the sample search index,
 * started once before the file's tests and stopped after them. Call it at the top level of the file; the
 * fields are set by the time a test runs.
 */
export function workflowTestSuite(): WorkflowTestSuite {
  const suite = {} as WorkflowTestSuite;
  beforeAll(async () => {
    suite.search = sampleSearchEngine();
    [suite.env, suite.bundle] = await Promise.all([startTestEnv(), bundleWorkflows()]);
  }, 120_000);
  afterAll(async () => {
    await suite.env?.teardown();
    await suite.search?.close();
  });
  return suite;
}
