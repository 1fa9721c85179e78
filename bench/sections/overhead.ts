/**
 * (1) Orchestration overhead: the same trajectories (a) as a plain in-process loop over the activity functions
 * (bench/plain-loop.ts), (b) through Temporal (collectBatchWorkflow -> trajectoryWorkflow -> activities on the
 * dev server) and (c) the same with the steps as local activities (config temporal.localSteps), all over the sample
 * BM25 index: first with a scripted ChatModel that answers after a fixed delay, then with the embedded model itself
 * (the default setup). The sides rotate (a b c, then c b a, ...) and each figure is a median over the repetitions.
 * The histories of the last local-steps batch show where Temporal's added time goes.
 * Longer than 250 lines: one section's runs, figures and three tables; the rendering reads best beside the rows.
 */
import path from 'node:path';
import { LlamaChatModelProvider } from '../../adapters/llm/llama-chat';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { SqliteSearchEngines } from '../../adapters/search/sqlite-fts';
import { AGENT_RULES, RuleModel } from '../../test/helpers/rule-model';
import type { ActivityDeps } from '../../activities';
import type { Config } from '../../lib/config';
import { fitModelContext } from '../../worker';
import { benchDir, benchQuestions, EMBEDDED_GGUF, sampleIndex, toJsonl } from '../fixtures';
import { machineInfo, median, processCpuMs, round } from '../machine';
import { inLanes, runTrajectoryInProcess } from '../plain-loop';
import type { Table } from '../report';
import { benchConfig, runBatch, startBenchTemporal, startBenchWorker } from '../temporal-harness';
import { trajectoryTimeline, type TrajectoryTimeline } from '../trajectory-timeline';
import { batchScope, batchWorkflowId } from '../../lib/workflow-ids';

export interface OverheadOptions {
  /** Concurrency levels (trajectories in flight). */
  concurrency: number[];
  /** Trajectories per lane: each level runs concurrency x perLane trajectories. */
  perLane: number;
  reps: number;
  /** The scripted model's delays per call: each runs the whole comparison. */
  delayMs: number[];
  /** The same comparison with the embedded model: `questions` trajectories at each concurrency level. */
  embedded?: { questions: number; concurrency: number[]; reps: number; threads: number; maxSearches: number };
}

/** CPU ms per trajectory of one side's runs: this process (plain loop, or worker and client) and the dev server. */
type CpuSink = { process: number[]; server: number[] };
type LoopDeps = Pick<ActivityDeps, 'models' | 'search' | 'store' | 'agent'>;

/** How one model's comparison runs each side: `n` trajectories, `c` at a time, wall time and CPU measured into `cpu`. */
interface Sides {
  plain(name: string, n: number, c: number, cpu: CpuSink): Promise<{ ms: number; activities: number }>;
  temporal(name: string, n: number, c: number, localSteps: boolean, cpu: CpuSink): Promise<number>;
}

/** One model and concurrency level: each side's wall times over the repetitions, their ratios and CPU. */
interface Row {
  /** The scripted model's delay per call; undefined for the embedded model. */
  delayMs: number | undefined;
  concurrency: number;
  trajectories: number;
  activities: number;
  plainMs: number[];
  temporalMs: number[];
  localMs: number[];
  ratios: number[];
  localRatios: number[];
  cpu: Record<'plain' | 'temporal' | 'local', CpuSink>;
  /** Scripted model: where the last repetition's local-steps trajectories spent their time. */
  timeline?: TrajectoryTimeline;
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
  const count = Math.max(maxConcurrency * opts.perLane, opts.embedded?.questions ?? 0);
  const questions = benchQuestions(count, 'o');
  await store.put('bench/questions.jsonl', toJsonl(questions));

  const t = await startBenchTemporal();
  /** Runs `fn` and adds the CPU this process and the dev server spent meanwhile, per trajectory, to `into`. */
  const measured = async <T>(into: CpuSink, n: number, fn: () => Promise<T>): Promise<T> => {
    const [p0, s0] = [process.cpuUsage(), processCpuMs(t.server.pid)];
    const out = await fn();
    const p = process.cpuUsage(p0);
    const s1 = processCpuMs(t.server.pid);
    into.process.push((p.user + p.system) / 1000 / n);
    if (s0 !== undefined && s1 !== undefined) into.server.push((s1 - s0) / n);
    return out;
  };

