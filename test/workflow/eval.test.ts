/**
 * evalWorkflow on the real dev server with the real search index and a rule-based model double: two models on
 * three questions; exact counts, stored records, and aggregates that match a hand computation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createWorker } from '../../worker';
import { evalWorkflow, type EvalInput } from '../../workflows/eval';
import { evalProgressQuery, type EvalProgress } from '../../workflows/signals';
import type { EvalOutcome } from '../../lib/eval/report';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { getJson } from '../../ports/artifact-store';
import type { ChatModel, ChatModelProvider, ChatRequest, ChatResult } from '../../ports/chat-model';
import type { AnswerRecord } from '../../lib/eval/aggregate';
import type { EvalReport } from '../../lib/eval/report';
import { taskPart } from '../../lib/rest/ranker-prompt';
import { tempDir, testConfig, workflowTestSuite } from '../helpers/temporal';

const DATA = path.join(__dirname, '../../data/hotpotqa-dev50');
const QUESTIONS = fs.readFileSync(path.join(DATA, 'questions.jsonl'), 'utf8').trim().split('\n').slice(0, 3);

const suite = workflowTestSuite();

/** The question a prompt's current task is about: 0 (Derrickson / Ed Wood), 1 (Corliss Archer), 2 (Animorphs). */
function which(request: ChatRequest): 0 | 1 | 2 {
  const task = taskPart(request.messages[1].content);
  return task.includes('Corliss Archer') ? 1 : task.includes('science fantasy') ? 2 : 0;
}

const QUERY = ['Scott Derrickson', 'Kiss and Tell 1945 film', 'Animorphs'];
const AGAIN = 'American director';
// Model `a`: right (yes), a paraphrase (the judge says True), a wrong draft that the grounding check fixes.
// Model `b`: wrong (no), exact, the same fix.
const ANSWERS: Record<string, string[]> = { a: ['yes', 'Chief of Protocol of the United States', 'The Hork-Bajir Chronicles'], b: ['no', 'Chief of Protocol', 'The Hork-Bajir Chronicles'] };

