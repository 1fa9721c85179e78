/**
 * `restact eval calibrate [--labels FILE] [--judge REF]`: runs the auto-eval (rule verdicts, then the judge
 * model) on human-labelled answers and reports agreement, Pearson and Spearman correlation and the confusion
 * matrix. Without --labels it uses the shipped sample (data/eval/calibration-sample.jsonl).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import type { Config } from '../../lib/config';
import { parseJsonl } from '../../lib/corpus';
import { CalibrationLabelSchema, calibrationStats, type CalibrationLabel } from '../../lib/eval/calibration';
import { describeJudge, type Verdict } from '../../lib/eval/judge';
import { judgeLine, textTable } from '../../lib/eval/report';
import { judgeAnswer } from '../../activities/judge';
import { putJson } from '../../ports/artifact-store';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { createModelProvider } from '../../worker';
import { projectRoot } from '../../project-root';
import { commandConfig } from '../command-line';
import { EvalInputError } from './eval';
import { resolveModelRef } from '../trajectories';

type Out = (line: string) => void;

/** `restact eval calibrate [--labels FILE] [--judge REF]`. */
export async function calibrateCommand(argv: string[]): Promise<number> {
  const flags = parseCalibrateFlags(argv);
  return runCalibrate(flags, commandConfig(flags.config), (l) => process.stdout.write(l + '\n'), (l) => process.stderr.write(l + '\n'));
}

export function parseCalibrateFlags(argv: string[]): { labels: string; judge?: string; config?: string } {
  try {
    const { values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { labels: { type: 'string' }, judge: { type: 'string' }, config: { type: 'string' } } });
    return { labels: values.labels ?? path.join(projectRoot(), 'data', 'eval', 'calibration-sample.jsonl'), judge: values.judge, config: values.config };
  } catch (err) {
    throw new EvalInputError((err as Error).message);
  }
}

export function readLabels(file: string): CalibrationLabel[] {
  if (!fs.existsSync(file)) throw new EvalInputError(`labels file not found: ${file}`);
  const { rows, errors } = parseJsonl(fs.readFileSync(file, 'utf8'), CalibrationLabelSchema, 'label');
  if (errors.length) throw new EvalInputError(`${file} line ${errors[0].line}: ${errors[0].message}${errors.length > 1 ? ` (and ${errors.length - 1} more bad line(s))` : ''}`);
  if (!rows.length) throw new EvalInputError(`${file}: no labels`);
  return rows;
}

export async function runCalibrate(flags: { labels: string; judge?: string }, cfg: Config, out: Out, err: Out): Promise<number> {
  const labels = readLabels(flags.labels);
  const judge = describeJudge(cfg.llm, resolveModelRef(flags.judge ?? cfg.eval.judge));
  err(`Judging ${labels.length} labelled answers from ${flags.labels}`);
  err(judgeLine(judge));
  // One judgement at a time: one model sequence is enough (and far less memory than the worker's default).
  const models = createModelProvider(cfg.llm.provider === 'llama' ? { ...cfg.llm, sequences: 1 } : cfg.llm);
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'judged [{bar}] {value}/{total}', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(labels.length, 0);
  const verdicts: Verdict[] = [];
  try {
    for (const row of labels) {
      const references = Array.isArray(row.reference) ? row.reference : [row.reference];
      verdicts.push(await judgeAnswer({ models, maxRepairs: cfg.agent.maxRepairs }, { question: row.question ?? '(not given)', answer: row.answer, references, judgeModel: judge.ref }));
      if (bar) bar.increment();
      else if (verdicts.length % 10 === 0) err(`  judged ${verdicts.length}/${labels.length}`);
    }
  } finally {
    bar?.stop();
    await models.close();
  }
  const stats = calibrationStats(verdicts.map((v) => v.implies), labels.map((l) => l.correct));
  const bySource = (s: Verdict['source']) => verdicts.filter((v) => v.source === s).length;
  const judgeOnly = labels.map((l, i) => ({ l, v: verdicts[i] })).filter((x) => x.v.source === 'judge' || x.v.source === 'judge_failed');
  const modelStats = calibrationStats(judgeOnly.map((x) => x.v.implies), judgeOnly.map((x) => x.l.correct));
  const fmt = (x: number | null) => (x === null ? 'n/a (constant verdicts)' : x.toFixed(3));
  out('');
  out(judgeLine(judge));
  out(`${stats.n} labelled answers: ${bySource('exact_match')} settled by exact match, ${bySource('no_answer')} empty, ${bySource('yes_no_mismatch')} bare yes/no against another reference, ${bySource('judge')} by the judge, ${bySource('judge_failed')} undecided (unparsable).`);
  out(`Agreement ${(100 * stats.agreement).toFixed(1)}%   Pearson ${fmt(stats.pearson)}   Spearman ${fmt(stats.spearman)}`);
  out(`Judge-model verdicts only (${modelStats.n}): agreement ${(100 * modelStats.agreement).toFixed(1)}%, Pearson ${fmt(modelStats.pearson)}`);
  out('\nConfusion matrix (rows: auto-eval, columns: human label)');
  const c = stats.confusion;
  out(textTable([['', 'human correct', 'human wrong'], ['auto-eval True', String(c.truePositive), String(c.falsePositive)], ['auto-eval False', String(c.falseNegative), String(c.trueNegative)]]));
  const disagreements = labels.map((l, i) => ({ l, v: verdicts[i] })).filter((x) => (x.v.implies === true) !== x.l.correct);
  if (disagreements.length) {
    out('\nDisagreements:');
    for (const { l, v } of disagreements.slice(0, 15)) out(`  ${l.questionId}: answer ${JSON.stringify(l.answer)} vs ${JSON.stringify(l.reference)}; human ${l.correct}, auto-eval ${v.implies} (${v.reason})`);
  }
  const store = new LocalDirStore(cfg.artifacts.dir);
  const key = `calibration/${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}.json`;
  await putJson(store, key, { labels: flags.labels, judge, stats, judgeModelOnly: modelStats, rows: labels.map((l, i) => ({ ...l, verdict: verdicts[i] })) });
  out(`\nWritten to ${path.join(store.location, key)}`);
  return 0;
}
