/** Aggregation of per-answer records (means over runs, pooled ratios, draft-vs-final, paired differences), the
 * Markdown/terminal tables, and the SVG charts (valid XML, the expected size, the plotted values). */
import { execFileSync } from 'node:child_process';
import { compareModels, summarizeModel, type AnswerRecord } from '../../lib/eval/aggregate';
import { trajectoryBehaviour } from '../../lib/eval/behaviour';
import { evalMarkdown, metricRows, textTable, type EvalReport } from '../../lib/eval/report';
import { accuracyChart, behaviourChart } from '../../lib/eval/charts';
import { barChartSvg, roundScoresSvg } from '../../lib/charts';

function record(model: string, questionId: string, run: number, em: number, extra: Partial<AnswerRecord> = {}): AnswerRecord {
  return {
    model, questionId, question: `${questionId}?`, references: ['x'], run, workflowId: `w-${questionId}-${run}`, status: 'answered', answer: em ? 'x' : 'y',
    em, f1: em, contains: em, verdict: { implies: em === 1, reason: '', source: em ? 'exact_match' : 'judge' },
    behaviour: { ...trajectoryBehaviour({ steps: [] }), searches: 2, repeatedQueries: 1 },
    referenceYesNo: false, answerYesNo: false, wallMs: 1000, ...extra,
  };
}

const OPTS = { seed: 't', resamples: 200 };

test('a model summary: runs averaged per question, ratios pooled, draft-vs-final tallied', () => {
  const records = [
    record('m', 'q1', 0, 1), record('m', 'q1', 1, 0), // q1: 0.5
    record('m', 'q2', 0, 1), record('m', 'q2', 1, 1), // q2: 1
    record('m', 'q3', 0, 0, { behaviour: { ...trajectoryBehaviour({ steps: [] }), searches: 4, repeatedQueries: 0 }, draft: { answer: 'x', em: 1, verdict: { implies: true, reason: '', source: 'exact_match' } } }),
    record('m', 'q3', 1, 0, { verdict: { implies: null, reason: 'unparsable', source: 'judge_failed' } }),
  ];
  const s = summarizeModel('m', records, OPTS);
  expect(s).toMatchObject({ model: 'm', questions: 3, answers: 6, runs: 2 });
  expect(s.metrics.em.value).toBeCloseTo((0.5 + 1 + 0) / 3, 12);
  // Run 0: EM (1 + 1 + 0) / 3; run 1: (0 + 1 + 0) / 3; sd of the two.
  expect(s.metrics.em.runSd).toBeCloseTo(Math.abs(2 / 3 - 1 / 3) / Math.SQRT2, 12);
  // Searches: 5 trajectories with 2, one with 4; repeated queries pooled: 5 / 14.
  expect(s.metrics.searches.value).toBeCloseTo((2 + 2 + (4 + 2) / 2) / 3, 12);
  expect(s.metrics.repeatedQueryRate.value).toBeCloseTo(5 / 14, 12);
  // No supporting titles recorded: recall is undefined, not 0.
  expect(s.metrics.goldRecall).toMatchObject({ value: null });
  expect(s.draftVsFinal).toEqual({ revised: 1, em: { wrongToRight: 0, rightToWrong: 1, bothRight: 0, bothWrong: 0 }, autoEval: { wrongToRight: 0, rightToWrong: 1, bothRight: 0, bothWrong: 0 } });
  expect(s.judge).toEqual({ byModel: 2, byRule: 3, undecided: 1 });
  for (const m of Object.values(s.metrics)) if (m.value !== null) expect(m.low! <= m.value + 1e-12 && m.value <= m.high! + 1e-12).toBe(true);
});

