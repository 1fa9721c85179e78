/**
 * The output spec of each agent step: the Python call the model writes, as grammar and strict parser from one
 * declaration (lib/output-spec.ts). Pure.
 */
import { z } from 'zod';
import { pythonCallSpec } from '../output-spec';
import type { Answer, CheckVerdict, Decision, Summary } from './types';

const nonBlank = z.string().refine((s) => s.trim().length > 0, 'must not be blank');

export const decisionSpec = pythonCallSpec<Decision>({
  name: 'decision',
  variable: 'action',
  calls: [
    { name: 'Search', args: [{ name: 'query', type: 'str', maxChars: 120 }] },
    { name: 'Terminate', args: [] },
  ],
  schema: z.discriminatedUnion('call', [
    z.object({ call: z.literal('Search'), query: nonBlank }),
    z.object({ call: z.literal('Terminate') }),
  ]),
});

export const summarySpec = pythonCallSpec<Summary>({
  name: 'summary',
  variable: 'summary',
  calls: [{ name: 'Summary', args: [{ name: 'knowledge', type: 'str', maxChars: 300 }, { name: 'used_results', type: 'int_list' }] }],
  schema: z.object({ call: z.literal('Summary'), knowledge: nonBlank, used_results: z.array(z.number().int().positive()) }),
});

export const answerSpec = pythonCallSpec<Answer>({
  name: 'answer',
  variable: 'answer',
  calls: [{ name: 'Answer', args: [{ name: 'text', type: 'str', maxChars: 120 }] }],
  schema: z.object({ call: z.literal('Answer'), text: nonBlank }),
});

function checkSpec(name: string) {
  return pythonCallSpec<CheckVerdict>({
    name,
    variable: 'verdict',
    calls: [
      { name: 'Check_Answer', args: [{ name: 'passed', type: 'bool' }] },
      { name: 'Revise_Answer', args: [{ name: 'revised_answer', type: 'str', maxChars: 120 }] },
    ],
    schema: z.discriminatedUnion('call', [
      z.object({ call: z.literal('Check_Answer'), passed: z.boolean() }),
      z.object({ call: z.literal('Revise_Answer'), revised_answer: nonBlank }),
    ]),
  });
}
export const relevanceSpec = checkSpec('relevance_check');
export const groundingSpec = checkSpec('grounding_check');
