/**
 * The one-line summary every workflow carries in its memo (`summary`) and as its Web UI summary, so a list of
 * runs reads without opening each one. Pure: workflows import it for the children they start.
 */

/** Memo key of the summary line. */
export const SUMMARY_MEMO_KEY = 'summary';

/** What a starter passes with a workflow: the memo and the Web UI's summary line. */
export interface RunLabel {
  memo: Record<string, unknown>;
  staticSummary: string;
}

export function runLabel(summary: string, extra: Record<string, unknown> = {}): RunLabel {
  return { memo: { [SUMMARY_MEMO_KEY]: summary, ...extra }, staticSummary: summary };
}

/** Whitespace flattened, cut to `max` characters. */
export function oneLine(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

const modelPart = (model: string | undefined) => (model ? `model ${model}` : 'default model');

export function trajectorySummary(t: { questionId: string; question: string; model?: string; sample?: number }): string {
  const sample = t.sample ? ` sample ${t.sample}` : '';
  return `${t.questionId}${sample}: "${oneLine(t.question, 70)}" (${modelPart(t.model)})`;
}

export function campaignSummary(c: { campaignId: string; rounds: number; questions: number; evalQuestions: number; policyModel: string }): string {
  return `ReST campaign ${c.campaignId}: ${c.rounds} round(s) over ${c.questions} questions, ${c.evalQuestions} held out; starts from ${c.policyModel}`;
}

export function roundSummaryLine(r: { campaignId: string; round: number; policyModel: string; questions: number }): string {
  return `round ${r.round} of campaign ${r.campaignId}: collect, rank, fine-tune ${r.policyModel}, evaluate (${r.questions} questions)`;
}

export function batchSummary(b: { campaignId: string; round: number; phase: string; offset: number; limit: number; model: string }): string {
  const where = b.round < 0 ? `campaign ${b.campaignId}` : `round ${b.round} of campaign ${b.campaignId}`;
  return `${b.phase} batch of ${where}: questions ${b.offset + 1}-${b.offset + b.limit} with ${b.model}`;
}

export function evalSummary(e: { title: string; models: string[]; questions: number; runs: number }): string {
  return `evaluation ${e.title}: ${e.models.join(' vs ')} on ${e.questions} question(s) x ${e.runs} run(s)`;
}

export function calibrationSummary(c: { answers: number; judge?: string }): string {
  return `judge calibration: ${c.judge ?? 'the configured model'} on ${c.answers} labelled answer(s)`;
}

export function rerunSummary(originalId: string, model: string | undefined): string {
  return `rerun of ${originalId} (${modelPart(model)})`;
}

export function artifactTransferSummary(direction: 'read' | 'write', key: string): string {
  return `${direction} artifact ${oneLine(key, 100)} for a client`;
}
