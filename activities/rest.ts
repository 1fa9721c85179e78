/**
 * ReST activities (paper sections 3.4-3.6): load a question batch, rank a trajectory's step samples with an
 * LLM rater, build the step-level dataset, fine-tune, score an evaluation, record the model in the registry.
 * Each reads and writes the artifact store and returns small summaries.
 */
import { Context } from '@temporalio/activity';
import type { ArtifactStore } from '../ports/artifact-store';
import { getJson, putJson } from '../ports/artifact-store';
import type { ChatModelProvider } from '../ports/chat-model';
import type { FineTuneHyperparameters, FineTuneProgress, FineTuner, FineTuneResult } from '../ports/fine-tuner';
import { parseJsonl, QuestionSchema } from '../lib/corpus';
import { stepDefinition, StepKind, LLM_STEP_KINDS } from '../lib/agent/steps';
import type { LlmStepRecord, StepRecord, Trajectory } from '../lib/trajectory';
import { trajectoryKey } from '../lib/trajectory';
import { rankingSpec, renderRankerPrompt, shuffleOrder, unshuffle, RANKER_MAX_TOKENS, RANKER_SYSTEM_PROMPT } from '../lib/ranking';
import { buildDataset, toJsonl } from '../lib/dataset';
import { aggregate, exactMatch, f1 } from '../lib/metrics';
import { roundScoresSvg } from '../lib/charts';
import type { DatasetSummary, EvalScore } from '../lib/rest-progress';

export type { DatasetSummary, EvalScore };

export interface QuestionItem {
  id: string;
  question: string;
}

export async function loadQuestions(store: ArtifactStore, call: { key: string; offset: number; limit: number }): Promise<QuestionItem[]> {
  const { rows, errors } = parseJsonl((await store.get(call.key)).toString('utf8'), QuestionSchema, 'question');
  if (errors.length) throw new Error(`${call.key} line ${errors[0].line}: ${errors[0].message}`);
  return rows.slice(call.offset, call.offset + call.limit).map((q) => ({ id: q.id, question: q.question }));
}

/** One fine-tuning example candidate: a step's clean prompt and its chosen output line. */
export interface RankedItem {
  stepKind: StepKind;
  prompt: string;
  target: string;
  sourceId: string;
  /** How the target was chosen. */
  chosenBy: 'ranker' | 'single_sample' | 'lowest_perplexity_fallback';
  ranking?: number[];
  explanation?: string;
}

export interface RankSummary {
  rankedSteps: number;
  rankerCalls: number;
  fallbacks: number;
}

export function rankedKey(prefix: string, trajectoryId: string): string {
  return `${prefix}/${trajectoryId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

/** Ranks every LLM step of a stored trajectory; writes the step-level items next to the round's other rankings. */
export async function rankTrajectory(
  deps: { models: ChatModelProvider; store: ArtifactStore },
  call: { workflowId: string; rankerModel?: string; maxRepairs: number; seed: string; outPrefix: string },
): Promise<RankSummary> {
  const outKey = rankedKey(call.outPrefix, call.workflowId);
  if (await deps.store.exists(outKey)) return (await getJson<{ summary: RankSummary }>(deps.store, outKey)).summary; // retried after it finished
  const trajectory = await getJson<Trajectory>(deps.store, trajectoryKey(call.workflowId));
  const items: RankedItem[] = [];
  const summary: RankSummary = { rankedSteps: 0, rankerCalls: 0, fallbacks: 0 };
  for (const step of trajectory.steps) {
    if (!isLlmStep(step) || step.status !== 'ok') continue;
    Context.current().heartbeat(step.index);
    const item = await rankStep(deps, call, trajectory.workflowId, step, summary);
    if (item) {
      items.push(item);
      summary.rankedSteps++;
    }
  }
  await putJson(deps.store, outKey, { workflowId: call.workflowId, summary, items });
  return summary;
}

function isLlmStep(step: StepRecord): step is LlmStepRecord {
  return (LLM_STEP_KINDS as string[]).includes(step.kind);
}

async function rankStep(
  deps: { models: ChatModelProvider },
  call: { rankerModel?: string; maxRepairs: number; seed: string },
  trajectoryId: string,
  step: LlmStepRecord,
  summary: RankSummary,
): Promise<RankedItem | undefined> {
  const def = stepDefinition(step.kind);
  const prompt = def.render(step.input as never); // the clean prompt, without repair notes
  const sourceId = `${trajectoryId}#${step.index}`;
  const samples = step.samples ?? [];
  const parsable = samples.map((s, i) => ({ s, i })).filter((x) => x.s.parsed !== undefined);
  const target = (parsed: unknown) => def.spec.render(parsed as never);
  const distinct = new Set(samples.map((s) => s.raw.trim()));
  if (samples.length < 2 || distinct.size < 2 || parsable.length === 0) {
    return { stepKind: step.kind, prompt, target: target(step.parsed), sourceId, chosenBy: 'single_sample' };
  }
  // Show the samples in a shuffled order, so the rater's position bias does not become the policy's.
  const order = shuffleOrder(samples.length, `${call.seed}:${sourceId}`);
  const shown = order.map((i) => samples[i].raw);
  const spec = rankingSpec(samples.length);
  const ranker = await deps.models.get(call.rankerModel);
  let notes = '';
  for (let attempt = 0; attempt <= call.maxRepairs; attempt++) {
    summary.rankerCalls++;
    const result = await ranker.generate({
      messages: [
        { role: 'system', content: RANKER_SYSTEM_PROMPT },
        { role: 'user', content: renderRankerPrompt({ stepKind: step.kind, stepPrompt: prompt, samples: shown }) + notes },
      ],
      grammar: spec.grammar,
      temperature: 0,
      maxTokens: RANKER_MAX_TOKENS,
    });
    const parsed = spec.parse(result.text);
    if (parsed.ok) {
      const ranking = unshuffle(parsed.value.ranking, order);
      const best = ranking.find((i) => samples[i].parsed !== undefined)!;
      return { stepKind: step.kind, prompt, target: target(samples[best].parsed), sourceId, chosenBy: 'ranker', ranking, explanation: parsed.value.explanation };
    }
    notes = `\n\n(Your previous rating was not valid: ${parsed.error}. Follow the format exactly.)`;
  }
  summary.fallbacks++;
  const best = parsable.reduce((a, b) => ((b.s.perplexity ?? Infinity) < (a.s.perplexity ?? Infinity) ? b : a));
  return { stepKind: step.kind, prompt, target: target(best.s.parsed), sourceId, chosenBy: 'lowest_perplexity_fallback' };
}


