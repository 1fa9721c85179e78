/**
 * The code layout's rules, checked (README "How the code is laid out"): no import circles; files stay short unless
 * they say why; the workflow bundle holds no zod or I/O packages; each concept has one home.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

const ROOT = path.join(__dirname, '../..');
const SOURCE_DIRS = ['lib', 'ports', 'adapters', 'activities', 'workflows', 'client', 'test', 'scripts', 'bench'];
const TOP_FILES = ['worker.ts', 'project-root.ts'];
const MAX_LINES = 250;
/** Written at the top of a longer file, followed by the reason. */
const LONG_FILE_MARKER = 'Longer than 250 lines:';

function sourceFiles(): string[] {
  const out: string[] = TOP_FILES.filter((f) => fs.existsSync(path.join(ROOT, f)));
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts')) out.push(rel);
    }
  };
  SOURCE_DIRS.filter((d) => fs.existsSync(path.join(ROOT, d))).forEach(walk);
  return out.sort();
}

const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');

/** Relative imports of a file (type-only ones too: a circle of types is still a circle), resolved to files. */
function imports(rel: string): string[] {
  return ts
    .preProcessFile(read(rel), true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => {
      const base = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
      return [`${base}.ts`, `${base}/index.ts`].find((c) => fs.existsSync(path.join(ROOT, c))) ?? base;
    });
}

test('no import circles', () => {
  const files = sourceFiles();
  const graph = new Map(files.map((f) => [f, imports(f)]));
  const circles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, trail: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      circles.push([...trail.slice(trail.indexOf(file)), file].join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
    state.set(file, 'done');
  };
  files.forEach((f) => visit(f, []));
  expect(circles).toEqual([]);
});

test(`no source file over ${MAX_LINES} lines unless its top says why`, () => {
  const long = sourceFiles()
    .map((f) => ({ f, lines: read(f).split('\n').length - 1 }))
    .filter(({ lines }) => lines > MAX_LINES)
    .filter(({ f }) => !read(f).split('\n').slice(0, 20).some((l) => l.includes(LONG_FILE_MARKER)))
    .map(({ f, lines }) => `${f} (${lines} lines)`);
  expect(long).toEqual([]);
});

test('the workflow bundle holds no zod and no I/O packages, and needs no ignoreModules', async () => {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('ERROR') });
  const packages = new Set([...code.matchAll(/^\/\*{3}\/ "[^"]*?node_modules\/((?:@[^/]+\/)?[^/"]+)/gm)].map((m) => m[1]));
  expect([...packages].sort()).toEqual(['@temporalio/common', '@temporalio/workflow', 'long', 'ms', 'nexus-rpc']);
  for (const file of ['worker.ts', 'test/helpers/temporal.ts']) expect(read(file)).not.toContain('ignoreModules');
}, 60_000);

test("tsconfig's include names only paths that exist", () => {
  for (const config of ['tsconfig.json', 'tsconfig.build.json']) {
    const { include } = JSON.parse(read(config)) as { include: string[] };
    expect(include.filter((p) => !fs.existsSync(path.join(ROOT, p)))).toEqual([]);
  }
});

/** Files (outside tests) whose text matches `pattern`. */
function filesMatching(pattern: RegExp): string[] {
  return sourceFiles().filter((f) => !f.startsWith('test/') && pattern.test(read(f)));
}

test('each concept has one home', () => {
  expect(filesMatching(/interface ChatMessage\b/)).toEqual(['ports/chat-model.ts']);
  expect(filesMatching(/\[\^A-Za-z0-9\._-\]/)).toEqual(['lib/artifact-keys.ts']); // key sanitising
  expect(filesMatching(/function project(Root|Dir)\b/)).toEqual(['project-root.ts']);
  expect(filesMatching(/function lowestPerplexity\b|perplexity \?\? Infinity/)).toEqual(['lib/rest/perplexity.ts']);
  expect(filesMatching(/nonRetryableErrorTypes/)).toEqual(['workflows/activity-options.ts']); // one retry policy
  expect(filesMatching(/proxyActivities\s*</)).toEqual(['workflows/activity-options.ts']);
  expect(filesMatching(/defineSignal\b|defineQuery\b/)).toEqual(['workflows/signals.ts']);
});

test('workflow ids are made only in lib/workflow-ids.ts', () => {
  // Ids built inline look like `${workflowId}.r${round}`, `campaign-${id}`, `...batch-${i}`, `traj-${...}`.
  const inline = /`[^`]*(\.r\$\{|campaign-\$\{|batch-\$\{|traj-\$\{|\$\{workflowId\}\.)[^`]*`/;
  expect(filesMatching(inline).filter((f) => f !== 'lib/workflow-ids.ts')).toEqual([]);
});

test('the CLI never opens the artifact store itself (a worker may run elsewhere)', () => {
  expect(filesMatching(/LocalDirStore|local-dir-store/).filter((f) => f.startsWith('client/'))).toEqual([]);
  expect(read('ports/artifact-store.ts')).not.toMatch(/localPath/);
});