  /**
   * Every concurrency level of one model: the sides rotate (a b c, then c b a, ...) over the repetitions. Each side
   * measures its own wall time and CPU around the trajectories alone (not a worker's or model's start).
   */
  const compareLevels = async (delayMs: number | undefined, sides: Sides, levels: number[], trajectories: (c: number) => number, reps: number): Promise<Row[]> => {
    const out: Row[] = [];
    for (const c of levels) {
      const n = trajectories(c);
      const cpu = () => ({ process: [] as number[], server: [] as number[] });
      const row: Row = { delayMs, concurrency: c, trajectories: n, activities: 0, plainMs: [], temporalMs: [], localMs: [], ratios: [], localRatios: [], cpu: { plain: cpu(), temporal: cpu(), local: cpu() } };
      for (let rep = 0; rep < reps; rep++) {
        const name = `${delayMs === undefined ? 'embedded' : `d${delayMs}`}-c${c}-r${rep}`;
        let a = 0;
        let b = 0;
        let l = 0;
        const runPlain = async () => ({ ms: a, activities: row.activities } = await sides.plain(`plain-${name}`, n, c, row.cpu.plain));
        const runTemporal = async () => (b = await sides.temporal(`temporal-${name}`, n, c, false, row.cpu.temporal));
        const runLocal = async () => (l = await sides.temporal(`local-${name}`, n, c, true, row.cpu.local));
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
  };

  /** The plain loop over `deps`: `n` trajectories, `c` at a time. */
  const plainLoop = async (deps: LoopDeps, name: string, n: number, c: number, cpu: CpuSink, searches = maxSearches) =>
    measured(cpu, n, async () => {
      let activities = 0;
      const started = performance.now();
      await inLanes(questions.slice(0, n), c, async (q) => {
        const done = await runTrajectoryInProcess(deps, { trajectoryId: `${name}.${q.id}`, question: q.question, maxSearches: searches });
        activities += done.activities; // not `activities += await ...`, which would add to the value read before the await
      });
      return { ms: performance.now() - started, activities };
    });
  const batch = (cfg: Config, name: string, n: number, c: number, localSteps: boolean, cpu: CpuSink, searches = maxSearches) =>
    measured(cpu, n, async () => (await runBatch(t, cfg, { name, questionsKey: 'bench/questions.jsonl', count: n, concurrency: c, maxSearches: searches, localSteps })).wallMs);

  /** The scripted model answering after `delayMs`: one worker for every run, warmed up first. */
  const compareAt = async (delayMs: number): Promise<Row[]> => {
    const deps = { models: new RuleModel(AGENT_RULES, delayMs), search, store, agent: config.agent };
    const worker = await startBenchWorker(t, config, deps);
    const sides: Sides = {
      plain: (name, n, c, cpu) => plainLoop(deps, name, n, c, cpu),
      temporal: (name, n, c, localSteps, cpu) => batch(config, name, n, c, localSteps, cpu),
    };
    try {
      // Warm-up: the worker's workflow cache, the SQLite pages, the JIT.
      const scratch = () => ({ process: [], server: [] });
      await sides.plain(`warm-plain-${delayMs}`, 4, 4, scratch());
      await sides.temporal(`warm-temporal-${delayMs}`, 4, 4, false, scratch());
      await sides.temporal(`warm-local-${delayMs}`, 4, 4, true, scratch());
      const rows = await compareLevels(delayMs, sides, opts.concurrency, (c) => c * opts.perLane, opts.reps);
      for (const row of rows) row.timeline = await trajectoryTimeline(t.client, batchWorkflowId(batchScope(`local-d${delayMs}-c${row.concurrency}-r${opts.reps - 1}`, 'evaluate'), 0));
      return rows;
    } finally {
      await worker.stop();
    }
  };

  /**
   * The embedded model (the default setup) with its default agent settings: every run loads the model afresh, so
   * no side starts with prompts another side left in the model's cache.
   */
  const compareEmbedded = async (embedded: NonNullable<OverheadOptions['embedded']>): Promise<Row[]> => {
    const sequences = Math.max(...embedded.concurrency);
    const cfg = benchConfig(`bench-overhead-embedded-${process.pid}`, { sequences, threads: embedded.threads, modelPath: EMBEDDED_GGUF });
    const provider = () => new LlamaChatModelProvider({ modelPath: EMBEDDED_GGUF, loraAdapters: [], threads: embedded.threads, sequences, contextSize: 'auto' });
    const sides: Sides = {
      async plain(name, n, c, cpu) {
        const models = provider();
        try {
          await fitModelContext({ models }, cfg); // as the worker does before its first step
          return await plainLoop({ models, search, store, agent: cfg.agent }, name, n, c, cpu, embedded.maxSearches);
        } finally {
          await models.close();
        }
      },
      async temporal(name, n, c, localSteps, cpu) {
        const models = provider();
        const worker = await startBenchWorker(t, cfg, { models, search, store, agent: cfg.agent });
        try {
          return await batch(cfg, name, n, c, localSteps, cpu, embedded.maxSearches);
        } finally {
          await worker.stop();
          await models.close();
        }
      },
    };
    return compareLevels(undefined, sides, embedded.concurrency, () => embedded.questions, embedded.reps);
  };

  const rows: Row[] = [];
  try {
    for (const delayMs of opts.delayMs) rows.push(...(await compareAt(delayMs)));
    if (opts.embedded && opts.embedded.questions > 0) rows.push(...(await compareEmbedded(opts.embedded)));
  } finally {
    await t.stop();
    await search.close();
  }

  const rate = (x: number) => round(x, x < 1 ? 3 : 1); // an embedded trajectory takes tens of seconds
  const figures = rows.map((r) => {
    const a = median(r.plainMs);
    const b = median(r.temporalMs);
    const l = median(r.localMs);
    // Each lane runs its trajectories' activities one after another: the extra wall time spread over them.
    const perLaneActivities = r.activities / r.concurrency;
    const range = (xs: number[]) => [round(Math.min(...xs), 3), round(Math.max(...xs), 3)];
    const cpuMs = (side: CpuSink) => ({ process: round(median(side.process), 1), server: side.server.length ? round(median(side.server), 1) : undefined });
    return {
      model: r.delayMs === undefined ? 'embedded' : `scripted, ${r.delayMs} ms`,
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
      plainTrajPerS: rate(r.trajectories / (a / 1000)),
      temporalTrajPerS: rate(r.trajectories / (b / 1000)),
      localTrajPerS: rate(r.trajectories / (l / 1000)),
      cpuMsPerTrajectory: { plain: cpuMs(r.cpu.plain), temporal: cpuMs(r.cpu.temporal), local: cpuMs(r.cpu.local) },
      // A lane's time per trajectory: what one trajectory takes from its start to the next one's in the same lane.
      plainLaneMsPerTrajectory: round((a * r.concurrency) / r.trajectories, 1),
      localLaneMsPerTrajectory: round((l * r.concurrency) / r.trajectories, 1),
      localTimeline: r.timeline,
    };
  });
  const ratioCell = (ratio: number, [lo, hi]: number[]) => `${ratio.toFixed(2)} (${lo.toFixed(2)}-${hi.toFixed(2)})`;
  const cpuCell = (c: { process: number; server?: number }) => (c.server === undefined ? `${c.process}` : `${round(c.process + c.server, 1)} (${c.process} + ${c.server})`);
  const cpuTable: Table = {
    title: 'CPU per trajectory (ms): what each side costs the machine, this process (plain loop, or worker and client) + the dev server',
    columns: ['model', 'concurrency', 'plain loop (a)', 'activities (b)', 'local steps (c)'],
    rows: figures.map((f) => [f.model, f.concurrency, cpuCell(f.cpuMsPerTrajectory.plain), cpuCell(f.cpuMsPerTrajectory.temporal), cpuCell(f.cpuMsPerTrajectory.local)]),
    notes: [
      `Medians over the repetitions; ${machineInfo().cores} cores. A side that needs more CPU ms per trajectory than the plain loop's wall time per trajectory times the cores cannot keep pace with it; below that, what Temporal adds at concurrency 16 is waiting in queues for the cores and the dev server (next table).`,
    ],
  };
  const scripted = rows.some((r) => r.delayMs !== undefined);
  const embedded = rows.some((r) => r.delayMs === undefined);
  const repetitions = [scripted ? `${opts.reps} (scripted model)` : '', embedded ? `${opts.embedded!.reps} (embedded model)` : ''].filter(Boolean).join(' and ');
  const table: Table = {
    title: 'Orchestration overhead: plain loop (a) vs Temporal with activities (b) and with local steps (c), a scripted model with a fixed delay per call, and the embedded model',
    columns: ['model', 'concurrency', 'trajectories', 'activities', 'plain loop s (a)', 'activities s (b)', 'ratio b/a (min-max)', 'added ms per step (b)', 'local steps s (c)', 'ratio c/a (min-max)', 'added ms per step (c)', 'traj/s a / b / c'],
    rows: figures.map((f) => [
      f.model, f.concurrency, f.trajectories, f.activities, f.plainS, f.temporalS, ratioCell(f.ratio, f.ratioRange), f.overheadMsPerActivity,
      f.localS, ratioCell(f.localRatio, f.localRatioRange), f.localOverheadMsPerActivity, `${f.plainTrajPerS} / ${f.temporalTrajPerS} / ${f.localTrajPerS}`,
    ]),
    // Each model's notes only where the table has its rows.
    notes: [
      `Medians of ${repetitions} rotated repetitions; each ratio is the median of the per-repetition ratios. Target: ratio <= 1.10 at concurrency 16.`,
      ...(scripted ? ['Scripted model: each trajectory is decide, search, summarise, decide (Terminate), answer, two checks, save = 8 steps; the batch adds its question load and failure tally.'] : []),
      ...(embedded ? [`Embedded model (${path.basename(EMBEDDED_GGUF)}, ${opts.embedded?.threads ?? 1} thread(s), default agent settings but at most ${opts.embedded?.maxSearches} searches): the first ${opts.embedded?.questions ?? 0} sample questions, the steps it chooses; every run loads the model afresh (not timed), so no side reuses prompts another side cached.`] : []),
      '(b) runs each step as a regular activity (the default); (c) as a local activity (config temporal.localSteps: true), whose result is recorded when the workflow task completes.',
      '"added ms per step": (b - a) or (c - a) divided by the steps one lane runs in sequence, i.e. the latency Temporal adds to each.',
      ...(scripted ? ['The delays: 50 ms is a fast hosted model, 500 ms a typical one; the embedded model takes 1-10 s per step on this machine. What Temporal adds per step is roughly fixed, so its share falls as the model gets slower.'] : []),
    ],
  };
  const timed = figures.filter((f) => f.localTimeline);
  const timelineTable: Table = {
    title: "Where a local-steps trajectory's time goes (ms, medians over the last repetition's trajectories, from the histories)",
    columns: ['model', 'concurrency', 'plain loop: lane time per trajectory', 'local steps: lane time per trajectory', 'child started after the start command', 'first workflow task picked up', 'steps (first task to close)', 'close reaches the batch', 'rest: the batch starting the next'],
    rows: timed.map((f) => {
      const tl = f.localTimeline!;
      const rest = f.localLaneMsPerTrajectory - tl.startMs - tl.dispatchMs - tl.runMs - tl.reportMs;
      return [f.model, f.concurrency, f.plainLaneMsPerTrajectory, f.localLaneMsPerTrajectory, tl.startMs, tl.dispatchMs, tl.runMs, tl.reportMs, round(rest, 1)];
    }),
    notes: [
      'Lane time per trajectory: wall time x concurrency / trajectories. The plain loop spends all of it in the steps; a trajectory workflow adds its start (the batch asks, the server starts the child and queues its first task, the worker picks it up), the hops between its steps (each local step hands its result back to the workflow) and its close (the server records it in the batch, whose next task starts the next child).',
      'With one trajectory in flight these take a few ms each; with 16, every start, task and close queues for the same 2 cores and the one dev server. "rest": the lane time less the four medians, i.e. the batch\'s task that starts the next child, the batch\'s own start and end (question load, failure tally) spread over its trajectories, and the spread of the parts around their medians.',
    ],
  };
  return { config: { ...opts, maxSearches, activitySlots: config.llm.provider === 'llama' ? config.llm.sequences : undefined }, figures: { rows: figures }, tables: [table, cpuTable, ...(timed.length ? [timelineTable] : [])] };
}
