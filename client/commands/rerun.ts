/**
 * `restact rerun WORKFLOW_ID [--model REF] [--run-id RUN] [--worker]`: a new trajectory with the same question and
 * configuration as a recorded one (another model with --model), linked back to it (search attribute `RerunOf`, memo
 * `rerunOf`), then a side-by-side diff of the two runs' steps.
 */
import { z } from 'zod';
import { commandConfig, err, out, parseFlags, UsageError, validate } from '../command-line';
import { formatStepDiff } from '../print-diff';
import { rerunTrajectory } from '../rerun';
import { withTemporal } from '../runtime';

const Flags = z.object({ model: z.string().min(1).optional(), 'run-id': z.string().min(1).optional(), worker: z.boolean().optional(), config: z.string().optional() });

export async function rerunCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { model: { type: 'string' }, 'run-id': { type: 'string' }, worker: { type: 'boolean' } });
  const flags = validate(Flags, values);
  const [workflowId] = positionals;
  if (!workflowId) throw new UsageError('restact rerun needs the workflow id of a trajectory: restact rerun WORKFLOW_ID [--model REF]');
  const cfg = commandConfig(flags.config);
  if (!cfg.temporal.address) throw new UsageError("restact rerun reads the original run from a running server: set TEMPORAL_ADDRESS (restact dev prints it).");
  return withTemporal(cfg, { worker: flags.worker ? 'always' : 'never', log: err }, async (session) => {
    err(`Rerunning ${workflowId}${flags.model ? ` with model ${flags.model}` : ''} (a worker on task queue ${cfg.temporal.taskQueue} runs it) ...`);
    const r = await rerunTrajectory(session, workflowId, { runId: flags['run-id'], model: flags.model });
    out(`Rerun ${r.rerun.workflowId} (RerunOf = ${workflowId})`);
    if (r.uiLink) out(`Web UI: ${r.uiLink}`);
    out('\n' + formatStepDiff(r.original, r.rerun));
    return r.result.status === 'answered' ? 0 : 1;
  });
}
