/**
 * `restact eval compare BASE_EVAL_ID EVAL_ID [--base-model N] [--model N] [--json]`: two evaluation runs on the
 * questions both answered (before and after a change), each metric with its 95% CI and the paired difference of
 * accuracy and cost. Runs on a worker, where the runs' records are; prints the table and where it wrote it.
 */
import path from 'node:path';
import { z } from 'zod';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import type { compareEvalsWorkflow } from '../../workflows/compare-evals';
import { evalPrefix } from '../../lib/artifact-keys';
import { evalComparisonWorkflowId } from '../../lib/workflow-ids';
import { comparisonRows } from '../../lib/eval/compare';
import { textTable } from '../../lib/eval/report';
import { commandConfig, err, out, parseFlags, validate } from '../command-line';
import { withTemporal } from '../runtime';

const EvalIdArg = z
  .string({ error: 'two evaluation ids are required: restact eval compare BASE_EVAL_ID EVAL_ID' })
  .regex(/^[A-Za-z0-9._-]+$/, 'an evaluation id as `restact eval` printed it, e.g. 20261127-160607-ba391c')
  .transform((id) => id.replace(/^eval-/, ''));

export async function evalCompareCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { 'base-model': { type: 'string' }, model: { type: 'string' }, json: { type: 'boolean' } });
  const flags = validate(
    z.object({
      base: EvalIdArg,
      candidate: EvalIdArg,
      baseModel: z.coerce.number().int().min(0).default(0),
      model: z.coerce.number().int().min(0).default(0),
    }),
    { base: positionals[0], candidate: positionals[1], baseModel: values['base-model'], model: values.model },
  );
  const cfg = commandConfig(values.config);
  const outcome = await withTemporal(cfg, { worker: 'embedded', log: err }, async (session) => {
    const result = await session.client.workflow.execute<typeof compareEvalsWorkflow>('compareEvalsWorkflow', {
      taskQueue: cfg.temporal.taskQueue,
      workflowId: evalComparisonWorkflowId(flags.base, flags.candidate),
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      args: [
        {
          base: { outPrefix: evalPrefix(flags.base), modelIndex: flags.baseModel, label: flags.base },
          candidate: { outPrefix: evalPrefix(flags.candidate), modelIndex: flags.model, label: flags.candidate },
          seed: cfg.eval.seed,
          resamples: cfg.eval.resamples,
        },
      ],
    });
    const where = (key: string) => (session.embedded ? path.join(cfg.artifacts.dir, key) : `${key} (in the workers' artifact store)`);
    return { ...result, where };
  });
  if (values.json) out(JSON.stringify(outcome.comparison, null, 2));
  else {
    out(`${outcome.comparison.questions} questions answered by both. Values: mean [95% bootstrap CI]; rates in %; differences paired by question.\n`);
    out(textTable(comparisonRows(outcome.comparison)));
    out(`\nComparison: ${outcome.where(outcome.files.markdown)}`);
  }
  return 0;
}
