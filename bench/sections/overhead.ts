/**
 * (1) Orchestration overhead: the same trajectories (a) as a plain in-process loop over the activity functions
 * (bench/plain-loop.ts), (b) through Temporal (collectBatchWorkflow -> trajectoryWorkflow -> activities on the
 * dev server) and (c) the same with the steps as local activities (config temporal.localSteps), all with a
 * scripted ChatModel that answers after a fixed delay and the sample BM25 index. The sides rotate (a b c, then
 * c b a, ...) and each figure is a median over the repetitions.
 */
import path from 'node:path';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { SqliteSearchEngines } from '../../adapters/search/sqlite-fts';
import { AGENT_RULES, RuleModel } from '../../test/helpers/rule-model';
import { benchDir, benchQuestions, sampleIndex, toJsonl } from '../fixtures';
import { machineInfo, median, processCpuMs, round } from '../machine';
import { inLanes, runTrajectoryInProcess } from '../plain-loop';
import type { Table } from '../report';
import { benchConfig, runBatch, startBenchTemporal, startBenchWorker } from '../temporal-harness';

export interface OverheadOptions {
  /** Concurrency levels (trajectories in flight). */
  concurrency: number[];
  /** Trajectories per lane: each level runs concurrency x perLane trajectories. */
  perLane: number;
  reps: number;
  /** The scripted model's delays per call: each runs the whole comparison. */
  delayMs: number[];
}

/** One delay and concurrency level: each side's wall times over the repetitions, their ratios and CPU. */
interface Row {
  delayMs: number;
  concurrency: number;
  trajectories: number;
  activities: number;
  plainMs: number[];
  temporalMs: number[];
  localMs: number[];
  ratios: number[];
  localRatios: number[];
  /** CPU ms per trajectory of each side's runs: this process (plain loop, or worker and client) and the dev server. */
  cpu: Record<'plain' | 'temporal' | 'local', { process: number[]; server: number[] }>;
}

