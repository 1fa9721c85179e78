/**
 * The auto-eval judge (the paper's "does ANSWER imply REF_ANSWER?"), written like the agent's steps: a Python
 * program prompt with worked examples, and one output spec (`Judgement(reason="...", implies=True)`, reason
 * first so the verdict follows the reasoning) from which the grammar, JSON schema and strict parser all come.
 * Plus the rules that settle a verdict without a model (no answer; normalised exact match). Pure.
 */
import { z } from 'zod';
import { pythonCallSpec, ParseResult } from '../output-spec';
import { Assignment, renderProgram } from '../agent/python-prompt';
import { exactMatch, normalizeAnswer, yesNo } from '../metrics';

export interface JudgeInput {
  question: string;
  answer: string;
  references: string[];
}

export type Judgement = { call: 'Judgement'; reason: string; implies: boolean };

const nonBlank = z.string().refine((s) => s.trim().length > 0, 'must not be blank');

export const judgeSpec = pythonCallSpec<Judgement>({
  name: 'judge',
  variable: 'judgement',
  calls: [{ name: 'Judgement', args: [{ name: 'reason', type: 'str', maxChars: 160 }, { name: 'implies', type: 'bool' }] }],
  schema: z.object({ call: z.literal('Judgement'), reason: nonBlank, implies: z.boolean() }),
});

export const JUDGE_MAX_TOKENS = 96;

/** Worked examples written for this project (not from any dataset): paraphrase, wrong value, wrong yes/no, vague. */
const EXAMPLES: Array<{ input: JudgeInput; output: Judgement }> = [
  {
    input: { question: 'Who painted the ceiling of the Sistine Chapel?', answer: 'Michelangelo Buonarroti', references: ['Michelangelo'] },
    output: { call: 'Judgement', reason: 'Michelangelo Buonarroti is the full name of Michelangelo.', implies: true },
  },
  {
    input: { question: 'In which year did the Berlin Wall fall?', answer: '1991', references: ['1989'] },
    output: { call: 'Judgement', reason: '1991 is a different year from 1989.', implies: false },
  },
  {
    input: { question: 'What is the capital of Australia?', answer: 'The capital is Canberra, not Sydney.', references: ['Canberra'] },
    output: { call: 'Judgement', reason: 'The answer names Canberra as the capital.', implies: true },
  },
  {
    input: { question: 'Are Lyon and Marseille both in France?', answer: 'no', references: ['yes'] },
    output: { call: 'Judgement', reason: 'The answer says no, the reference says yes.', implies: false },
  },
  {
    input: { question: 'How many moons does Mars have?', answer: 'Mars has some small moons.', references: ['2'] },
    output: { call: 'Judgement', reason: 'The answer does not say how many moons.', implies: false },
  },
];

function state(i: JudgeInput): Assignment[] {
  return [
    { name: 'QUESTION', type: 'str', value: i.question },
    { name: 'ANSWER', type: 'str', value: i.answer },
    { name: 'REF_ANSWER', type: 'str', value: i.references.join(' / ') },
  ];
}

export function renderJudgePrompt(input: JudgeInput, notes?: string[]): string {
  return renderProgram({
    doc:
      'Judge whether a question-answering agent answered correctly.\n\n' +
      'Each task gives the QUESTION, the agent\'s ANSWER and the correct REF_ANSWER (alternatives separated by " / ").\n' +
      'The judgement first gives a short reason, then implies=True if ANSWER states or implies REF_ANSWER (a\n' +
      'paraphrase, a fuller name or extra correct detail is fine), and implies=False if it is different, vague,\n' +
      'or missing.\n',
    classes: [
      {
        name: 'Judgement',
        doc: 'Whether ANSWER implies REF_ANSWER, and why in one short sentence.',
        fields: [
          { name: 'reason', type: 'str' },
          { name: 'implies', type: 'bool' },
        ],
      },
    ],
    examples: EXAMPLES.map((ex) => ({ state: state(ex.input), output: judgeSpec.render(ex.output) })),
    state: state(input),
    outputVariable: 'judgement',
    notes,
  });
}

export const JUDGE_SYSTEM_PROMPT =
  'You complete Python programs. Reply with exactly the one line of code that completes the last line of the program, and nothing else.';

export function parseJudgement(raw: string): ParseResult<Judgement> {
  return judgeSpec.parse(raw);
}

export function judgeRepairNote(error: string): string {
  return `The previous attempt was not valid (${error}). Write ${judgeSpec.formatHint}.`;
}

/** How a verdict was reached. */
export type VerdictSource = 'judge' | 'exact_match' | 'no_answer' | 'yes_no_mismatch' | 'judge_failed';

export interface Verdict {
  /** null: the judge's output stayed unparsable after its repairs (counted as not correct in aggregates). */
  implies: boolean | null;
  reason: string;
  source: VerdictSource;
  /** Raw judge outputs, one per attempt (empty for rule verdicts). */
  attempts?: Array<{ raw: string; error?: string }>;
  model?: string;
  tokens?: { prompt: number; completion: number };
  latencyMs?: number;
}

/**
 * A verdict that needs no model: a missing answer implies nothing; an answer equal to a reference after HotpotQA
 * normalisation implies it; a bare yes/no answer implies no other reference (the opposite yes/no, or an entity:
 * HotpotQA scores yes/no all or nothing). A weak judge must not overrule these. ("Yes, both are American" is
 * not bare: the judge decides it.)
 */
export function ruleVerdict(answer: string | null, references: string[]): Verdict | undefined {
  if (answer === null || !normalizeAnswer(answer)) return { implies: false, reason: 'no answer', source: 'no_answer' };
  if (exactMatch(answer, references)) return { implies: true, reason: 'normalised exact match with the reference', source: 'exact_match' };
  if (yesNo(answer)) return { implies: false, reason: 'a bare yes/no answer and a different reference', source: 'yes_no_mismatch' };
  return undefined;
}

export interface JudgeDescription {
  /** A model ref the worker's ChatModelProvider resolves; unset = the worker's configured model. */
  ref?: string;
  /** What reports call it. */
  label: string;
  /** The embedded 135M model: its verdicts are indicative only. */
  weak: boolean;
}

export const WEAK_JUDGE_NOTE =
  'weak judge: the embedded 135M model; its verdicts are indicative only (check them with `restact eval calibrate`, or pass --judge with a stronger model)';

/** Describes the judge a config and `--judge` give: the embedded model (weak) unless another is named. */
export function describeJudge(llm: { provider: string; modelPath?: string; model?: string }, ref: string | undefined): JudgeDescription {
  if (llm.provider === 'llama') {
    const base = (llm.modelPath ?? 'embedded model').split(/[\\/]/).pop()!;
    if (!ref || ref === 'base') return { ref, label: `${base} (embedded)`, weak: /135M/i.test(base) };
    return { ref, label: `${base}+${ref.split(/[\\/]/).pop()}`, weak: /135M/i.test(base) };
  }
  return { ref, label: ref ?? llm.model ?? 'configured model', weak: false };
}
