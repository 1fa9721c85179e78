/** A distillation series from a config file's `distill` section: validated, its held-out questions staged through a worker. */
import fs from 'node:fs';
import path from 'node:path';
import { DistillSchema, type DistillSettings } from '../lib/distill/settings';
import type { DistillationInput } from '../lib/distill/plan';
import { formatZodError } from '../lib/config';
import { parseJsonl, QuestionSchema } from '../lib/corpus';
import { distillSeriesKeys } from '../lib/artifact-keys';
import { describeJudge } from '../lib/eval/judge';
import { writeArtifact } from './artifacts';
import { ConfigFileError } from './config-loader';
import type { TemporalSession } from './runtime';
import { resolveModelRef } from './trajectories';
import { withLocalSteps } from '../lib/trajectory';

export function loadDistillSettings(configFile: string): DistillSettings {
  let raw: { distill?: unknown };
  try {
    raw = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { distill?: unknown };
  } catch (e) {
    throw new ConfigFileError(`Cannot read ${configFile}: ${(e as Error).message}`);
  }
  if (!raw.distill) throw new ConfigFileError(`${configFile} has no "distill" section (see examples/nightly-distill.json)`);
  const parsed = DistillSchema.safeParse(raw.distill);
  if (!parsed.success) throw new ConfigFileError(formatZodError(parsed.error, `${configFile} (distill)`).replace(/^(\s+)/gm, '$1distill.'));
  const settings = parsed.data;
  const questions = settings.evaluation.questions;
  if (questions) questions.file = path.resolve(path.dirname(path.resolve(configFile)), questions.file);
  return settings;
}

/** The workflow input of every scheduled run; chosen held-out questions are copied into the workers' store now. */
export async function distillationInput(session: TemporalSession, s: DistillSettings): Promise<DistillationInput> {
  let questionsKey: string | undefined;
  const q = s.evaluation.questions;
  if (q) {
    if (!fs.existsSync(q.file)) throw new ConfigFileError(`distill.evaluation.questions.file not found: ${q.file}`);
    const { rows, errors } = parseJsonl(fs.readFileSync(q.file, 'utf8'), QuestionSchema, 'question');
    if (errors.length) throw new ConfigFileError(`${q.file} line ${errors[0].line}: ${errors[0].message}`);
    const chosen = rows.slice(q.offset, q.limit ? q.offset + q.limit : undefined);
    if (!chosen.length || chosen.some((r) => !r.answers.length)) throw new ConfigFileError(`${q.file}: the held-out questions (offset ${q.offset}, limit ${q.limit ?? 'none'}) must be there and have reference answers`);
    questionsKey = await writeArtifact(session, distillSeriesKeys(s.name).evalQuestions, chosen.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  const { questions: _questions, ...evaluation } = s.evaluation;
  const judge = resolveModelRef(evaluation.judge);
  return {
    name: s.name,
    student: resolveModelRef(s.student)!,
    teacher: { ...s.teacher, model: resolveModelRef(s.teacher.model) },
    fineTune: s.fineTune,
    evaluation: { ...evaluation, questionsKey, judge },
    trainingTaskQueue: session.config.temporal.trainingTaskQueue,
    ...withLocalSteps(session.config.temporal),
    judge: describeJudge(session.config.llm, judge),
  };
}
