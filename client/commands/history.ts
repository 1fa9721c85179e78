/** `restact history WORKFLOW_ID [--run-id RUN]`: the workflow's history as JSON, for `restact replay --file`. */
import { z } from 'zod';
import { commandConfig, err, out, parseFlags, UsageError, validate } from '../command-line';
import { fetchHistory, historyJson } from '../history';
import { withTemporal } from '../runtime';

const Flags = z.object({ 'run-id': z.string().min(1).optional(), config: z.string().optional() });

export async function historyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { 'run-id': { type: 'string' } });
  const flags = validate(Flags, values);
  const [workflowId] = positionals;
  if (!workflowId) throw new UsageError('restact history needs a workflow id: restact history WORKFLOW_ID > history.json');
  const cfg = commandConfig(flags.config);
  if (!cfg.temporal.address) throw new UsageError('restact history reads from a running server: set TEMPORAL_ADDRESS (restact dev prints it).');
  return withTemporal(cfg, { worker: 'never', log: err }, async ({ client }) => {
    out(historyJson(await fetchHistory(client, workflowId, flags['run-id'])));
    return 0;
  });
}
