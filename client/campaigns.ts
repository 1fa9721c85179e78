/** Starting a ReST campaign from the CLI and following it: settings from a config file, questions staged through a worker. */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { MultiBar, Presets } from 'cli-progress';
import { CampaignSchema, type CampaignSettings } from '../lib/rest/campaign-settings';
import { formatZodError } from '../lib/config';
import { parseJsonl, QuestionSchema, type Question } from '../lib/corpus';
import { heldOutOverlap } from '../lib/eval/datasets';
import { describeJudge } from '../lib/eval/judge';
import { campaignKeys } from '../lib/artifact-keys';
import { CAMPAIGN_ID, MODEL, modelLabel } from '../lib/search-attributes';
import { campaignSummary, runLabel } from '../lib/run-summary';
import { campaignWorkflowId, newCampaignId } from '../lib/workflow-ids';
import type { campaignWorkflow, CampaignResult } from '../workflows/campaign';
import { progressQuery } from '../workflows/signals';
import { writeArtifact } from './artifacts';
import { ConfigFileError } from './config-loader';
import { formatProgress } from './print-campaign';
import type { TemporalSession } from './runtime';
import { webUiWorkflowUrl } from './web-ui';
import { withLocalSteps } from '../lib/trajectory';

export class CampaignConfigError extends ConfigFileError {}

/** Reads the `campaign` section of a config file; question files resolve against the file's folder. */
export function loadCampaignSettings(configFile: string): CampaignSettings {
  let raw: { campaign?: unknown };
  try {
    raw = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { campaign?: unknown };
  } catch (err) {
    throw new CampaignConfigError(`Cannot read the config file ${configFile}: ${(err as Error).message}`);
  }
  if (!raw.campaign) throw new CampaignConfigError(`${configFile} has no "campaign" section (see examples/sample-campaign.json)`);
  const parsed = CampaignSchema.safeParse(raw.campaign);
  if (!parsed.success) throw new CampaignConfigError(formatZodError(parsed.error, `${configFile} (campaign)`).replace(/^(\s+)/gm, '$1campaign.'));
  const dir = path.dirname(path.resolve(configFile));
  const settings = parsed.data;
  for (const set of [settings.questions, settings.evalQuestions]) set.file = path.resolve(dir, set.file);
  if (settings.corpus) settings.corpus = path.resolve(dir, settings.corpus);
  return settings;
}

/** Problems listed in one message; more are counted. */
const MAX_LISTED = 10;

/**
 * The selected questions of a set, checked, as the JSONL every worker reads. Malformed lines, empty questions and
 * duplicate ids (two trajectories of one id would share a workflow id) are all listed in one message.
 */
export function selectQuestions(set: CampaignSettings['questions'], needAnswers: boolean): { rows: Question[]; jsonl: string; count: number } {
  if (!fs.existsSync(set.file)) throw new CampaignConfigError(`question file not found: ${set.file}`);
  const { rows, errors, lines } = parseJsonl(fs.readFileSync(set.file, 'utf8'), QuestionSchema, 'question');
  const firstLine = new Map<string, number>();
  rows.forEach((q, i) => {
    const first = firstLine.get(q.id);
    if (first === undefined) firstLine.set(q.id, lines[i]);
    else errors.push({ line: lines[i], message: `duplicate id "${q.id}" (first on line ${first})` });
  });
  if (errors.length) {
    errors.sort((a, b) => a.line - b.line);
    const listed = errors.slice(0, MAX_LISTED).map((e) => `  line ${e.line}: ${e.message}`);
    if (errors.length > MAX_LISTED) listed.push(`  ... and ${errors.length - MAX_LISTED} more`);
    throw new CampaignConfigError(`${set.file} has ${errors.length} bad line(s); fix them (each a JSON object {"id", "question", "answers"?} with a unique id and a non-empty question). Nothing was started.\n${listed.join('\n')}`);
  }
  const chosen = rows.slice(set.offset, set.limit ? set.offset + set.limit : undefined);
  if (!chosen.length) throw new CampaignConfigError(`${set.file}: no questions selected (offset ${set.offset}, limit ${set.limit ?? 'none'})`);
  if (needAnswers && chosen.some((q) => !q.answers.length)) throw new CampaignConfigError(`${set.file}: evaluation questions need reference answers`);
  return { rows: chosen, jsonl: chosen.map((q) => JSON.stringify(q)).join('\n') + '\n', count: chosen.length };
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

/** Stages the question sets in the workers' artifact store (through a worker) and starts the campaign workflow. */
export async function startCampaign(session: TemporalSession, settings: CampaignSettings, now = new Date()): Promise<{ workflowId: string; uiLink?: string }> {
  const { client, config } = session;
  const campaignId = newCampaignId(settings.name, now);
  const keys = campaignKeys(campaignId);
  const questions = selectQuestions(settings.questions, false);
  const evalQuestions = selectQuestions(settings.evalQuestions, true);
  refuseHeldOutOverlap(questions.rows, evalQuestions.rows);
  const judge = describeJudge(config.llm, settings.evaluation.judge);
  await writeArtifact(session, keys.questions, questions.jsonl);
  await writeArtifact(session, keys.evalQuestions, evalQuestions.jsonl);
  const workflowId = campaignWorkflowId(campaignId);
  await client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [{ campaignId, questionsKey: keys.questions, questionCount: questions.count, evalQuestionsKey: keys.evalQuestions, evalQuestionCount: evalQuestions.count, settings, judge, trainingTaskQueue: config.temporal.trainingTaskQueue, ...withLocalSteps(config.temporal) }],
    typedSearchAttributes: [
      { key: CAMPAIGN_ID, value: campaignId },
      { key: MODEL, value: modelLabel(settings.policyModel) },
    ],
    ...runLabel(campaignSummary({ campaignId, rounds: settings.rounds, questions: questions.count, evalQuestions: evalQuestions.count, policyModel: settings.policyModel })),
  });
  return { workflowId, uiLink: session.uiUrl ? webUiWorkflowUrl(session.uiUrl, config.temporal.namespace, workflowId) : undefined };
}

/** Progress bars from the campaign's query until it closes; returns its result (or throws its failure). */
export async function watchCampaign(client: Client, workflowId: string, out: (line: string) => void, intervalMs = 1000): Promise<CampaignResult> {
  const handle = client.workflow.getHandle<typeof campaignWorkflow>(workflowId);
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
    const final = await result.catch(() => undefined);
    if (final && bars) roundsBar!.update(final.rounds.length, { info: `status ${final.status}` });
  } finally {
    bars?.stop();
  }
  return result;
}