test('paired comparison on shared questions', () => {
  const a = { model: 'a', records: ['q1', 'q2', 'q3', 'q4'].map((q, i) => record('a', q, 0, i % 2)) };
  const b = { model: 'b', records: ['q1', 'q2', 'q3', 'q5'].map((q) => record('b', q, 0, 1)) };
  const [autoEval, em] = compareModels(a, b, OPTS);
  expect(em).toMatchObject({ metric: 'em', a: 'a', b: 'b', n: 3 });
  expect(em.value).toBeCloseTo(2 / 3, 12); // q1: 1-0, q2: 1-1, q3: 1-0
  expect(autoEval.metric).toBe('autoEval');
});

test('tables and Markdown list every metric per model, with CIs', () => {
  const s = summarizeModel('base', [record('base', 'q1', 0, 1), record('base', 'q2', 0, 0)], OPTS);
  const rows = metricRows([s]);
  expect(rows[0]).toEqual(['metric', 'base']);
  expect(rows.find((r) => r[0] === 'EM %')![1]).toMatch(/^50\.0 \[0\.0, 100\.0\]$/);
  expect(textTable(rows).split('\n')).toHaveLength(rows.length);
  const report: EvalReport = {
    evalId: 'e1', title: 'T', questions: 2, runs: 1, judge: { label: 'tiny', weak: true }, settings: { seed: 't', resamples: 200, maxSearches: 2, temperature: 0 },
    models: [s], paired: [], files: { json: 'j', markdown: 'm', accuracyChart: 'a', behaviourChart: 'b' },
  };
  const md = evalMarkdown(report, { accuracy: 'accuracy.svg', behaviour: 'behaviour.svg' });
  expect(md).toContain('| EM % | 50.0 [0.0, 100.0] |');
  expect(md).toContain('weak judge');
  expect(md).toContain('![accuracy](accuracy.svg)');
});

function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg width="(\d+)" height="(\d+)"/.exec(svg)!;
  return { width: Number(m[1]), height: Number(m[2]) };
}

function assertWellFormed(svg: string): void {
  execFileSync('python3', ['-c', 'import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.read())'], { input: svg });
}

test('charts are valid SVG of the expected size, containing the plotted values, labels and CI whiskers', () => {
  const s0 = summarizeModel('round <0>', [record('r0', 'q1', 0, 1), record('r0', 'q2', 0, 0), record('r0', 'q3', 0, 0), record('r0', 'q4', 0, 0)], OPTS);
  const s1 = summarizeModel('round 1', [record('r1', 'q1', 0, 1), record('r1', 'q2', 0, 1), record('r1', 'q3', 0, 1), record('r1', 'q4', 0, 0)], OPTS);
  const acc = accuracyChart('Eval & co', [s0, s1], { label: 'tiny', weak: true });
  assertWellFormed(acc);
  expect(svgSize(acc)).toEqual({ width: 480, height: 360 });
  expect(acc).toContain('>25.0<'); // round <0> EM
  expect(acc).toContain('>75.0<'); // round 1 EM
  expect(acc).toContain('round &lt;0&gt;');
  expect(acc).toContain('Eval &amp; co: accuracy');
  expect(acc.match(/stroke="#222"/g)!.length).toBeGreaterThanOrEqual(3 * 2); // whisker + 2 caps per bar with a CI
  const beh = behaviourChart('Eval', [s0, s1]);
  assertWellFormed(beh);
  expect(svgSize(beh)).toEqual({ width: 1000, height: 360 });
  expect(beh).toContain('>50.0<'); // repeated-query rate 1/2
  expect(beh).toContain('repeated-query');

  const campaign = roundScoresSvg('scores', [{ label: 'baseline', em: 0.2, f1: 0.31 }, { label: 'round 0', em: 0.4, f1: 0.5 }]);
  assertWellFormed(campaign);
  expect(campaign).toContain('>31.0<');
  const sized = barChartSvg({ title: 't', categories: ['a'], series: [{ name: 's', values: [{ value: 3.5 }] }], width: 300, height: 200 });
  expect(svgSize(sized)).toEqual({ width: 300, height: 200 });
  expect(sized).toContain('>3.50<');
});
