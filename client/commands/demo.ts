/** `restact demo [--questions N]` (what `npm start` runs): index the sample corpus, answer sample questions, print them. */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseJsonl, QuestionSchema, type Question } from '../../lib/corpus';
import { projectRoot } from '../../project-root';
import { commandConfig, out, parseFlags, validate } from '../command-line';
import { withTemporal } from '../runtime';
import { askOne } from '../trajectories';
import { bold, dim, formatTrajectory } from '../print';
import { runIndex } from './index-cmd';

const SAMPLE = path.join(projectRoot(), 'data', 'hotpotqa-dev50');

function sampleQuestions(): Question[] {
  const file = path.join(SAMPLE, 'questions.jsonl');
  const { rows, errors } = parseJsonl(fs.readFileSync(file, 'utf8'), QuestionSchema, 'question');
  if (errors.length) throw new Error(`${file}: line ${errors[0].line}: ${errors[0].message}`);
  return rows;
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { questions: { type: 'string' } });
  const flags = validate(z.object({ questions: z.coerce.number().int().min(1).max(50).default(3), config: z.string().optional() }), values);
  const cfg = commandConfig(flags.config);
  out(bold('1. Search index'));
  runIndex({ corpus: path.join(SAMPLE, 'corpus.jsonl'), db: cfg.search.dbPath }, out);
  const questions = sampleQuestions().slice(0, flags.questions);
  out(bold(`\n2. Answering ${questions.length} HotpotQA questions with ${cfg.llm.provider === 'llama' ? path.basename(cfg.llm.modelPath) : cfg.llm.model}`));
  const started = Date.now();
  const outcomes = await withTemporal(cfg, { worker: 'always', log: out }, async (session) => {
    let done = 0;
    return Promise.all(
      questions.map(async (q) => {
        const o = await askOne(session, { questionId: q.id, question: q.question });
        done++;
        out(dim(`   [${done}/${questions.length}] ${o.result.workflowId}: ${o.result.status}`));
        return { o, q };
      }),
    );
  });
  out(bold('\n3. Trajectories'));
  for (const { o, q } of outcomes) out('\n' + formatTrajectory(o.trajectory, { uiLink: o.uiLink, gold: q.answers }));
  const answered = outcomes.filter(({ o }) => o.result.status === 'answered').length;
  out(`\n${answered} answered, ${outcomes.length - answered} failed, in ${((Date.now() - started) / 1000).toFixed(0)} s. Trajectories are in ${cfg.artifacts.dir}/trajectories/.`);
  if (!cfg.temporal.address) out(dim('The embedded dev server has stopped with this command. For a Web UI that stays up, run `npx restact dev` and set TEMPORAL_ADDRESS.'));
  return 0;
}
