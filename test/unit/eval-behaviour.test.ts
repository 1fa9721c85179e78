/** Behaviour metrics of one trajectory, from a hand-built record with known repeats, failures and copies. */
import type { LlmStepRecord, SearchStepRecord, StepRecord } from '../../lib/trajectory';
import type { StepKind, StepOutputs } from '../../lib/agent/types';
import { copiesWorkedExample, normalizeQuery, trajectoryBehaviour, workedExampleStrings } from '../../lib/eval/behaviour';

let index = 0;
function llm<K extends StepKind>(kind: K, parsed: StepOutputs[K] | undefined, attempts = 1, tokens = 10): LlmStepRecord {
  return {
    index: index++, kind, status: parsed ? 'ok' : 'failed', model: 'm', input: {} as never, prompt: '', raw: '', parsed: parsed as never,
    attempts: Array.from({ length: attempts }, () => ({ raw: '', tokens: { prompt: tokens, completion: 1 }, latencyMs: 100 })),
    tokens: { prompt: tokens * attempts, completion: attempts }, latencyMs: 100 * attempts,
  };
}
function search(query: string, titles: string[]): SearchStepRecord {
  return { index: index++, kind: 'search', status: 'ok', query, results: titles.map((title, i) => ({ id: `d${i}`, title, snippet: '', score: 1 })), latencyMs: 5 };
}

const STEPS: StepRecord[] = [
  llm('decision', { call: 'Search', query: 'Ed Wood nationality' }),
  search('Ed Wood nationality', ['Ed Wood', 'Ed Wood (film)']),
  llm('summary', { call: 'Summary', knowledge: 'Ed Wood was American.', used_results: [1] }),
  llm('decision', { call: 'Search', query: 'ed wood  Nationality?' }, 2), // a light-normalised repeat, after one repair
  search('ed wood  Nationality?', ['Ed Wood']),
  llm('summary', { call: 'Summary', knowledge: 'Ed Wood was American!', used_results: [] }), // same knowledge, uncited
  llm('decision', { call: 'Search', query: 'Ed Wood nationality' }), // an exact repeat
  search('Ed Wood nationality', ['Ed Wood']),
  llm('summary', undefined, 3), // failed after two repairs
];

test('counts searches, repeats (normalised and exact), recall, summaries, failures, repairs and tokens', () => {
  const b = trajectoryBehaviour({ steps: STEPS }, ['Ed Wood', 'Scott Derrickson']);
  expect(b).toMatchObject({
    searches: 3,
    distinctQueries: 1,
    repeatedQueries: 2,
    exactRepeatedQueries: 1,
    goldTitles: 2,
    goldTitlesRetrieved: 1,
    summaries: 2,
    repeatedSummaries: 1,
    uncitedSummaries: 1,
    stepFailures: 1,
    repairs: 1 + 2,
    draftAnswer: null,
    revisions: 0,
    promptTokens: 10 + 10 + 20 + 10 + 10 + 30,
    completionTokens: 1 + 1 + 2 + 1 + 1 + 3,
    stepLatencyMs: 100 + 5 + 100 + 200 + 5 + 100 + 100 + 5 + 300,
  });
  expect(b.perKind).toEqual({ decision: { steps: 3, failed: 0, repairs: 1 }, summary: { steps: 3, failed: 1, repairs: 2 } });
});

test('draft answer, self-check revisions and worked-example copies', () => {
  const b = trajectoryBehaviour({
    steps: [
      llm('decision', { call: 'Search', query: 'architect of the Sydney Opera House' }), // the first example's query, verbatim
      search('architect of the Sydney Opera House', []),
      llm('summary', { call: 'Summary', knowledge: 'Nothing here. The Sydney Opera House was designed by the Danish architect Jørn Utzon.', used_results: [] }), // embeds an example's knowledge
      llm('decision', { call: 'Terminate' }),
      llm('answer', { call: 'Answer', text: 'yes' }), // yes/no is never a copy
      llm('relevance_check', { call: 'Revise_Answer', revised_answer: '1918' }), // the example's answer
      llm('grounding_check', { call: 'Check_Answer', passed: true }),
    ],
  });
  expect(b).toMatchObject({ textOutputs: 4, workedExampleCopies: 3, draftAnswer: 'yes', revisions: 1, goldTitles: 0, goldTitlesRetrieved: 0 });
});

test('query normalisation is light; example strings exclude yes/no', () => {
  expect(normalizeQuery('  Ed-Wood’s   NATIONALITY? ')).toBe('ed wood s nationality');
  const examples = workedExampleStrings();
  expect(examples).toContain('jørn utzon birth year');
  expect(examples).not.toContain('yes');
  expect(copiesWorkedExample('Jørn Utzon birth year', examples)).toBe(true);
  expect(copiesWorkedExample('Scott Derrickson birth year', examples)).toBe(false);
  expect(copiesWorkedExample('no', examples)).toBe(false);
});
