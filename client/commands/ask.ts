/** `restact ask "QUESTION"`: runs one trajectory workflow and prints its steps and answer (or, with --json, all of it). */
import { z } from 'zod';
import { adHocQuestionId } from '../../lib/workflow-ids';
import { commandConfig, err, out, parseFlags, requireIndex, UsageError, validate } from '../command-line';
import { withTemporal } from '../runtime';
import { askOne, type AskOutcome } from '../trajectories';
import { formatTrajectory } from '../print';

const Flags = z.object({
  model: z.string().min(1).optional(),
  db: z.string().min(1).optional(),
  json: z.boolean().optional(),
  id: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only').optional(),
  worker: z.boolean().optional(),
  config: z.string().optional(),
});

export async function askCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    model: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean' },
    id: { type: 'string' },
    worker: { type: 'boolean' },
  });
  const question = positionals.join(' ').trim();
  if (!question) throw new UsageError('restact ask needs a question: restact ask "Who wrote ...?"');
  const flags = validate(Flags, values);
  const cfg = commandConfig(flags.config);
  // With a worker in this process the index must be here; a remote worker checks its own machine (the path
  // travels in the workflow input, so --db is never silently replaced by the worker's configured index).
  const localWorker = flags.worker || !cfg.temporal.address;
  if (localWorker) requireIndex(flags.db ?? cfg.search.dbPath);
  const outcome = await withTemporal(cfg, { worker: flags.worker ? 'always' : 'embedded', log: err }, (session) =>
    askOne(session, { questionId: flags.id ?? adHocQuestionId(question), question }, { model: flags.model, searchDb: flags.db }),
  );
  if (flags.json) out(JSON.stringify(askJson(outcome), null, 2));
  else out(formatTrajectory(outcome.trajectory, { uiLink: outcome.uiLink }));
  return outcome.result.status === 'answered' ? 0 : 1;
}

function askJson(o: AskOutcome) {
  return { ...o.trajectory, runId: o.runId, trajectoryRef: o.result.trajectoryRef, webUiUrl: o.uiLink };
}
