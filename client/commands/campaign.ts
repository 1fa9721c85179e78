/**
 * `restact campaign start|status|watch|stop`: start a ReST campaign, show its progress (a query on the
 * campaign workflow), stop it after the current round (a signal).
 */
import fs from 'node:fs';
import path from 'node:path';
import { MultiBar, Presets } from 'cli-progress';
import { z } from 'zod';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { CampaignSchema, type CampaignSettings } from '../../lib/campaign';
import { formatZodError } from '../../lib/config';
import { parseJsonl, QuestionSchema, type Question } from '../../lib/corpus';
import { heldOutOverlap } from '../../lib/eval/datasets';
import { describeJudge } from '../../lib/eval/judge';
import { formatEstimate } from '../../lib/eval/report';
import type { EvalScore } from '../../lib/rest-progress';
import type { CampaignProgress, RoundSummary } from '../../lib/rest-progress';
import { webUiWorkflowUrl } from '../../lib/web-ui';
import { CAMPAIGN_ID } from '../../lib/search-attributes';
import { campaignWorkflow, progressQuery, type CampaignResult } from '../../workflows/rest';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { ConfigFileError } from '../config-loader';
import type { TemporalSession } from '../runtime';

export class CampaignConfigError extends ConfigFileError {}

/** Reads the `campaign` section of a config file; question files resolve against the file's folder. */
export function loadCampaignSettings(configFile: string): CampaignSettings {
  const raw = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { campaign?: unknown };
  if (!raw.campaign) throw new CampaignConfigError(`${configFile} has no "campaign" section (see examples/sample-campaign.json)`);
  const parsed = CampaignSchema.safeParse(raw.campaign);
  if (!parsed.success) throw new CampaignConfigError(formatZodError(parsed.error, `${configFile} (campaign)`).replace(/^(\s+)/gm, '$1campaign.'));
  const dir = path.dirname(path.resolve(configFile));
  const settings = parsed.data;
  for (const set of [settings.questions, settings.evalQuestions]) set.file = path.resolve(dir, set.file);
  if (settings.corpus) settings.corpus = path.resolve(dir, settings.corpus);
  return settings;
}

/** The selected questions of a set, validated. */
function selectQuestions(set: CampaignSettings['questions'], needAnswers: boolean): Question[] {
  if (!fs.existsSync(set.file)) throw new CampaignConfigError(`question file not found: ${set.file}`);
  const { rows, errors } = parseJsonl(fs.readFileSync(set.file, 'utf8'), QuestionSchema, 'question');
  if (errors.length) throw new CampaignConfigError(`${set.file} line ${errors[0].line}: ${errors[0].message}`);
  const chosen = rows.slice(set.offset, set.limit ? set.offset + set.limit : undefined);
  if (!chosen.length) throw new CampaignConfigError(`${set.file}: no questions selected (offset ${set.offset}, limit ${set.limit ?? 'none'})`);
  if (needAnswers && chosen.some((q) => !q.answers.length)) throw new CampaignConfigError(`${set.file}: evaluation questions need reference answers`);
  return chosen;
}

/** The held-out set must never feed training: one message naming the overlapping questions. */
export function refuseHeldOutOverlap(training: Question[], heldOut: Question[]): void {
  const overlap = heldOutOverlap(training, heldOut);
  if (!overlap.length) return;
  const shown = overlap.slice(0, 5).map((o) => `${o.id} (same ${o.by === 'id' ? 'id' : 'question text'})`).join(', ');
  throw new CampaignConfigError(
    `campaign.evalQuestions overlap campaign.questions in ${overlap.length} question(s): ${shown}${overlap.length > 5 ? ', ...' : ''}. ` +
      'Held-out questions must never be trained on: choose disjoint files or offsets/limits.',
  );
}

/** Copies the selected questions into the artifact store, so every worker reads the same set. */
async function stageQuestions(store: LocalDirStore, key: string, questions: Question[]): Promise<number> {
  await store.put(key, questions.map((q) => JSON.stringify(q)).join('\n') + '\n');
  return questions.length;
}

