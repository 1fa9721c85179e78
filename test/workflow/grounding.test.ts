/**
 * The agent's use of its search budget and evidence, on the real dev server with a scripted ChatModel and the real
 * search index, under `evidence` grounding: searches page past passages already shown and stop when nothing new
 * comes back; a repeated search or a copied worked example is re-asked; every summary states a sentence of its
 * results; the answer is a span of the knowledge.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createWorker } from '../../worker';
import { trajectoryWorkflow } from '../../workflows';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { buildSqliteIndex } from '../../adapters/search/sqlite-fts';
import { getJson } from '../../ports/artifact-store';
import type { LlmStepRecord, SearchStepRecord, Trajectory, TrajectoryInput, TrajectoryResult } from '../../lib/trajectory';
import { NOTHING_NEW } from '../../lib/agent/specs';
import { splitSentences } from '../../lib/agent/evidence';
import { firstAllowed, ScriptedModel, type ScriptEntry } from '../helpers/scripted-model';
import { tempDir, testConfig, workflowTestSuite } from '../helpers/temporal';

const QUESTION = 'Were Scott Derrickson and Ed Wood of the same nationality?';
/** The first search a grounded decision may run: the question itself. */
const QUERY = 'Were Scott Derrickson and Ed Wood of the same nationality';

const suite = workflowTestSuite();

async function run(script: Record<string, ScriptEntry[]>, id: string, extra: Partial<TrajectoryInput> = {}, grounding: 'evidence' | 'free' = 'evidence') {
  const model = new ScriptedModel(script, GROUNDED);
  const store = new LocalDirStore(tempDir('artifacts'));
  const base = testConfig();
  const config = { ...base, agent: { ...base.agent, grounding } };
  const worker = await createWorker({ connection: suite.env.nativeConnection, config, deps: { models: model, search: suite.search, store, agent: config.agent }, workflowBundle: suite.bundle });
  const result: TrajectoryResult = await worker.runUntil(
    suite.env.client.workflow.execute(trajectoryWorkflow, { taskQueue: config.temporal.taskQueue, workflowId: id, args: [{ questionId: 'q1', question: QUESTION, ...extra }] }),
  );
  const trajectory = await getJson<Trajectory>(store, result.trajectoryRef);
  const searches = trajectory.steps.filter((s): s is SearchStepRecord => s.kind === 'search');
  const llmSteps = (kind: string) => trajectory.steps.filter((s): s is LlmStepRecord => s.kind === kind);
  return { result, trajectory, model, searches, llmSteps };
}

/** Once a step's script runs out: the first output its per-call grammar allows (the step's own evidence). */
const GROUNDED: Record<string, ScriptEntry> = { summary: firstAllowed, answer: firstAllowed, relevance_check: 'Check_Answer(passed=True)', grounding_check: 'Check_Answer(passed=True)' };

test('an overlapping query pages to passages not shown yet, and every summary states sentences of the results it cites', async () => {
  const { model, searches, llmSteps, result } = await run(
    { decision: [`Search(query="${QUERY}")`, 'Search(query="Scott Derrickson")', 'Terminate()'] },
    'grounded-paging',
  );
  const [first, second] = searches.map((s) => s.results.map((r) => r.id));
  expect(first.length).toBeGreaterThan(0);
  expect(second.length).toBeGreaterThan(0);
  expect(second.filter((id) => first.includes(id))).toEqual([]); // no passage shown twice
  // "Scott Derrickson" would find his page first; the first search showed it, so the second pages past it.
  expect(searches[0].results.map((r) => r.title)).toContain('Scott Derrickson');
  expect(searches[1].results.map((r) => r.title)).not.toContain('Scott Derrickson');
  for (const [i, summary] of llmSteps('summary').entries()) {
    const parsed = summary.parsed as { knowledge: string; used_results: number[] };
    // One or two sentences (the lead and one more), each from a result it cites, and every cited result used.
    const cited = parsed.used_results.map((id) => searches[i].results[id - 1].snippet.replace(/\s+/g, ' '));
    const sentences = splitSentences(parsed.knowledge);
    expect(sentences.length).toBeGreaterThan(0);
    for (const sentence of sentences) expect(cited.some((snippet) => snippet.includes(sentence))).toBe(true);
    for (const snippet of cited) expect(sentences.some((sentence) => snippet.includes(sentence))).toBe(true);
  }
  // The answer to a yes/no question is yes or no, whatever the model might have preferred.
  expect(['yes', 'no']).toContain(result.answer);
  expect(model.callsFor('answer')[0].grammar!.jsonSchema).toMatchObject({ properties: { action: { anyOf: [{ properties: { text: { enum: ['yes', 'no'] } } }] } } });
}, 60_000);

