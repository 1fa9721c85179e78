/**
 * `restact eval calibrate [--labels FILE] [--judge REF]`: the auto-eval (rule verdicts, then the judge model) on
 * human-labelled answers, judged on a worker by calibrateWorkflow (the CLI holds no model); prints agreement,
 * Pearson and Spearman correlation and the confusion matrix, and stores labels, verdicts and statistics through
 * the worker. Without --labels it uses the shipped sample (data/eval/calibration-sample.jsonl).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import type { Config } from '../../lib/config';
import { parseJsonl } from '../../lib/corpus';
import { calibrationKey } from '../../lib/artifact-keys';
import { calibrateWorkflowId } from '../../lib/workflow-ids';
import { CalibrationLabelSchema, calibrationStats, type CalibrationLabel } from '../../lib/eval/calibration';
import { describeJudge, type Verdict } from '../../lib/eval/judge';
import { judgeLine, textTable } from '../../lib/eval/report';
import type { calibrateWorkflow, CalibrateInput } from '../../workflows/calibrate';
import { calibrateProgressQuery, type CalibrateProgress } from '../../workflows/signals';
import { MAX_ARTIFACT_TRANSFER_BYTES } from '../../activities/read-artifact';
import { projectRoot } from '../../project-root';
import { artifactLocation, writeArtifact } from '../artifacts';
import { commandConfig, UsageError } from '../command-line';
import { followWorkflow } from '../progress';
import { withTemporal, type TemporalSession } from '../runtime';
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
    throw new UsageError((err as Error).message);
  }
}

export function readLabels(file: string): CalibrationLabel[] {
  if (!fs.existsSync(file)) throw new UsageError(`labels file not found: ${file}`);
  const { rows, errors } = parseJsonl(fs.readFileSync(file, 'utf8'), CalibrationLabelSchema, 'label');
  if (errors.length) throw new UsageError(`${file} line ${errors[0].line}: ${errors[0].message}${errors.length > 1 ? ` (and ${errors.length - 1} more bad line(s))` : ''}`);
  if (!rows.length) throw new UsageError(`${file}: no labels`);
  return rows;
}

/** The judge's input for each label: its question, answer and references, never the human verdict. */
export function calibrateInput(labels: CalibrationLabel[], judgeModel: string | undefined, concurrency: number): CalibrateInput {
  const answers = labels.map((l) => ({ question: l.question ?? '(not given)', answer: l.answer, references: Array.isArray(l.reference) ? l.reference : [l.reference] }));
  const bytes = Buffer.byteLength(JSON.stringify(answers));
  if (bytes > MAX_ARTIFACT_TRANSFER_BYTES) throw new UsageError(`the labelled answers take ${bytes} bytes; one calibration takes at most ${MAX_ARTIFACT_TRANSFER_BYTES}: split the file`);
  return { answers, judgeModel, concurrency };
}

export async function runCalibrate(flags: { labels: string; judge?: string }, cfg: Config, out: Out, err: Out): Promise<number> {
  const labels = readLabels(flags.labels);
  const judge = describeJudge(cfg.llm, resolveModelRef(flags.judge ?? cfg.eval.judge));
  const input = calibrateInput(labels, judge.ref, cfg.eval.concurrency);
  err(`Judging ${labels.length} labelled answers from ${flags.labels}`);
  err(judgeLine(judge));
  // An embedded worker needs one model sequence here (far less memory than its default): judgements just queue.
  const sessionConfig = cfg.llm.provider === 'llama' ? { ...cfg, llm: { ...cfg.llm, sequences: 1 } } : cfg;
  return withTemporal(sessionConfig, { worker: 'embedded', log: err }, async (session) => {
    const verdicts = await judgeOnWorker(session, input, err);
    const stats = printCalibration(labels, verdicts, judge, out);
    const key = calibrationKey(new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, ''));
    const record = { labels: flags.labels, judge, ...stats, rows: labels.map((l, i) => ({ ...l, verdict: verdicts[i] })) };
    await writeArtifact(session, key, JSON.stringify(record, null, 2) + '\n');
    out(`\nWritten to ${artifactLocation(session, key)}`);
    return 0;
  });
}

/** Runs calibrateWorkflow on a worker, with a progress bar (lines every 10 judgements when not on a terminal). */
async function judgeOnWorker(session: TemporalSession, input: CalibrateInput, log: Out): Promise<Verdict[]> {
  const handle = await session.client.workflow.start<typeof calibrateWorkflow>('calibrateWorkflow', {
    taskQueue: session.config.temporal.taskQueue,
    workflowId: calibrateWorkflowId(randomUUID()),
    args: [input],
  });
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'judged [{bar}] {value}/{total}', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(input.answers.length, 0);
  let logged = 0;
  const show = (p: CalibrateProgress) => {
    if (bar) bar.update(p.judged);
    else if (p.judged - logged >= 10) log(`  judged ${(logged = p.judged - (p.judged % 10))}/${p.total}`);
  };
  try {
    return await followWorkflow<Verdict[], CalibrateProgress>(handle, calibrateProgressQuery, show);
  } finally {
    bar?.stop();
  }
}

/** The statistics, for all verdicts and for the judge model's alone, the confusion matrix and the disagreements. */
function printCalibration(labels: CalibrationLabel[], verdicts: Verdict[], judge: ReturnType<typeof describeJudge>, out: Out) {
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
  return { stats, judgeModelOnly: modelStats };
}