export async function overhead(opts: OverheadOptions) {
  const dir = benchDir('overhead');
  const search = new SqliteSearchEngines(sampleIndex(dir));
  const maxConcurrency = Math.max(...opts.concurrency);
  // As many activity slots as trajectories in flight, so the worker never queues what the plain loop runs at once.
  // The scripted model writes fixed steps, not choices among the evidence: the plain grammars ("free"), as in tests.
  const config = benchConfig(`bench-overhead-${process.pid}`, { sequences: Math.min(16, maxConcurrency) }, { grounding: 'free' });
  const store = new LocalDirStore(path.join(dir, 'artifacts'));
  const maxSearches = config.agent.maxSearches;
  const count = maxConcurrency * opts.perLane;
  const questions = benchQuestions(count, 'o');
  await store.put('bench/questions.jsonl', toJsonl(questions));

  const t = await startBenchTemporal();
  /** Runs `fn` and adds the CPU this process and the dev server spent meanwhile, per trajectory, to `into`. */
  const measured = async <T>(into: { process: number[]; server: number[] }, n: number, fn: () => Promise<T>): Promise<T> => {
    const [p0, s0] = [process.cpuUsage(), processCpuMs(t.server.pid)];
    const out = await fn();
    const p = process.cpuUsage(p0);
    const s1 = processCpuMs(t.server.pid);
    into.process.push((p.user + p.system) / 1000 / n);
    if (s0 !== undefined && s1 !== undefined) into.server.push((s1 - s0) / n);
    return out;
  };

  /** The whole comparison with the model answering after `delayMs`: a worker of its own, every concurrency level. */
  const compareAt = async (delayMs: number): Promise<Row[]> => {
    const deps = { models: new RuleModel(AGENT_RULES, delayMs), search, store, agent: config.agent };
    const worker = await startBenchWorker(t, config, deps);
    const plain = async (name: string, n: number, c: number) => {
      let activities = 0;
      const started = performance.now();
      await inLanes(questions.slice(0, n), c, async (q) => {
        const done = await runTrajectoryInProcess(deps, { trajectoryId: `${name}.${q.id}`, question: q.question, maxSearches });
        activities += done.activities; // not `activities += await ...`, which would add to the value read before the await
      });
      return { ms: performance.now() - started, activities };
    };
    const temporal = async (name: string, n: number, c: number, localSteps = false) =>
      (await runBatch(t, config, { name, questionsKey: 'bench/questions.jsonl', count: n, concurrency: c, maxSearches, localSteps })).wallMs;
    try {
      // Warm-up: the worker's workflow cache, the SQLite pages, the JIT.
      await plain(`warm-plain-${delayMs}`, 4, 4);
      await temporal(`warm-temporal-${delayMs}`, 4, 4);
      await temporal(`warm-local-${delayMs}`, 4, 4, true);
      const out: Row[] = [];
      for (const c of opts.concurrency) {
        const n = c * opts.perLane;
        const cpu = () => ({ process: [] as number[], server: [] as number[] });
        const row: Row = { delayMs, concurrency: c, trajectories: n, activities: 0, plainMs: [], temporalMs: [], localMs: [], ratios: [], localRatios: [], cpu: { plain: cpu(), temporal: cpu(), local: cpu() } };
        for (let rep = 0; rep < opts.reps; rep++) {
          const name = `d${delayMs}-c${c}-r${rep}`;
          let a = 0;
          let b = 0;
          let l = 0;
          const runPlain = async () => ({ ms: a, activities: row.activities } = await measured(row.cpu.plain, n, () => plain(`plain-${name}`, n, c)));
          const runTemporal = async () => (b = await measured(row.cpu.temporal, n, () => temporal(`temporal-${name}`, n, c)));
          const runLocal = async () => (l = await measured(row.cpu.local, n, () => temporal(`local-${name}`, n, c, true)));
          // Rotate the order, so a drift in the machine's load does not favour one side.
          const order = rep % 2 === 0 ? [runPlain, runTemporal, runLocal] : [runLocal, runTemporal, runPlain];
          for (const side of order) await side();
          row.plainMs.push(a);
          row.temporalMs.push(b);
          row.localMs.push(l);
          row.ratios.push(b / a);
          row.localRatios.push(l / a);
        }
        out.push(row);
      }
      return out;
    } finally {
      await worker.stop();
    }
  };

  const rows: Row[] = [];
  try {
    for (const delayMs of opts.delayMs) rows.push(...(await compareAt(delayMs)));
  } finally {
    await t.stop();
    await search.close();
  }

  const figures = rows.map((r) => {
    const a = median(r.plainMs);
    const b = median(r.temporalMs);
    const l = median(r.localMs);
    // Each lane runs its trajectories' activities one after another: the extra wall time spread over them.
    const perLaneActivities = r.activities / r.concurrency;
    const range = (xs: number[]) => [round(Math.min(...xs), 3), round(Math.max(...xs), 3)];
    const cpuMs = (side: { process: number[]; server: number[] }) => ({ process: round(median(side.process), 1), server: side.server.length ? round(median(side.server), 1) : undefined });
    return {
      delayMs: r.delayMs,
      concurrency: r.concurrency,
      trajectories: r.trajectories,
      activities: r.activities,
      plainS: round(a / 1000, 3),
      temporalS: round(b / 1000, 3),
      ratio: round(median(r.ratios), 3),
      ratioRange: range(r.ratios),
      overheadMsPerActivity: round((b - a) / perLaneActivities, 1),
      localS: round(l / 1000, 3),
      localRatio: round(median(r.localRatios), 3),
      localRatioRange: range(r.localRatios),
      localOverheadMsPerActivity: round((l - a) / perLaneActivities, 1),
      plainTrajPerS: round(r.trajectories / (a / 1000), 1),
      temporalTrajPerS: round(r.trajectories / (b / 1000), 1),
      localTrajPerS: round(r.trajectories / (l / 1000), 1),
      cpuMsPerTrajectory: { plain: cpuMs(r.cpu.plain), temporal: cpuMs(r.cpu.temporal), local: cpuMs(r.cpu.local) },
    };
  });
  const ratioCell = (ratio: number, [lo, hi]: number[]) => `${ratio.toFixed(2)} (${lo.toFixed(2)}-${hi.toFixed(2)})`;
  const cpuCell = (c: { process: number; server?: number }) => (c.server === undefined ? `${c.process}` : `${round(c.process + c.server, 1)} (${c.process} + ${c.server})`);
  const cpuTable: Table = {
    title: 'CPU per trajectory (ms): what each side costs the machine, this process (plain loop, or worker and client) + the dev server',
    columns: ['model ms per call', 'concurrency', 'plain loop (a)', 'activities (b)', 'local steps (c)'],
    rows: figures.map((f) => [f.delayMs, f.concurrency, cpuCell(f.cpuMsPerTrajectory.plain), cpuCell(f.cpuMsPerTrajectory.temporal), cpuCell(f.cpuMsPerTrajectory.local)]),
    notes: [
      `Medians over the repetitions; ${machineInfo().cores} cores. At concurrency 16 the sides are bound by CPU, not by the model's delay: a side that needs more CPU ms per trajectory than the plain loop's wall time per trajectory times the cores cannot keep pace.`,
    ],
  };
  const table: Table = {
    title: 'Orchestration overhead: plain loop (a) vs Temporal with activities (b) and with local steps (c), scripted model with a fixed delay per call',
    columns: ['model ms per call', 'concurrency', 'trajectories', 'activities', 'plain loop s (a)', 'activities s (b)', 'ratio b/a (min-max)', 'added ms per step (b)', 'local steps s (c)', 'ratio c/a (min-max)', 'added ms per step (c)', 'traj/s a / b / c'],
    rows: figures.map((f) => [
      f.delayMs, f.concurrency, f.trajectories, f.activities, f.plainS, f.temporalS, ratioCell(f.ratio, f.ratioRange), f.overheadMsPerActivity,
      f.localS, ratioCell(f.localRatio, f.localRatioRange), f.localOverheadMsPerActivity, `${f.plainTrajPerS} / ${f.temporalTrajPerS} / ${f.localTrajPerS}`,
    ]),
    notes: [
      `Medians of ${opts.reps} rotated repetitions; each ratio is the median of the per-repetition ratios. Target: ratio <= 1.10 at concurrency 16.`,
      'Each trajectory: decide, search, summarise, decide (Terminate), answer, two checks, save = 8 steps; the batch adds its question load and failure tally.',
      '(b) runs each step as a regular activity (the default); (c) as a local activity (config temporal.localSteps: true), whose result is recorded when the workflow task completes.',
      '"added ms per step": (b - a) or (c - a) divided by the steps one lane runs in sequence, i.e. the latency Temporal adds to each.',
      'The delays: 50 ms is a fast hosted model; the embedded model takes 1-10 s per step on this machine. What Temporal adds per step is roughly fixed, so its share falls as the model gets slower.',
    ],
  };
  return { config: { ...opts, maxSearches, activitySlots: config.llm.provider === 'llama' ? config.llm.sequences : undefined }, figures: { rows: figures }, tables: [table, cpuTable] };
}