export function campaignId(settings: CampaignSettings, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${settings.name}-${stamp}`;
}

export async function startCampaign(session: TemporalSession, settings: CampaignSettings): Promise<{ workflowId: string; uiLink?: string }> {
  const { client, config } = session;
  const id = campaignId(settings);
  const store = new LocalDirStore(config.artifacts.dir);
  const questionsKey = `campaigns/${id}/questions.jsonl`;
  const evalQuestionsKey = `campaigns/${id}/eval-questions.jsonl`;
  const training = selectQuestions(settings.questions, false);
  const heldOut = selectQuestions(settings.evalQuestions, true);
  refuseHeldOutOverlap(training, heldOut);
  const questionCount = await stageQuestions(store, questionsKey, training);
  const evalQuestionCount = await stageQuestions(store, evalQuestionsKey, heldOut);
  const judge = describeJudge(config.llm, settings.evaluation.judge);
  const workflowId = `campaign-${id}`;
  await client.workflow.start(campaignWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [{ campaignId: id, questionsKey, questionCount, evalQuestionsKey, evalQuestionCount, settings, judge }],
    typedSearchAttributes: [{ key: CAMPAIGN_ID, value: id }],
  });
  return { workflowId, uiLink: session.uiUrl ? webUiWorkflowUrl(session.uiUrl, config.temporal.namespace, workflowId) : undefined };
}

// ---------------------------------------------------------------------------------------------- display

const pct = (x: number) => (100 * x).toFixed(1).padStart(5);

/** A per-round chart: EM and F1 as bars, so the trend reads at a glance. */
export function formatRoundChart(result: Pick<CampaignResult, 'baseline' | 'rounds'>): string {
  const rows: Array<[string, number, number]> = [];
  if (result.baseline) rows.push(['baseline', result.baseline.em, result.baseline.f1]);
  for (const r of result.rounds) rows.push([`round ${r.round}`, r.eval.em, r.eval.f1]);
  const bar = (x: number) => '█'.repeat(Math.round(x * 40)).padEnd(40, '·');
  return ['held-out score     EM      F1', ...rows.map(([name, em, f1]) => `${name.padEnd(10)} EM ${pct(em)}% ${bar(em)}\n${''.padEnd(10)} F1 ${pct(f1)}% ${bar(f1)}`)].join('\n');
}

export function formatRoundSummary(r: RoundSummary): string {
  const loss = r.trainLoss.first !== undefined ? `${r.trainLoss.first.toFixed(3)} -> ${r.trainLoss.last!.toFixed(3)} over ${r.trainLoss.steps} logged steps` : 'n/a';
  const perStep = Object.entries(r.dataset.perStep).map(([k, v]) => `${k} ${v.train}/${v.validation}`).join(', ');
  return [
    `Round ${r.round}  (${r.workflowId})`,
    `  policy:        ${r.policyModel}`,
    `  trajectories:  ${r.trajectories} for ${r.questions} questions, ${r.failedTrajectories} failed`,
    `  ranking:       ${r.rankedSteps} ranked steps, ${r.rankerCalls} ranker calls, ${r.rankingFallbacks} fell back to lowest perplexity`,
    `  dataset:       ${r.dataset.train} train / ${r.dataset.validation} validation examples (${r.dataset.duplicatesRemoved} duplicates removed); per step (train/val): ${perStep}`,
    `  fine-tune:     loss ${loss}`,
    `  new model:     ${r.model}`,
    ...formatEvalScore('held-out eval:', r.eval),
  ].join('\n');
}

/** A held-out score: with evalWorkflow's CIs and paired comparisons, else EM and F1 alone. */
export function formatEvalScore(heading: string, e: EvalScore): string[] {
  const est = (k: 'autoEval' | 'em' | 'f1', v: number) => formatEstimate({ value: v, low: e.ci?.[k].low ?? null, high: e.ci?.[k].high ?? null, n: e.n }, 'percent');
  if (e.autoEval === undefined) return [`  ${heading} EM ${pct(e.em)}%  F1 ${pct(e.f1)}%  (${e.answered}/${e.n} answered)`];
  const lines = [
    `  ${heading} auto-eval ${est('autoEval', e.autoEval)}  EM ${est('em', e.em)}  F1 ${est('f1', e.f1)}  (% [95% CI]; ${e.answered}/${e.n} answered)`,
    `                 judge: ${e.judge ?? 'n/a'}; report: ${e.report ?? 'n/a'}`,
  ];
  for (const p of e.paired ?? []) {
    if (p.metric !== 'autoEval' && p.metric !== 'em') continue;
    lines.push(`  ${`${p.b} vs ${p.a}:`.padEnd(15)} ${p.metric === 'em' ? 'EM' : 'auto-eval'} ${formatEstimate(p, 'percent')} pts (paired, ${p.n} questions; CI ${p.excludesZero ? 'excludes' : 'includes'} 0)`);
  }
  return lines;
}

export function formatProgress(p: CampaignProgress): string {
  return `round ${Math.min(p.round + 1, p.rounds)}/${p.rounds}  phase ${p.phase}  questions ${p.questionsDone}/${p.questionsTotal}  trajectories ${p.trajectories}  failures ${p.failures}${p.stopRequested ? '  (stop requested)' : ''}`;
}

/** Progress bars from the campaign's query until it closes; returns its result (or throws its failure). */
export async function watchCampaign(client: Client, workflowId: string, out: (line: string) => void, intervalMs = 1000): Promise<CampaignResult> {
  const handle = client.workflow.getHandle(workflowId);
  const tty = process.stderr.isTTY;
  const bars = tty ? new MultiBar({ clearOnComplete: false, hideCursor: true, format: '{label} [{bar}] {value}/{total} {info}' }, Presets.shades_classic) : undefined;
  const roundsBar = bars?.create(1, 0, { label: 'rounds   ', info: '' });
  const phaseBar = bars?.create(1, 0, { label: 'questions', info: '' });
  let lastLine = '';
  let closed = false;
  const result = handle.result().finally(() => (closed = true));
  result.catch(() => undefined);
  try {
    while (!closed) {
      try {
        const p = await handle.query(progressQuery);
        if (bars) {
          roundsBar!.setTotal(p.rounds);
          roundsBar!.update(p.summaries.length, { info: `phase ${p.phase}${p.stopRequested ? ' (stop requested)' : ''}` });
          phaseBar!.setTotal(Math.max(p.questionsTotal, 1));
          phaseBar!.update(p.questionsDone, { info: `trajectories ${p.trajectories}, failures ${p.failures}` });
        } else {
          const line = formatProgress(p);
          if (line !== lastLine) out(line);
          lastLine = line;
        }
      } catch {
        // The query can fail briefly while the workflow moves between tasks; try again next tick.
      }
      await Promise.race([new Promise((r) => setTimeout(r, intervalMs)), result.catch(() => undefined)]);
    }
    // One last draw from the result itself, so the bars end on the final state.
    const final = (await result.catch(() => undefined)) as CampaignResult | undefined;
    if (final && bars) roundsBar!.update(final.rounds.length, { info: `status ${final.status}` });
  } finally {
    bars?.stop();
  }
  return result as Promise<CampaignResult>;
}

export function printCampaignResult(result: CampaignResult, out: (line: string) => void): void {
  out(`\nCampaign ${result.campaignId}: ${result.status}; final model ${result.finalModel}\n`);
  if (result.baseline) out(['Baseline (starting policy)', ...formatEvalScore('held-out eval:', result.baseline)].join('\n') + '\n');
  for (const r of result.rounds) out(formatRoundSummary(r) + '\n');
  out(formatRoundChart(result));
  if (result.report) out(`\nReport: ${result.report.reportKey}, chart: ${result.report.chartKey} (in the artifact store); \`restact report ${result.campaignId}\` writes the per-round page with charts`);
}

export const CampaignIdArg = z.string().regex(/^[A-Za-z0-9._-]+$/, 'a campaign workflow id, e.g. campaign-sample-20261125-101500');

export function isWorkflowFailure(err: unknown): err is WorkflowFailedError {
  return err instanceof WorkflowFailedError;
}

