/**
 * The output spec of each agent step: the Python call the model writes, as grammar and strict parser from one
 * declaration (lib/output-spec.ts). Each step has a free form, and a grounded form built per call from the
 * step's evidence (lib/agent/evidence.ts). Pure.
 */
import { z } from 'zod';
import { pythonCallSpec, type CallSpec, type OutputSpec } from '../output-spec';
import { answerChoices, MAX_SUMMARY_CHOICES, queryChoices, summaryStatements } from './evidence';
import { classifyQuestion, sameAnswer } from './question-type';
import type { Answer, AnswerInput, CheckInput, CheckVerdict, Decision, DecisionInput, PastAction, Summary, SummaryInput } from './types';

const nonBlank = z.string().refine((s) => s.trim().length > 0, 'must not be blank');

// The typed values, the same for a step's free and grounded forms.
const decisionSchema = z.discriminatedUnion('call', [z.object({ call: z.literal('Search'), query: nonBlank }), z.object({ call: z.literal('Terminate') })]);
const summarySchema = z.object({ call: z.literal('Summary'), knowledge: nonBlank, used_results: z.array(z.number().int().positive()) });
const answerSchema = z.object({ call: z.literal('Answer'), text: nonBlank });
const checkSchema = z.discriminatedUnion('call', [
  z.object({ call: z.literal('Check_Answer'), passed: z.boolean() }),
  z.object({ call: z.literal('Revise_Answer'), revised_answer: nonBlank }),
]);

export const decisionSpec = pythonCallSpec<Decision>({
  name: 'decision',
  variable: 'action',
  calls: [
    { name: 'Search', args: [{ name: 'query', type: 'str', maxChars: 120 }] },
    { name: 'Terminate', args: [] },
  ],
  schema: decisionSchema,
});

export const summarySpec = pythonCallSpec<Summary>({
  name: 'summary',
  variable: 'summary',
  calls: [{ name: 'Summary', args: [{ name: 'knowledge', type: 'str', maxChars: 300 }, { name: 'used_results', type: 'int_list' }] }],
  schema: summarySchema,
});

export const answerSpec = pythonCallSpec<Answer>({
  name: 'answer',
  variable: 'answer',
  calls: [{ name: 'Answer', args: [{ name: 'text', type: 'str', maxChars: 120 }] }],
  schema: answerSchema,
});

function checkSpec(name: string) {
  return pythonCallSpec<CheckVerdict>({
    name,
    variable: 'verdict',
    calls: [
      { name: 'Check_Answer', args: [{ name: 'passed', type: 'bool' }] },
      { name: 'Revise_Answer', args: [{ name: 'revised_answer', type: 'str', maxChars: 120 }] },
    ],
    schema: checkSchema,
  });
}
export const relevanceSpec = checkSpec('relevance_check');
export const groundingSpec = checkSpec('grounding_check');

// ---------------------------------------------------------------------------------------------- grounded, per call

/**
 * A decision that searches for the question or for a name it or the knowledge holds, not searched yet
 * (queryChoices), or terminates; only Terminate() when nothing is left to search for.
 */
export function groundedDecisionSpec(input: DecisionInput): OutputSpec<Decision> {
  const choices = queryChoices(input.question, knowledgeOf(input.pastActions), input.pastActions.map((a) => a.query));
  const calls: CallSpec[] = [{ name: 'Terminate', args: [] }];
  if (choices.length) calls.unshift({ name: 'Search', args: [{ name: 'query', type: 'str', enum: choices }] });
  return pythonCallSpec<Decision>({ name: 'decision', variable: 'action', calls, schema: decisionSchema });
}

/** What a summary says when the results hold nothing new that bears on the question. */
export const NOTHING_NEW = 'The results say nothing new about the question.';

/**
 * A summary grounded in this search: the sentence of the results sharing most words with the question, with one
 * more that the model chooses (summaryStatements), written with the numbers of the results they come from, so
 * `used_results` always matches the text; or NOTHING_NEW citing no result, when no new sentence shares a word with
 * the question or the query (and always when there is no new sentence at all).
 */
export function groundedSummarySpec(input: SummaryInput, maxChoices = MAX_SUMMARY_CHOICES, keepLead = true): OutputSpec<Summary> {
  const { statements, bearing } = summaryStatements(input, input.known ?? [], maxChoices, keepLead);
  const byResults = new Map<string, { ids: number[]; texts: string[] }>();
  for (const s of statements) {
    const key = s.resultIds.join(',');
    byResults.set(key, { ids: s.resultIds, texts: [...(byResults.get(key)?.texts ?? []), s.text] });
  }
  const calls: CallSpec[] = [...byResults.values()].map(({ ids, texts }) => ({
    name: 'Summary',
    args: [{ name: 'knowledge', type: 'str', enum: texts }, { name: 'used_results', type: 'int_list', lists: [ids] }],
  }));
  if (!bearing) calls.push({ name: 'Summary', args: [{ name: 'knowledge', type: 'str', enum: [NOTHING_NEW] }, { name: 'used_results', type: 'int_list', lists: [[]] }] });
  return pythonCallSpec<Summary>({ name: 'summary', variable: 'summary', calls, schema: summarySchema });
}

/**
 * An answer grounded in the knowledge: `yes`/`no` for a yes/no question, one of the named options for a choice,
 * otherwise a short span of what the summaries stated (answerChoices). With no span to choose from (nothing
 * found), the free form, which the answer-type check still holds to the question's type.
 */
export function groundedAnswerSpec(input: AnswerInput): OutputSpec<Answer> {
  const choices = answerChoices(input.question, classifyQuestion(input.question), knowledgeOf(input.pastActions));
  if (!choices.length) return answerSpec;
  return pythonCallSpec<Answer>({
    name: 'answer',
    variable: 'answer',
    calls: [{ name: 'Answer', args: [{ name: 'text', type: 'str', enum: choices }] }],
    schema: answerSchema,
  });
}

/**
 * A self-check whose revision is the other answer of a yes/no question (never the same one: that would be a pass);
 * for every other question the check only passes or fails the answer.
 * - Open questions: the grammar would force a revision onto a span the answer step ranked below its own (dev50:
 *   open-question revisions turned 3 right answers wrong and no wrong one right; docs/eval/dev50-closed-revisions.md).
 * - Choices between two named options: the 135M checks flipped right answers to the other option 9 times and wrong
 *   ones 3 times over three runs of the 5 dev50 choice questions; yes/no revisions, 2 and 6 times (same document).
 */
function groundedCheckSpec(name: string, input: CheckInput): OutputSpec<CheckVerdict> {
  const qt = classifyQuestion(input.question);
  const others = qt.type === 'yes_no' ? answerChoices(input.question, qt, knowledgeOf(input.pastActions)).filter((c) => !sameAnswer(c, input.answer)) : [];
  const calls: CallSpec[] = [{ name: 'Check_Answer', args: [{ name: 'passed', type: 'bool' }] }];
  if (others.length) calls.push({ name: 'Revise_Answer', args: [{ name: 'revised_answer', type: 'str', enum: others }] });
  return pythonCallSpec<CheckVerdict>({ name, variable: 'verdict', calls, schema: checkSchema });
}
export const groundedRelevanceSpec = (input: CheckInput) => groundedCheckSpec('relevance_check', input);
export const groundedGroundingSpec = (input: CheckInput) => groundedCheckSpec('grounding_check', input);

function knowledgeOf(actions: PastAction[]): string[] {
  return actions.map((a) => a.knowledge).filter((k) => k !== NOTHING_NEW);
}