/** Answers each step by rule, from the prompt and the model ref. A test double. */
class EvalRules implements ChatModelProvider {
  readonly calls: Array<{ step: string; model: string }> = [];
  async get(ref?: string): Promise<ChatModel> {
    const model = ref ?? 'a';
    return { generate: async (r) => this.answer(r, model) };
  }
  async close(): Promise<void> {}
  count(step: string): number {
    return this.calls.filter((c) => c.step === step).length;
  }
  private async answer(r: ChatRequest, model: string): Promise<ChatResult> {
    const step = r.grammar!.name;
    this.calls.push({ step, model });
    const q = which(r);
    const task = taskPart(r.messages[1].content);
    const searched = (task.match(/PastAction\(/g) ?? []).length;
    const text = {
      // Search, search again with more words (the agent refuses a repeated query), then stop: 2 distinct searches.
      decision: () => (searched < 2 ? `Search(query="${QUERY[q]}${searched ? ' ' + AGAIN : ''}")` : 'Terminate()'),
      // The same uncited summary every time: 1 of 2 repeated, 2 of 2 uncited.
      summary: () => 'Summary(knowledge="The results mention it.", used_results=[])',
      answer: () => `Answer(text="${ANSWERS[model][q]}")`,
      relevance_check: () => 'Check_Answer(passed=True)',
      grounding_check: () => (q === 2 ? 'Revise_Answer(revised_answer="Animorphs")' : 'Check_Answer(passed=True)'),
      judge: () => (/ANSWER: str = ".*Chief/.test(task) ? 'Judgement(reason="Names the position.", implies=True)' : 'Judgement(reason="Different.", implies=False)'),
    }[step]!();
    return { text, promptTokens: 100, completionTokens: 10, finishReason: 'stop', model };
  }
}

test('two models on three questions: counts, records and aggregates as computed by hand', async () => {
  const store = new LocalDirStore(tempDir('eval-artifacts'));
  await store.put('q.jsonl', QUESTIONS.join('\n') + '\n');
  const models = new EvalRules();
  const config = testConfig();
  const worker = await createWorker({ connection: suite.env.nativeConnection, config, deps: { models, search: suite.search, store, agent: config.agent }, workflowBundle: suite.bundle });
  const input: EvalInput = {
    evalId: 'e1', title: 'test', questionsKey: 'q.jsonl', questionCount: 3,
    models: [{ label: 'a' }, { label: 'b', ref: 'b' }], runs: 1, judge: { label: 'rules', weak: false },
    maxSearches: 3, temperature: 0, concurrency: 2, outPrefix: 'evals/e1', seed: 's', resamples: 300,
  };
  let progress: EvalProgress | undefined;
  const outcome: EvalOutcome = await worker.runUntil(async () => {
    const handle = await suite.env.client.workflow.start(evalWorkflow, { taskQueue: config.temporal.taskQueue, workflowId: 'eval-e1', args: [input] });
    const result = await handle.result();
    progress = await handle.query(evalProgressQuery);
    return result;
  });

  // 3 questions x 2 models; each trajectory: 3 decisions, 2 summaries, answer, 2 checks.
  expect(models.count('decision')).toBe(18);
  expect(models.count('summary')).toBe(12);
  expect(models.count('answer')).toBe(6);
  // Judge calls: a's paraphrase and each model's revised draft (exact matches and b's bare "no" are settled by rule).
  expect(models.count('judge')).toBe(3);
  expect(progress).toEqual({
    phase: 'done', questionsTotal: 3, questionsDone: 3, trajectoriesTotal: 6, trajectoriesDone: 6, failed: 0,
    models: [{ model: 'a', answers: 3, em: 2 / 3, autoEval: 1 }, { model: 'b', answers: 3, em: 2 / 3, autoEval: 2 / 3 }],
  });

  const records = await Promise.all((await store.list('evals/e1/answers/')).map((k) => getJson<AnswerRecord>(store, k)));
  expect(records).toHaveLength(6);
  expect(records.map((r) => r.workflowId).sort()).toEqual(
    ['m0', 'm1'].flatMap((m) => ['0000', '0001', '0002'].map((n) => `eval-e1.${m}.traj-hotpotqa-dev-${n}-0`)).sort(),
  );
  const a1 = records.find((r) => r.model === 'a' && r.questionId === 'hotpotqa-dev-0001')!;
  expect(a1).toMatchObject({ em: 0, contains: 1, verdict: { implies: true, source: 'judge', reason: 'Names the position.' } });
  expect(a1.f1).toBeCloseTo(2 / 3, 12);
  expect(records.find((r) => r.model === 'b' && r.questionId === 'hotpotqa-dev-0000')!.verdict).toMatchObject({ implies: false, source: 'yes_no_mismatch' });
  const a2 = records.find((r) => r.model === 'a' && r.questionId === 'hotpotqa-dev-0002')!;
  expect(a2).toMatchObject({ answer: 'Animorphs', em: 1, draft: { answer: 'The Hork-Bajir Chronicles', em: 0, verdict: { implies: false } } });

  const [ma, mb] = outcome.models;
  const v = (m: typeof ma, k: string) => m.metrics[k].value;
  expect([v(ma, 'em'), v(ma, 'f1'), v(ma, 'autoEval'), v(ma, 'contains')].map((x) => x!.toFixed(6))).toEqual([2 / 3, 8 / 9, 1, 1].map((x) => x.toFixed(6)));
  expect([v(mb, 'em'), v(mb, 'f1'), v(mb, 'autoEval'), v(mb, 'contains')].map((x) => x!.toFixed(6))).toEqual([2 / 3, 2 / 3, 2 / 3, 2 / 3].map((x) => x.toFixed(6)));
  for (const m of [ma, mb]) {
    expect(m).toMatchObject({ questions: 3, answers: 3, runs: 1 });
    expect([v(m, 'searches'), v(m, 'distinctQueries'), v(m, 'repeatedQueryRate'), v(m, 'exactRepeatRate'), v(m, 'repeatedSummaryRate'), v(m, 'uncitedSummaryRate'), v(m, 'answered'), v(m, 'stepFailures')]).toEqual([2, 2, 0, 0, 0.5, 1, 1, 0]);
    expect(v(m, 'revisions')).toBeCloseTo(1 / 3, 12);
    expect(v(m, 'tokens')).toBe(8 * 110); // 8 LLM steps of 100 + 10 tokens
    expect(v(m, 'refYesNoRate')).toBeCloseTo(1 / 3, 12);
    expect(v(m, 'yesNoRate')).toBeCloseTo(1 / 3, 12);
  }
  // Retrieval recall, checked against the same index: the share of each question's supporting titles its two
  // queries found (the second pages past the passages the first showed).
  const expectedRecall = await Promise.all(QUESTIONS.map(async (line, q) => {
    const titles: string[] = JSON.parse(line).supporting_titles;
    const engine = await suite.search.get();
    const first = await engine.search(QUERY[q], config.agent.topK);
    const seen = new Set(first.map((h) => h.id));
    const second = (await engine.search(`${QUERY[q]} ${AGAIN}`, config.agent.topK + seen.size)).filter((h) => !seen.has(h.id)).slice(0, config.agent.topK);
    const hits = new Set([...first, ...second].map((h) => h.title));
    return titles.filter((t) => hits.has(t)).length / titles.length;
  }));
  expect(v(ma, 'goldRecall')).toBeCloseTo(expectedRecall.reduce((s, x) => s + x, 0) / 3, 12);

  // Paired b - a: auto-eval per question (-1, 0, 0) -> -1/3; EM (-1, +1, 0) -> 0, CI spanning 0.
  const pairedAuto = outcome.paired.find((p) => p.metric === 'autoEval')!;
  expect(pairedAuto).toMatchObject({ a: 'a', b: 'b', n: 3 });
  expect(pairedAuto.value).toBeCloseTo(-1 / 3, 12);
  const pairedEm = outcome.paired.find((p) => p.metric === 'em')!;
  expect(pairedEm.value).toBeCloseTo(0, 12);
  expect(pairedEm.excludesZero).toBe(false);

  // The report: JSON, Markdown and two charts in the store.
  const report = await getJson<EvalReport>(store, outcome.files.json);
  expect(report.models.map((m) => m.draftVsFinal)).toEqual([
    { revised: 1, em: { wrongToRight: 1, rightToWrong: 0, bothRight: 0, bothWrong: 0 }, autoEval: { wrongToRight: 1, rightToWrong: 0, bothRight: 0, bothWrong: 0 } },
    { revised: 1, em: { wrongToRight: 1, rightToWrong: 0, bothRight: 0, bothWrong: 0 }, autoEval: { wrongToRight: 1, rightToWrong: 0, bothRight: 0, bothWrong: 0 } },
  ]);
  const md = (await store.get(outcome.files.markdown)).toString();
  expect(md).toContain('| EM % | 66.7 [');
  expect(md).toContain('| b vs a | auto-eval | -33.3 [');
  for (const key of [outcome.files.accuracyChart, outcome.files.behaviourChart]) expect((await store.get(key)).toString()).toMatch(/^<svg width="\d+" height="360"/);
});
