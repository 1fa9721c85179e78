/**
 * Aggregates an evaluation's per-answer records into its report: per-model summaries with CIs, paired differences
 * (each model against the first, and against earlier evaluations named in `compareWith`), the JSON report, the
 * Markdown page and two SVG charts, all in the store. Returns the small outcome workflows carry. Idempotent: a
 * retry rewrites the same files from the same records.
 */
import path from 'node:path';
import type { ArtifactStore } from '../ports/artifact-store';
import { getJson, putJson } from '../ports/artifact-store';
import { evalAnswersPrefix, evalReportKeys } from '../lib/artifact-keys';
import { compareModels, summarizeModel, type AnswerRecord, type PairedComparison } from '../lib/eval/aggregate';
import { accuracyChart, behaviourChart } from '../lib/eval/charts';
import type { JudgeDescription } from '../lib/eval/judge';
import { evalMarkdown, type EvalOutcome, type EvalReport } from '../lib/eval/report';

export interface WriteEvalReportCall {
  evalId: string;
  title: string;
  outPrefix: string;
  /** Model labels, in the order of their answers' model index (`evalAnswersPrefix`). */
  models: string[];
  questions: number;
  runs: number;
  judge: JudgeDescription;
  settings: EvalReport['settings'];
  /** Earlier evaluations to compare against (paired, on shared questions): their prefix, model index and label. */
  compareWith?: Array<{ outPrefix: string; modelIndex: number; label: string }>;
}

async function readRecords(store: ArtifactStore, prefix: string): Promise<AnswerRecord[]> {
  const keys = await store.list(prefix);
  return Promise.all(keys.filter((k) => k.endsWith('.json')).map((k) => getJson<AnswerRecord>(store, k)));
}

export async function writeEvalReport(store: ArtifactStore, call: WriteEvalReportCall): Promise<EvalOutcome> {
  const options = { seed: call.settings.seed, resamples: call.settings.resamples };
  const perModel = await Promise.all(call.models.map(async (model, i) => ({ model, records: await readRecords(store, evalAnswersPrefix(call.outPrefix, i)) })));
  const models = perModel.map((m) => summarizeModel(m.model, m.records, options));
  const paired: PairedComparison[] = [];
  for (let i = 1; i < perModel.length; i++) paired.push(...compareModels(perModel[0], perModel[i], options));
  for (const c of call.compareWith ?? []) {
    const earlier = { model: c.label, records: await readRecords(store, evalAnswersPrefix(c.outPrefix, c.modelIndex)) };
    for (const m of perModel) paired.push(...compareModels(earlier, m, options));
  }
  const files = evalReportKeys(call.outPrefix);
  const report: EvalReport = { evalId: call.evalId, title: call.title, questions: call.questions, runs: call.runs, judge: call.judge, settings: call.settings, models, paired, files };
  await store.put(files.accuracyChart, accuracyChart(report.title, models, call.judge));
  await store.put(files.behaviourChart, behaviourChart(report.title, models));
  // The page links its charts by file name: they sit beside it.
  await store.put(files.markdown, evalMarkdown(report, { accuracy: path.posix.basename(files.accuracyChart), behaviour: path.posix.basename(files.behaviourChart) }));
  await putJson(store, files.json, report);
  return { evalId: call.evalId, files, judge: call.judge, models: models.map(({ model, questions, answers, runs, metrics, judge }) => ({ model, questions, answers, runs, metrics, judge })), paired };
}