export async function buildRoundDataset(
  store: ArtifactStore,
  call: { rankedPrefix: string; outPrefix: string; validationFraction: number; seed: string },
): Promise<DatasetSummary> {
  const keys = await store.list(call.rankedPrefix + '/');
  const items: RankedItem[] = [];
  for (const key of keys) items.push(...(await getJson<{ items: RankedItem[] }>(store, key)).items);
  const dataset = buildDataset(items, { validationFraction: call.validationFraction, seed: call.seed });
  const trainKey = await store.put(`${call.outPrefix}/train.jsonl`, toJsonl(dataset.train));
  const validationKey = await store.put(`${call.outPrefix}/validation.jsonl`, toJsonl(dataset.validation));
  await putJson(store, `${call.outPrefix}/stats.json`, dataset.stats);
  return {
    trainKey,
    validationKey,
    train: dataset.train.length,
    validation: dataset.validation.length,
    duplicatesRemoved: dataset.stats.duplicatesRemoved,
    perStep: dataset.stats.perStep,
  };
}

/** The fine-tune, inside one heartbeating activity: a retry resumes from the last heartbeat's details. */
export async function fineTune(
  deps: { store: ArtifactStore; fineTuner: FineTuner },
  call: { jobKey: string; baseModel: string; trainKey: string; validationKey?: string; outputKey: string; hyperparameters: FineTuneHyperparameters },
): Promise<FineTuneResult> {
  const ctx = Context.current();
  const resumeFrom = ctx.info.heartbeatDetails as FineTuneProgress | undefined;
  return deps.fineTuner.fineTune(
    {
      jobKey: call.jobKey,
      baseModel: call.baseModel,
      trainFile: deps.store.localPath(call.trainKey),
      validationFile: call.validationKey ? deps.store.localPath(call.validationKey) : undefined,
      outputDir: deps.store.localPath(call.outputKey),
      hyperparameters: call.hyperparameters,
    },
    { onProgress: (p) => ctx.heartbeat(p), resumeFrom, signal: ctx.cancellationSignal },
  );
}


export async function scoreEvaluation(
  store: ArtifactStore,
  call: { questionsKey: string; answers: Array<{ questionId: string; answer: string | null }>; reportKey: string },
): Promise<EvalScore> {
  const { rows } = parseJsonl((await store.get(call.questionsKey)).toString('utf8'), QuestionSchema, 'question');
  const gold = new Map(rows.map((q) => [q.id, q.answers]));
  const per = call.answers.map((a) => {
    const refs = gold.get(a.questionId) ?? [];
    const pred = a.answer ?? '';
    return { questionId: a.questionId, answer: a.answer, references: refs, em: exactMatch(pred, refs), f1: f1(pred, refs) };
  });
  const total = aggregate(per);
  const score: EvalScore = { n: total.n, answered: call.answers.filter((a) => a.answer !== null).length, em: total.em, f1: total.f1 };
  await putJson(store, call.reportKey, { ...score, perQuestion: per });
  return score;
}

export interface RegistryEntry {
  model: string;
  campaignId: string;
  round: number;
  parentModel: string;
  datasetKey: string;
  trainLoss: number[];
  eval?: EvalScore;
  outputs: Record<string, string>;
}

export const REGISTRY_KEY = 'registry/models.json';

/** Records a round's model with its data and parent; idempotent per (campaign, round). */
export async function registerModel(store: ArtifactStore, entry: RegistryEntry): Promise<void> {
  const registry = (await store.exists(REGISTRY_KEY)) ? await getJson<{ models: RegistryEntry[] }>(store, REGISTRY_KEY) : { models: [] };
  registry.models = registry.models.filter((m) => !(m.campaignId === entry.campaignId && m.round === entry.round));
  registry.models.push(entry);
  await putJson(store, REGISTRY_KEY, registry);
}


/** The campaign's report: its result as JSON and the per-round scores as an SVG chart. */
export async function writeCampaignReport(
  store: ArtifactStore,
  call: { campaignId: string; baseline?: EvalScore; rounds: Array<{ round: number; eval: EvalScore }>; result: unknown },
): Promise<{ reportKey: string; chartKey: string }> {
  const rows = [
    ...(call.baseline ? [{ label: 'baseline', em: call.baseline.em, f1: call.baseline.f1 }] : []),
    ...call.rounds.map((r) => ({ label: `round ${r.round}`, em: r.eval.em, f1: r.eval.f1 })),
  ];
  const reportKey = await putJson(store, `campaigns/${call.campaignId}/report.json`, call.result);
  const chartKey = await store.put(`campaigns/${call.campaignId}/scores.svg`, roundScoresSvg(`${call.campaignId}: held-out scores per round`, rows));
  return { reportKey, chartKey };
}
