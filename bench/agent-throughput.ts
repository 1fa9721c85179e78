/**
 * The embedded model's throughput inside the agent, and the worker's memory: N sample questions run through the
 * agent's own step activities (decide -> search -> summarise, then answer and the two checks) in a plain
 * in-process loop, C trajectories at a time, with the worker's real model provider and search index.
 *
 *   npx tsx bench/agent-throughput.ts [--questions 8] [--concurrency 1,4,8] [--sequences 8] [--context-size auto]
 *                                      [--max-searches 3] [--threads N] [--json FILE]
 *
 * Prints, per concurrency: generated tokens/s, prompt tokens evaluated vs reused from the sequence cache, wall
 * time, and the process's RSS (now and peak). Raw node-llama-cpp generation is the limit to approach.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LlamaChatModelProvider } from '../adapters/llm/llama-chat';
import { buildSqliteIndex, SqliteSearchEngines } from '../adapters/search/sqlite-fts';
import { LocalDirStore } from '../adapters/store/local-dir-store';
import { runLlmStep } from '../activities/llm-step';
import { runSearch } from '../activities/search';
import { worstCasePrompts } from '../lib/agent/context-budget';
import type { PastAction } from '../lib/agent/types';

const ROOT = path.join(__dirname, '..');
const { values } = parseArgs({
  options: {
    questions: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '1,4,8' },
    sequences: { type: 'string', default: '8' },
    'context-size': { type: 'string', default: 'auto' },
    'max-searches': { type: 'string', default: '3' },
    threads: { type: 'string' },
    json: { type: 'string' },
  },
});

interface RunStats {
  concurrency: number;
  trajectories: number;
  steps: number;
  wallS: number;
  completionTokens: number;
  promptTokens: number;
  evaluatedPromptTokens: number;
  generatedTokPerS: number;
  rssMb: number;
  peakRssMb: number;
}

const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function main() {
  const sequences = Number(values.sequences);
  const contextSize = values['context-size'] === 'auto' ? 'auto' : Number(values['context-size']);
  const maxSearches = Number(values['max-searches']);
  const agent = { maxSearches, topK: 3, snippetChars: 600, maxRepairs: 2 };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'restact-bench-'));
  const dbPath = path.join(tmp, 'index.sqlite');
  buildSqliteIndex({ corpusPath: path.join(ROOT, 'data/hotpotqa-dev50/corpus.jsonl'), dbPath });
  const search = new SqliteSearchEngines(dbPath);
  const store = new LocalDirStore(path.join(tmp, 'artifacts'));
  const budgets = worstCasePrompts({ maxSearches: 10, topK: agent.topK, snippetChars: agent.snippetChars });
  let models!: LlamaChatModelProvider;
  let fit!: Awaited<ReturnType<LlamaChatModelProvider['fitContext']>>;
  // A fresh model (and context) per run, so no run reuses another's cached prompts.
  const freshModel = async () => {
    await models?.close();
    models = new LlamaChatModelProvider({
      modelPath: path.join(ROOT, 'models/SmolLM2-135M-Instruct.Q4_1.gguf'),
      loraAdapters: [],
      threads: values.threads ? Number(values.threads) : undefined,
      sequences,
      contextSize,
    });
    fit = await models.fitContext(budgets);
  };
  const questions = fs
    .readFileSync(path.join(ROOT, 'data/hotpotqa-dev50/questions.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .slice(0, Number(values.questions))
    .map((l) => JSON.parse(l) as { id: string; question: string });
  const tools = { search, store, topK: agent.topK, snippetChars: agent.snippetChars };

  /** The agent loop of workflows/trajectory.ts, as plain calls. Returns the number of LLM steps. */
  async function trajectory(id: string, question: string): Promise<number> {
    const llm = { models, store, maxRepairs: agent.maxRepairs, grounding: 'evidence' as const };
    let index = 0;
    let llmSteps = 0;
    const step: typeof runLlmStep = (deps, kind, call) => (llmSteps++, runLlmStep(deps, kind, call));
    const call = { trajectoryId: id, temperature: 0 };
    const pastActions: PastAction[] = [];
    for (let remaining = maxSearches; remaining > 0; remaining--) {
        const decision = await step(llm, 'decision', { ...call, index: index++, input: { question, pastActions: [...pastActions], remainingSearches: remaining } });
      if (!decision.value || decision.value.call === 'Terminate') break;
      const searched = await runSearch(tools, { trajectoryId: id, index: index++, query: decision.value.query });
      const summary = await step(llm, 'summary', { ...call, index: index++, input: { question, query: decision.value.query, results: searched.results } });
      if (!summary.value) break;
      pastActions.push({ query: decision.value.query, knowledge: summary.value.knowledge });
    }
    const answer = await step(llm, 'answer', { ...call, index: index++, input: { question, pastActions } });
    const text = answer.value?.text ?? '';
    await step(llm, 'relevance_check', { ...call, index: index++, input: { question, pastActions, answer: text } });
    await step(llm, 'grounding_check', { ...call, index: index++, input: { question, pastActions, answer: text } });
    return llmSteps;
  }

  const runs: RunStats[] = [];
  for (const concurrency of values.concurrency!.split(',').map(Number)) {
    await freshModel();
    const before = models.stats();
    const started = Date.now();
    let next = 0;
    let steps = 0;
    const lane = async () => {
      while (next < questions.length) {
        const q = questions[next++];
        const n = await trajectory(`bench-c${concurrency}-${q.id}`, q.question);
        steps += n; // not `steps += await ...`: that reads steps before the await and loses the other lanes' counts
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    const wallS = (Date.now() - started) / 1000;
    const after = models.stats();
    const completionTokens = after.completionTokens - before.completionTokens;
    runs.push({
      concurrency,
      trajectories: questions.length,
      steps,
      wallS,
      completionTokens,
      promptTokens: after.promptTokens - before.promptTokens,
      evaluatedPromptTokens: after.evaluatedPromptTokens - before.evaluatedPromptTokens,
      generatedTokPerS: completionTokens / wallS,
      rssMb: rssMb(),
      peakRssMb: peakRssMb(),
    });
    const r = runs[runs.length - 1];
    console.log(
      `concurrency ${concurrency}: ${r.generatedTokPerS.toFixed(1)} generated tok/s, ${r.steps} LLM steps in ${r.wallS.toFixed(1)} s, ` +
        `prompt tokens ${r.promptTokens} (${r.evaluatedPromptTokens} evaluated, ${(100 * (1 - r.evaluatedPromptTokens / Math.max(1, r.promptTokens))).toFixed(1)}% reused), ` +
        `RSS ${r.rssMb} MB (peak ${r.peakRssMb} MB)`,
    );
  }
  const result = { date: new Date().toISOString(), cores: os.availableParallelism(), sequences, contextSize: fit.contextSize, fit, maxSearches, questions: questions.length, runs };
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(result, null, 2) + '\n');
  await models.close();
  await search.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
