/**
 * A copy of the workflow code with one deliberately non-deterministic change: `trajectoryWorkflow` starts a timer
 * before its first activity, so every recorded trajectory history disagrees with it at its first command. The copy
 * lives inside the project (.cache/, ignored by git) so the bundler finds node_modules.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');

export function nondeterministicCopy(): { workflowsPath: string; remove: () => void } {
  const dir = path.join(ROOT, '.cache', `nondeterministic-${process.pid}-${Date.now()}`);
  for (const part of ['workflows', 'lib', 'activities', 'ports']) fs.cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
  const file = path.join(dir, 'workflows/trajectory.ts');
  const source = fs.readFileSync(file, 'utf8');
  const start = /export async function trajectoryWorkflow\([^)]*\)[^{]*\{/.exec(source);
  if (!start) throw new Error('trajectoryWorkflow not found in workflows/trajectory.ts');
  const at = start.index + start[0].length;
  const changed = `import { sleep as nondeterministicSleep } from '@temporalio/workflow';\n${source.slice(0, at)}\n  await nondeterministicSleep(1);${source.slice(at)}`;
  fs.writeFileSync(file, changed);
  return { workflowsPath: path.join(dir, 'workflows'), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
