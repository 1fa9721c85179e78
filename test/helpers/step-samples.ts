/**
 * One realistic input per LLM step (the sample question about Scott Derrickson and Ed Wood, with snippets as the
 * sample corpus has them), for tests that run every step kind against a real model.
 */
import type { StepInputs, StepKind } from '../../lib/agent/types';

const question = 'Were Scott Derrickson and Ed Wood of the same nationality?';
const pastActions = [
  { query: 'Scott Derrickson nationality', knowledge: 'Scott Derrickson is an American director, screenwriter and producer.' },
  { query: 'Ed Wood nationality', knowledge: 'Ed Wood was an American filmmaker, actor and writer.' },
];

export const STEP_SAMPLES: { [K in StepKind]: StepInputs[K] } = {
  decision: { question, pastActions: [], remainingSearches: 10 },
  summary: {
    question,
    query: 'Scott Derrickson nationality',
    results: [
      { title: 'Scott Derrickson', snippet: 'Scott Derrickson (born July 16, 1966) is an American director, screenwriter and producer.' },
      { title: 'Ed Wood', snippet: 'Edward Davis Wood Jr. (October 10, 1924 – December 10, 1978) was an American filmmaker, actor, writer, producer, and director.' },
      // A third result, so the grounded summary (the lead sentence and one more) has two lines to choose from.
      { title: 'Ed Wood (film)', snippet: 'Ed Wood is a 1994 American biographical period comedy-drama film directed and produced by Tim Burton.' },
    ],
  },
  answer: { question, pastActions },
  relevance_check: { question, pastActions, answer: 'yes' },
  grounding_check: { question, pastActions, answer: 'yes' },
};
