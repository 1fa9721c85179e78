/**
 * Worked examples for each step's prompt, written for this project. They are typed data; the prompt renders
 * them with the same code (and the same output spec) as the task at hand, so every example is valid output.
 * They show what the grounded grammars allow (lib/agent/specs.ts): each summary repeats one sentence of a result
 * word for word, each answer is a span of the knowledge or yes/no. No example states that results were empty:
 * a small model copied such a line ("nothing about the length of the Rhine") into 61 of 198 summaries.
 */
import type { PastAction, StepInputs, StepKind, StepOutputs } from './types';

const OPERA = 'In which year was the architect of the Sydney Opera House born?';
const RIVERS = 'Are the Danube and the Rhine both longer than 1,000 km?';
const BLADE_RUNNER = 'Who wrote the novel that the film Blade Runner is based on?';

const OPERA_ARCHITECT: PastAction = {
  query: 'architect of the Sydney Opera House',
  knowledge: 'The Sydney Opera House was designed by the Danish architect Jørn Utzon and opened in 1973.',
};
const UTZON_BIRTH: PastAction = { query: 'Jørn Utzon birth year', knowledge: 'Jørn Utzon was born on 9 April 1918 in Copenhagen.' };
const DANUBE: PastAction = { query: 'length of the Danube', knowledge: 'The Danube is about 2,850 km long.' };
const RHINE: PastAction = { query: 'length of the Rhine', knowledge: 'The Rhine is about 1,230 km long.' };
const NOVEL: PastAction = {
  query: 'novel Blade Runner is based on',
  knowledge: 'The film is loosely based on the novel Do Androids Dream of Electric Sheep? by Philip K. Dick.',
};

type Examples = { [K in StepKind]: Array<{ input: StepInputs[K]; output: StepOutputs[K] }> };

export const FEW_SHOTS: Examples = {
  decision: [
    { input: { question: OPERA, pastActions: [], remainingSearches: 10 }, output: { call: 'Search', query: 'architect of the Sydney Opera House' } },
    { input: { question: OPERA, pastActions: [OPERA_ARCHITECT], remainingSearches: 9 }, output: { call: 'Search', query: 'Jørn Utzon birth year' } },
    { input: { question: OPERA, pastActions: [OPERA_ARCHITECT, UTZON_BIRTH], remainingSearches: 8 }, output: { call: 'Terminate' } },
    { input: { question: RIVERS, pastActions: [DANUBE], remainingSearches: 9 }, output: { call: 'Search', query: 'length of the Rhine' } },
  ],
  summary: [
    {
      input: {
        question: OPERA,
        query: 'architect of the Sydney Opera House',
        results: [
          { title: 'Sydney Opera House', snippet: 'The Sydney Opera House is a performing arts centre in Sydney. The Sydney Opera House was designed by the Danish architect Jørn Utzon and opened in 1973.' },
          { title: 'Sydney Harbour Bridge', snippet: 'The Sydney Harbour Bridge is a steel through arch bridge across Sydney Harbour that opened in 1932.' },
        ],
      },
      output: { call: 'Summary', knowledge: OPERA_ARCHITECT.knowledge, used_results: [1] },
    },
    {
      input: {
        question: BLADE_RUNNER,
        query: 'novel Blade Runner is based on',
        results: [
          { title: 'Harrison Ford', snippet: 'Harrison Ford is an American actor known for Star Wars, Indiana Jones and Blade Runner.' },
          { title: 'Blade Runner', snippet: 'Blade Runner is a 1982 science fiction film directed by Ridley Scott. The film is loosely based on the novel Do Androids Dream of Electric Sheep? by Philip K. Dick.' },
        ],
      },
      output: { call: 'Summary', knowledge: NOVEL.knowledge, used_results: [2] },
    },
    {
      input: {
        question: RIVERS,
        query: 'length of the Rhine',
        results: [
          { title: 'Rhinestone', snippet: 'A rhinestone is an imitation diamond made from rock crystal, glass or acrylic.' },
          { title: 'Rhine', snippet: 'The Rhine flows from the Swiss Alps to the North Sea. The Rhine is about 1,230 km long.' },
        ],
      },
      output: { call: 'Summary', knowledge: RHINE.knowledge, used_results: [2] },
    },
  ],
  answer: [
    { input: { question: OPERA, pastActions: [OPERA_ARCHITECT, UTZON_BIRTH] }, output: { call: 'Answer', text: '1918' } },
    { input: { question: RIVERS, pastActions: [DANUBE, RHINE] }, output: { call: 'Answer', text: 'yes' } },
  ],
  relevance_check: [
    { input: { question: OPERA, pastActions: [OPERA_ARCHITECT, UTZON_BIRTH], answer: 'Jørn Utzon' }, output: { call: 'Revise_Answer', revised_answer: '1918' } },
    { input: { question: RIVERS, pastActions: [DANUBE, RHINE], answer: 'yes' }, output: { call: 'Check_Answer', passed: true } },
  ],
  grounding_check: [
    { input: { question: OPERA, pastActions: [OPERA_ARCHITECT, UTZON_BIRTH], answer: '1918' }, output: { call: 'Check_Answer', passed: true } },
    { input: { question: BLADE_RUNNER, pastActions: [NOVEL], answer: 'Ridley Scott' }, output: { call: 'Revise_Answer', revised_answer: 'Philip K. Dick' } },
  ],
};
