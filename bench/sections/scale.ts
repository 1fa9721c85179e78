/**
 * (3) Scale: one ReST round of many questions x samples (collect, rank, dataset, fine-tune, evaluate) on the dev
 * server, with a zero-delay scripted model and the recording fine-tuner, the worker in a process of its own (so its
 * peak memory is its own). Then every workflow's history length and size, against Temporal's limits.
 */
import path from 'node:path';
import { buildSqliteIndex } from '../../adapters/search/sqlite-fts';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { CampaignSchema } from '../../lib/rest/campaign-settings';
import { campaignWorkflowId } from '../../lib/workflow-ids';
import { campaignWorkflow } from '../../workflows/campaign';
import { killWorker, startWorkerProcess } from '../../test/helpers/spawn-worker';
import { benchDir, benchQuestions, SAMPLE, toJsonl } from '../fixtures';
import { peakRssMb, round, RssSampler } from '../machine';
import type { Table } from '../report';
import { startBenchTemporal } from '../temporal-harness';

export interface ScaleOptions {
  questions: number;
  samples: number;
  concurrency: number;
  batchSize: number;
}

/** Temporal's hard limits per workflow history (it warns at a fifth of each). */
const MAX_EVENTS = 51_200;
const MAX_BYTES = 50 * 2 ** 20;
const EVAL_QUESTIONS = 20;

export async function scale(opts: ScaleOptions) {
  const dir = benchDir('scale');
  const db = path.join(dir, 'index.sqlite');
  buildSqliteIndex({ corpusPath: path.join(SAMPLE, 'corpus.jsonl'), dbPath: db });
  const store = new LocalDirStore(path.join(dir, 'artifacts'));
  await store.put('bench/questions.jsonl', toJsonl(benchQuestions(opts.questions, 's')));
  await store.put('bench/eval.jsonl', toJsonl(benchQuestions(EVAL_QUESTIONS, 'e')));
  const t = await startBenchTemporal();
  const taskQueue = `bench-scale-${process.pid}`;
  const worker = await startWorkerProcess({
    TEMPORAL_ADDRESS: t.server.address,
    TASK_QUEUE: taskQueue,
    ARTIFACT_DIR: store.location,
    SEARCH_DB: db,
    WORK_DIR: path.join(dir, 'work'),
    DELAY_MS: '0',
    ACTIVITY_SLOTS: String(opts.concurrency),
  });
  const workerRss = new RssSampler(worker.pid, 500);
  const serverRss = new RssSampler(t.server.pid, 500);
  try {
    const settings = CampaignSchema.parse({
      name: 'scale', rounds: 1, questions: { file: 'x' }, evalQuestions: { file: 'x' },
      samplesPerQuestion: [opts.samples], stepSamples: 1, concurrency: opts.concurrency, batchSize: opts.batchSize,
    });
    const workflowId = campaignWorkflowId(`scale-${Date.now()}`);
    const started = performance.now();
    const result = await t.client.workflow.execute(campaignWorkflow, {
      taskQueue,
      workflowId,
      args: [{ campaignId: workflowId, questionsKey: 'bench/questions.jsonl', questionCount: opts.questions, evalQuestionsKey: 'bench/eval.jsonl', evalQuestionCount: EVAL_QUESTIONS, settings }],
    });
    const wallS = (performance.now() - started) / 1000;
    const workerPeak = Math.max(workerRss.stop(), peakRssMb(worker.pid) ?? 0);
    const serverPeak = serverRss.stop();
    const [summary] = result.rounds;

    // Every workflow of the run: the longest and the largest history of each type.
    const byType = new Map<string, { count: number; events: number; bytes: number; eventsId: string; bytesId: string }>();
    for await (const wf of t.client.workflow.list()) {
      const s = byType.get(wf.type) ?? { count: 0, events: 0, bytes: 0, eventsId: '', bytesId: '' };
      s.count++;
      if (wf.historyLength > s.events) [s.events, s.eventsId] = [wf.historyLength, wf.workflowId];
      if ((wf.historySize ?? 0) > s.bytes) [s.bytes, s.bytesId] = [wf.historySize ?? 0, wf.workflowId];
      byType.set(wf.type, s);
    }
    const types = [...byType.entries()].sort((a, b) => b[1].events - a[1].events);
    const largest = types[0][1];
    const trajectories = summary.trajectories + EVAL_QUESTIONS;
    const figures = {
      questions: opts.questions,
      samples: opts.samples,
      trajectories,
      failedTrajectories: summary.failedTrajectories,
      rankedSteps: summary.rankedSteps,
      datasetLines: summary.dataset.train + summary.dataset.validation,
      wallS: round(wallS, 1),
      trajectoriesPerS: round(trajectories / wallS, 1),
      // Each trajectory: 8 activities, and one ranking in the collect phase.
      activitiesPerS: round((trajectories * 8 + summary.trajectories) / wallS, 1),
      workerPeakRssMb: workerPeak,
      serverPeakRssMb: serverPeak,
      largestHistoryEvents: largest.events,
      largestHistoryBytes: Math.max(...types.map(([, s]) => s.bytes)),
      histories: Object.fromEntries(types.map(([type, s]) => [type, s])),
    };
    const tables: Table[] = [
      {
        title: `Scale: one round of ${opts.questions.toLocaleString('en-US')} questions x ${opts.samples} samples, zero-delay scripted model`,
        columns: ['trajectories', 'failed', 'ranked steps', 'dataset lines', 'wall s', 'trajectories/s', 'activities/s', 'worker peak RSS MB', 'dev server peak RSS MB'],
        rows: [[figures.trajectories, figures.failedTrajectories, figures.rankedSteps, figures.datasetLines, figures.wallS, figures.trajectoriesPerS, figures.activitiesPerS, figures.workerPeakRssMb, figures.serverPeakRssMb]],
        notes: [
          `Concurrency ${opts.concurrency} trajectories per batch, batches of ${opts.batchSize} questions, ${opts.concurrency} activity slots; ${EVAL_QUESTIONS} held-out questions evaluated after the (recording) fine-tune.`,
        ],
      },
      {
        title: 'Largest workflow histories in that round, against Temporal\'s limits (51,200 events, 50 MB)',
        columns: ['workflow type', 'workflows', 'most events', 'share of event limit', 'largest bytes', 'share of size limit'],
        rows: types.map(([type, s]) => [type, s.count, s.events, `${((100 * s.events) / MAX_EVENTS).toFixed(2)}%`, s.bytes, `${((100 * s.bytes) / MAX_BYTES).toFixed(3)}%`]),
      },
    ];
    return { config: { ...opts, evalQuestions: EVAL_QUESTIONS, stepSamples: 1 }, figures, tables };
  } finally {
    await killWorker(worker);
    await t.stop();
  }
}
