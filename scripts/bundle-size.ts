/**
 * Prints the size of the workflow bundle the worker builds (`code.length` of bundleWorkflowCode, inline source map
 * included) and the packages it holds, biggest first: `npm run bundle-size`. Workflows should pull in only the
 * Temporal SDK and small pure modules.
 */
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

/** `./node_modules/zod/v4/core.js` -> `zod`; `./lib/rest/ranking.ts` -> `(project) lib`. */
function owner(file: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  return m ? m[1] : `(project) ${file.replace(/^(\.\/|webpack:\/\/[^/]*\/)/, '').split('/')[0]}`;
}

async function main() {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve(path.join(__dirname, '../workflows')), logger: new DefaultLogger('WARN') });
  const sizes = new Map<string, number>();
  const add = (name: string, bytes: number) => sizes.set(name, (sizes.get(name) ?? 0) + bytes);
  // Module code: webpack starts each module with a `/***/ "./path"` line.
  const starts = [...code.matchAll(/^\/\*{3}\/ "([^"]+)"/gm)];
  const modulesEnd = code.indexOf('/******/ \t});');
  starts.forEach((m, i) => add(owner(m[1]), (i + 1 < starts.length ? starts[i + 1].index! : modulesEnd) - m.index!));
  // The inline source map (base64): each source's text, counted at its base64 size.
  const map = /sourceMappingURL=data:application\/json;[^,]*base64,(\S+)/.exec(code);
  if (map) {
    const { sources, sourcesContent } = JSON.parse(Buffer.from(map[1], 'base64').toString('utf8')) as { sources: string[]; sourcesContent?: string[] };
    sources.forEach((s, i) => add(owner(s), Math.ceil(((sourcesContent?.[i]?.length ?? 0) * 4) / 3)));
  }
  console.log(`workflow bundle: ${code.length} bytes (${(code.length / 1e6).toFixed(2)} MB), source map included`);
  for (const [name, bytes] of [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${String(bytes).padStart(9)}  ${name}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
