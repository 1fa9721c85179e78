/**
 * Would the agent's answer and summary steps choose better by scoring the grammar's whole lines than by greedy
 * decoding? `npm run experiment:line-scoring -- --eval ID [--artifacts DIR --steps answer,summary --threads N]`.
 *
 * Replays the recorded steps of an evaluation's trajectories (questions whose reference is not yes/no): for each
 * step whose grammar lists its lines, the embedded model scores every line (ChatModel.score), and the script
 * counts the steps where a line holding a reference answer was chosen, by greedy decoding (the recorded output) and
 * by the highest total log-probability, mean log-probability, and PMI with the question (total and mean: the
 * config's `agent.pmiSteps`). A step's input is the recorded one, so each choice is compared on the same evidence.
 * Results: docs/eval/dev50-line-scoring.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LlamaChatModelProvider } from '../adapters/llm/llama-chat';
import { specFor, stepDefinition, SYSTEM_PROMPT } from '../lib/agent/steps';
import { argmax, NO_QUESTION, pmiScores } from '../lib/agent/choice-scoring';
import { containsReference, exactMatch, yesNo } from '../lib/metrics';
import type { StepKind } from '../lib/agent/types';

const ROOT = path.join(__dirname, '..');
const { values } = parseArgs({
  options: {
    eval: { type: 'string' },
    artifacts: { type: 'string', default: process.env.RESTACT_ARTIFACT_DIR ?? path.join(ROOT, '.restact/artifacts') },
    steps: { type: 'string', default: 'answer,summary' },
    model: { type: 'string', default: path.join(ROOT, 'models/SmolLM2-135M-Instruct.Q4_1.gguf') },
    threads: { type: 'string', default: '2' },
  },
});

const CHOOSERS = ['greedy', 'total', 'mean', 'pmi', 'pmi_mean'] as const;
type Chooser = (typeof CHOOSERS)[number];

interface RecordedStep {
  kind: StepKind;
  input: never;
  parsed?: { text?: string; knowledge?: string };
}

async function main() {
  if (!values.eval) throw new Error('--eval ID is required: an evaluation under <artifacts>/evals/');
  const kinds = values.steps!.split(',') as StepKind[];
  const answersDir = path.join(values.artifacts!, 'evals', values.eval, 'answers', 'm0');
  const provider = new LlamaChatModelProvider({ modelPath: values.model!, loraAdapters: [], threads: Number(values.threads), sequences: 1, contextSize: 8192 });
  const model = await provider.get();
  const tally = new Map<StepKind, { steps: number; withReference: number } & Record<Chooser, number>>();
  try {
    for (const file of fs.readdirSync(answersDir).sort()) {
      const answer = JSON.parse(fs.readFileSync(path.join(answersDir, file), 'utf8')) as { workflowId: string; references: string[] };
      if (answer.references.some((r) => yesNo(r))) continue;
      const trajectory = JSON.parse(fs.readFileSync(path.join(values.artifacts!, 'trajectories', answer.workflowId, 'trajectory.json'), 'utf8')) as { steps: RecordedStep[] };
      for (const step of trajectory.steps.filter((s) => kinds.includes(s.kind))) {
        const spec = specFor(step.kind, step.input, 'evidence');
        const lines = spec.grammar.choices;
        const def = stepDefinition(step.kind);
        if (!lines || lines.length < 2) continue;
        const messages = (prompt: string) => [
          { role: 'system' as const, content: SYSTEM_PROMPT },
          { role: 'user' as const, content: prompt },
        ];
        const withQ = (await model.score({ messages: messages(def.render(step.input)), completions: lines })).tokenLogprobs;
        // The summary's own baseline; the same blanking for the other steps (their inputs all hold the question).
        const blank = def.withoutQuestion?.(step.input) ?? { ...(step.input as object), question: NO_QUESTION };
        const withoutQ = (await model.score({ messages: messages(def.render(blank as never)), completions: lines })).tokenLogprobs;
        const total = withQ.map((lp) => lp.reduce((a, b) => a + b, 0));
        const pmi = pmiScores(withQ, withoutQ);
        const valueOf = (line: string) => {
          const p = spec.parse(line);
          return p.ok ? ((p.value as { text?: string; knowledge?: string }).text ?? (p.value as { knowledge?: string }).knowledge ?? '') : '';
        };
        const right = (text: string | undefined) => (step.kind === 'answer' ? exactMatch(text ?? '', answer.references) : containsReference(text ?? '', answer.references)) > 0;
        const chosen: Record<Chooser, string | undefined> = {
          greedy: step.parsed?.text ?? step.parsed?.knowledge,
          total: valueOf(lines[argmax(total)]),
          mean: valueOf(lines[argmax(total.map((t, i) => t / withQ[i].length))]),
          pmi: valueOf(lines[argmax(pmi)]),
          pmi_mean: valueOf(lines[argmax(pmi.map((p, i) => p / withQ[i].length))]),
        };
        const t = tally.get(step.kind) ?? { steps: 0, withReference: 0, greedy: 0, total: 0, mean: 0, pmi: 0, pmi_mean: 0 };
        t.steps++;
        if (lines.some((l) => right(valueOf(l)))) t.withReference++;
        for (const c of CHOOSERS) if (right(chosen[c])) t[c]++;
        tally.set(step.kind, t);
      }
      process.stderr.write(`${file}: ${JSON.stringify(Object.fromEntries(tally))}\n`);
    }
  } finally {
    await provider.close();
  }
  console.log(`| step | steps | a line holds a reference | ${CHOOSERS.join(' | ')} |`);
  console.log(`|---|---|---|${CHOOSERS.map(() => '---').join('|')}|`);
  for (const [kind, t] of tally) console.log(`| ${kind} | ${t.steps} | ${t.withReference} | ${CHOOSERS.map((c) => t[c]).join(' | ')} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
