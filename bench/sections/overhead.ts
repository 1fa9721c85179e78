/**
 * (1) Orchestration overhead: the same trajectories (a) as a plain in-process loop over the activity functions
 * (bench/plain-loop.ts) and (b) through Temporal (collectBatchWorkflow -> trajectoryWorkflow -> activities on the
 * dev server), both with a scripted ChatModel that answers after a fixed delay and the sample BM25 index.
 * The two sides alternate (a b, then b a, ...) and each figure is a median over the repetitions.
 */
import path from 'node:path';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { SqliteSearchEngines } from '../../adapters/search/sqlite-fts';
import { AGENT_RULES, RuleModel } from '../../test/helpers/rule-model';
import { benchDir, benchQuestions, sampleIndex, toJsonl } from '../fixtures';
import { median, round } from '../machine';
import { inLanes, runTrajectoryInProcess } from '../plain-loop';
import type { Table } from '../report';
import { benchConfig, runBatch, startBenchTemporal, startBenchWorker } from '../temporal-harness';

export interface OverheadOptions {
  /** Concurrency levels (trajectories in flight). */
  concurrency: number[];
  /** Trajectories per lane: each level runs concurrency x perLane trajectories. */
  perLane: number;
  reps: number;
  /** The scripted model's delay per call. */
  delayMs: number;
}

export async function overhead(opts: OverheadOptions) {
  const dir = benchDir('overhead');
  const search = new SqliteSearchEngines(sampleIndex(dir));
  const models = new RuleModel(AGENT_RULES, opts.delayMs);
  const maxConcurrency = Math.max(...opts.concurrency);
  // As many activity slots as trajectories in flight, so the worker never queues what the plain loop runs at once.
  // The scripted model writes fixed steps, not choices among the evidence: the plain grammars ("free"), as in tests.
  const config = benchConfig(`bench-overhead-${process.pid}`, { sequences: Math.min(16, maxConcurrency) }, { grounding: 'free' });
  const store = new LocalDirStore(path.join(dir, 'artifacts'));
  const deps = { models, search, store, agent: config.agent };
  const maxSearches = config.agent.maxSearches;
  const count = maxConcurrency * opts.perLane;
  const questions = benchQuestions(count, 'o');
  await store.put('bench/questions.jsonl', toJsonl(questions));

  const t = await startBenchTemporal();
  const worker = await startBenchWorker(t, config, deps);
  const rows: Array<{ concurrency: number; trajectories: number; activities: number; plainMs: number[]; temporalMs: number[]; ratios: number[] }> = [];
  try {
    const plain = async (name: string, n: number, c: number) => {
      let activities = 0;
      const started = performance.now();
      await inLanes(questions.slice(0, n), c, async (q) => {
        const done = await runTrajectoryInProcess(deps, { trajectoryId: `${name}.${q.id}`, question: q.question, maxSearches });
        activities += done.activities; // not `activities += await ...`, which would add to the value read before the await
      });
      return { ms: performance.now() - started, activities };
    };
    const temporal = async (name: string, n: number, c: number) =>
      (await runBatch(t, config, { name, questionsKey: 'bench/questions.jsonl', count: n, concurrency: c, maxSearches })).wallMs;

    // Warm-up: the worker's workflow cache, the SQLite pages, the JIT.
    await plain('warm-plain', 4, 4);
    await temporal('warm-temporal', 4, 4);

    for (const c of opts.concurrency) {
      const n = c * opts.perLane;
      const row = { concurrency: c, trajectories: n, activities: 0, plainMs: [] as number[], temporalMs: [] as number[], ratios: [] as number[] };
      for (let rep = 0; rep < opts.reps; rep++) {
        const name = `c${c}-r${rep}`;
        let a = 0;
        let b = 0;
        // Alternate which side goes first, so a drift in the machine's load does not favour one side.
        if (rep % 2 === 0) {
          ({ ms: a, activities: row.activities } = await plain(`plain-${name}`, n, c));
          b = await temporal(`temporal-${name}`, n, c);
        } else {
          b = await temporal(`temporal-${name}`, n, c);
          ({ ms: a, activities: row.activities } = await plain(`plain-${name}`, n, c));
        }
        row.plainMs.push(a);
        row.temporalMs.push(b);
        row.ratios.push(b / a);
      }
      rows.push(row);
    }
  } finally {
    await worker.stop();
    await t.stop();
    await search.close();
  }

  const figures = rows.map((r) => {
    const a = median(r.plainMs);
    const b = median(r.temporalMs);
    // Each lane runs its trajectories' activities one after another: the extra wall time spread over them.
    const perLaneActivities = r.activities / r.concurrency;
    return {
      concurrency: r.concurrency,
      trajectories: r.trajectories,
      activities: r.activities,
      plainS: round(a / 1000, 3),
      temporalS: round(b / 1000, 3),
      ratio: round(median(r.ratios), 3),
      ratioRange: [round(Math.min(...r.ratios), 3), round(Math.max(...r.ratios), 3)],
      overheadMsPerActivity: round((b - a) / perLaneActivities, 1),
      plainTrajPerS: round(r.trajectories / (a / 1000), 1),
      temporalTrajPerS: round(r.trajectories / (b / 1000), 1),
    };
  });
  const table: Table = {
    title: `Orchestration overhead: plain loop (a) vs Temporal (b), scripted model ${opts.delayMs} ms per call`,
    columns: ['concurrency', 'trajectories', 'activities', 'plain loop s (a)', 'Temporal s (b)', 'ratio b/a (min-max)', 'added ms per activity', 'plain traj/s', 'Temporal traj/s'],
    rows: figures.map((f) => [f.concurrency, f.trajectories, f.activities, f.plainS, f.temporalS, `${f.ratio.toFixed(2)} (${f.ratioRange[0].toFixed(2)}-${f.ratioRange[1].toFixed(2)})`, f.overheadMsPerActivity, f.plainTrajPerS, f.temporalTrajPerS]),
    notes: [
      `Medians of ${opts.reps} interleaved repetitions; the ratio is the median of the per-repetition ratios. Target: ratio <= 1.10 at concurrency 16.`,
      'Each trajectory: decide, search, summarise, decide (Terminate), answer, two checks, save = 8 activities; the batch adds its question load.',
      '"added ms per activity": (b - a) divided by the activities one lane runs in sequence, i.e. the latency Temporal adds to each.',
    ],
  };
  return { config: { ...opts, maxSearches, activitySlots: config.llm.provider === 'llama' ? config.llm.sequences : undefined }, figures: { rows: figures }, tables: [table] };
}