test('a search that brings nothing new ends the search phase', async () => {
  const dir = tempDir('tiny-index');
  fs.writeFileSync(path.join(dir, 'corpus.jsonl'), JSON.stringify({ id: 'p1', title: 'Scott Derrickson', text: 'Scott Derrickson is an American director.' }) + '\n');
  buildSqliteIndex({ corpusPath: path.join(dir, 'corpus.jsonl'), dbPath: path.join(dir, 'tiny.sqlite') });
  const { trajectory, model } = await run(
    { decision: [`Search(query="${QUERY}")`, 'Search(query="Scott Derrickson")', 'Search(query="Ed Wood")'] },
    'grounded-nothing-new',
    { searchDb: path.join(dir, 'tiny.sqlite') },
  );
  // decision, search, summary, decision, search (no new passage): then straight to the answer.
  expect(trajectory.steps.map((s) => s.kind)).toEqual(['decision', 'search', 'summary', 'decision', 'search', 'answer', 'relevance_check', 'grounding_check']);
  expect(model.callsFor('decision')).toHaveLength(2);
});

test('a repeated search is re-asked; when every attempt repeats it, the agent stops searching (Terminate)', async () => {
  const { llmSteps, searches, result } = await run(
    { decision: ['Search(query="Scott Derrickson")', 'Search(query="scott derrickson")', 'Search(query="Scott Derrickson.")', 'Search(query="SCOTT DERRICKSON")'], answer: ['Answer(text="yes")'] },
    'free-repeat',
    {},
    'free',
  );
  expect(searches.map((s) => s.query)).toEqual(['Scott Derrickson']);
  const second = llmSteps('decision')[1];
  expect(second.attempts.map((a) => a.error?.slice(0, 26))).toEqual(['repeats the earlier search', 'repeats the earlier search', 'repeats the earlier search']);
  expect(second).toMatchObject({ status: 'ok', fallback: true, parsed: { call: 'Terminate' } });
  expect(result.status).toBe('answered');
});

test('a grounded query is the question or a name it or the knowledge holds: an invented or copied one is re-asked, at a sampling temperature', async () => {
  const { llmSteps, searches, model } = await run(
    { decision: ['Search(query="architect of the Sydney Opera House")', 'Search(query="Ed Wood")', 'Terminate()'] },
    'grounded-copy',
  );
  expect(llmSteps('decision')[0].attempts[0].error).toMatch(/^Search\(query=\.\.\.\) must be one of "Were Scott Derrickson and Ed Wood of the same nationality", /);
  expect(searches.map((s) => s.query)).toEqual(['Ed Wood']);
  expect(model.callsFor('decision').map((c) => c.temperature)).toEqual([0, 0.7, 0]);
});

test('free queries (for strong models) may use any words, but a copied worked example is re-asked', async () => {
  const { llmSteps, searches, model } = await run(
    { decision: ['Search(query="architect of the Sydney Opera House")', 'Search(query="Ed Wood nationality")', 'Terminate()'], summary: ['Summary(knowledge="Ed Wood was American.", used_results=[1])'], answer: ['Answer(text="yes")'] },
    'free-copy',
    {},
    'free',
  );
  expect(llmSteps('decision')[0].attempts.map((a) => a.error?.slice(0, 23))).toEqual(['copies a worked example', undefined]);
  expect(searches.map((s) => s.query)).toEqual(['Ed Wood nationality']);
  expect(model.callsFor('decision').map((c) => c.temperature)).toEqual([0, 0.7, 0]);
});

test('with nothing relevant in the results, the summary says so explicitly, citing no result', async () => {
  const dir = tempDir('weather-index');
  // Found by the question's word "same", but it shares no content word with the question.
  fs.writeFileSync(path.join(dir, 'corpus.jsonl'), JSON.stringify({ id: 'w1', title: 'Weather', text: 'It rained the same day.' }) + '\n');
  buildSqliteIndex({ corpusPath: path.join(dir, 'corpus.jsonl'), dbPath: path.join(dir, 'weather.sqlite') });
  const { llmSteps } = await run(
    { decision: [`Search(query="${QUERY}")`, 'Terminate()'], summary: [`Summary(knowledge="${NOTHING_NEW}", used_results=[])`] },
    'grounded-nothing-relevant',
    { searchDb: path.join(dir, 'weather.sqlite') },
  );
  expect(llmSteps('summary')[0]).toMatchObject({ status: 'ok', parsed: { knowledge: NOTHING_NEW, used_results: [] } });
});
