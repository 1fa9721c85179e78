/**
 * How many sentences should a grounded summary choose from, should it always keep the lead sentence, and what of the
 * results should its prompt show?
 * `npm run experiment:summary-choices [-- --choices 6,3,2,1 --forms one,lead --views offered,full --dataset FILE
 *   --corpus FILE --threads N]`.
 *
 * For each question whose reference is not yes/no, it searches the question itself (top 3, as the agent's first
 * search would) and runs the summary step of the embedded model (greedy, the grounded grammar) once per cell:
 * - the cap on the sentences offered;
 * - the form: `one`, one sentence of those offered; `lead`, the sentence sharing most words with the question and
 *   one more (the agent's default);
 * - the view of the results in the prompt: `offered`, each snippet cut to the sentences offered (the agent's
 *   default); `full`, whole snippets.
 * It counts the summaries that hold a reference answer. This isolates the summary step: the rest of the trajectory
 * does not change with the cell, so the figures are exact counts, not a sample of trajectories.
 * docs/eval/dev50-summary-choices.md has the results that set MAX_SUMMARY_CHOICES, the form and the view.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildSqliteIndex, SqliteSearchEngine } from '../adapters/search/sqlite-fts';
import { LlamaChatModelProvider } from '../adapters/llm/llama-chat';
import { groundedSummarySpec } from '../lib/agent/specs';
import { offeredResults } from '../lib/agent/evidence';
import { renderSummary } from '../lib/agent/prompts';
import { stepRequest } from '../lib/agent/steps';
import { loadDataset } from '../lib/eval/datasets';
import { containsReference, yesNo } from '../lib/metrics';

const ROOT = path.join(__dirname, '..');
const { values } = parseArgs({
  options: {
    choices: { type: 'string', default: '6,3,2,1' },
    forms: { type: 'string', default: 'one,lead' },
    views: { type: 'string', default: 'offered' },
    dataset: { type: 'string', default: path.join(ROOT, 'data/hotpotqa-dev50/questions.jsonl') },
    corpus: { type: 'string', default: path.join(ROOT, 'data/hotpotqa-dev50/corpus.jsonl') },
    model: { type: 'string', default: path.join(ROOT, 'models/SmolLM2-135M-Instruct.Q4_1.gguf') },
    threads: { type: 'string', default: '2' },
  },
});

async function main() {
  const caps = values.choices!.split(',').map(Number);
  const forms = values.forms!.split(',') as Array<'one' | 'lead'>;
  const views = values.views!.split(',') as Array<'offered' | 'full'>;
  const cells = caps.flatMap((k) => forms.flatMap((form) => views.map((view) => ({ k, form, view, key: `${k} ${form} ${view}` }))));
  const { questions } = loadDataset(fs.readFileSync(values.dataset!, 'utf8'), values.dataset!);
  const open = questions.filter((q) => q.answers.length && !q.answers.some((a) => yesNo(a)));
  const dbPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'restact-summary-choices-')), 'index.sqlite');
  buildSqliteIndex({ corpusPath: values.corpus!, dbPath });
  const search = new SqliteSearchEngine(dbPath);
  const models = new LlamaChatModelProvider({ modelPath: values.model!, loraAdapters: [], threads: Number(values.threads), sequences: 1, contextSize: 4096 });
  const model = await models.get();
  const held: Record<string, number> = Object.fromEntries(cells.map((c) => [c.key, 0]));
  const inResults = { any: 0 };
  try {
    for (const [i, q] of open.entries()) {
      const query = q.question.replace(/\s*\?+\s*$/, '');
      const results = (await search.search(query, 3)).map((h) => ({ title: h.title, snippet: h.text }));
      if (results.some((r) => containsReference(r.snippet, q.answers))) inResults.any++;
      const input = { question: q.question, query, results, known: [] };
      const marks: string[] = [];
      for (const { k, form, view, key } of cells) {
        const spec = groundedSummarySpec(input, k, form === 'lead');
        const shown = view === 'offered' ? { ...input, results: offeredResults(input, [], k) } : input;
        const out = await model.generate(stepRequest('summary', renderSummary(shown), spec, 0));
        const parsed = spec.parse(out.text);
        const hit = parsed.ok && containsReference(parsed.value.knowledge, q.answers) === 1;
        if (hit) held[key]++;
        marks.push(`${key}:${hit ? 'holds' : '-'}`);
      }
      process.stderr.write(`${i + 1}/${open.length} ${marks.join(' ')}  ${q.question.slice(0, 70)}\n`);
    }
  } finally {
    await models.close();
    await search.close();
  }
  console.log(`${open.length} questions whose reference is not yes/no; a reference is in the top 3 results for ${inResults.any}.`);
  console.log('| sentences offered | form | results shown | summaries holding a reference answer |\n|---|---|---|---|');
  for (const { k, form, view, key } of cells) console.log(`| ${k} | ${form} | ${view} | ${held[key]} of ${open.length} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
