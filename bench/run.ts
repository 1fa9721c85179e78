/**
 * `npm run bench [-- options]`: the four benchmarks, each in a process of its own, written to
 * `bench/results/<date>.json` and `bench/results/<date>.md` (a later run on the same day replaces the sections it
 * ran and keeps the others). Never part of `npm test`.
 *
 *   --only overhead,throughput,scale,search   a subset (default: all four)
 *   --size full|small                         small: a few minutes in all, for a quick look (default: full)
 *   --out NAME                                write bench/results/NAME.json and .md instead of <date>
 *   --threads N                               node-llama-cpp threads (default 1: on a busy 2-core machine more
 *                                             threads spin-wait and collapse generation)
 * and per section: --overhead-concurrency 1,16 --per-lane 8 --reps 5 --delay-ms 50,200,500 (a list: each delay runs the whole comparison; none: only the embedded model)
 * --embedded-questions 4 --embedded-concurrency 1 --embedded-reps 2 (the same comparison with the embedded model, --max-searches too; 0 questions: none);
 * --throughput-concurrency 1,4,8 --questions 8 --max-searches 2; --scale-questions 2000 --scale-samples 2;
 * --paragraphs 100000.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadAverage, machineInfo } from './machine';
import { markdownSection, type SectionResult } from './report';

const ALL = ['overhead', 'throughput', 'scale', 'search'];
const RESULTS = path.join(__dirname, 'results');

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    size: { type: 'string', default: 'full' },
    threads: { type: 'string', default: '1' },
    'overhead-concurrency': { type: 'string' },
    'per-lane': { type: 'string' },
    reps: { type: 'string' },
    'delay-ms': { type: 'string' },
    'embedded-questions': { type: 'string' },
    'embedded-concurrency': { type: 'string' },
    'embedded-reps': { type: 'string' },
    'throughput-concurrency': { type: 'string' },
    questions: { type: 'string' },
    'max-searches': { type: 'string' },
    'scale-questions': { type: 'string' },
    'scale-samples': { type: 'string' },
    paragraphs: { type: 'string' },
    out: { type: 'string' },
  },
});

const list = (s: string) => (s === 'none' ? [] : s.split(',').map(Number));
const num = (s: string | undefined, fallback: number) => (s === undefined ? fallback : Number(s));

function sectionOptions(small: boolean): Record<string, object> {
  const threads = Number(values.threads);
  return {
    overhead: {
      concurrency: list(values['overhead-concurrency'] ?? '1,16'),
      perLane: num(values['per-lane'], small ? 2 : 8),
      reps: num(values.reps, small ? 2 : 5),
      delayMs: list(values['delay-ms'] ?? (small ? '50' : '50,200,500')),
      embedded: {
        questions: num(values['embedded-questions'], small ? 1 : 4),
        concurrency: list(values['embedded-concurrency'] ?? '1'),
        reps: num(values['embedded-reps'], small ? 1 : 2),
        threads,
        maxSearches: num(values['max-searches'], small ? 1 : 2),
      },
    },
    throughput: {
      concurrency: list(values['throughput-concurrency'] ?? (small ? '1,2' : '1,4,8')),
      questions: num(values.questions, small ? 2 : 8),
      maxSearches: num(values['max-searches'], small ? 1 : 2),
      threads,
      rawTokens: small ? 64 : 128,
    },
    scale: {
      questions: num(values['scale-questions'], small ? 200 : 2000),
      samples: num(values['scale-samples'], 2),
      concurrency: 16,
      batchSize: 100,
    },
    search: { paragraphs: num(values.paragraphs, small ? 10_000 : 100_000), queries: small ? 500 : 2000 },
  };
}

function runSection(name: string, options: object): Promise<SectionResult> {
  const out = path.join(os.tmpdir(), `restact-bench-${name}-${process.pid}.json`);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'section-process.ts'), name, JSON.stringify(options), out], {
    stdio: 'inherit',
    env: { ...process.env, OMP_WAIT_POLICY: 'passive' },
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`benchmark section ${name} failed (exit code ${code})`));
      resolve(JSON.parse(fs.readFileSync(out, 'utf8')) as SectionResult);
      fs.rmSync(out, { force: true });
    });
  });
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: __dirname, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const only = values.only ? values.only.split(',') : ALL;
  const unknown = only.filter((s) => !ALL.includes(s));
  if (unknown.length) throw new Error(`unknown section(s) ${unknown.join(', ')}; choose from ${ALL.join(', ')}`);
  const small = values.size === 'small';
  const options = sectionOptions(small);
  const date = new Date().toISOString().slice(0, 10);
  const name = values.out ?? date;
  if (!/^[\w.-]+$/.test(name)) throw new Error(`--out ${name}: use letters, digits, '.', '_' and '-' only (a file name under bench/results)`);
  const jsonFile = path.join(RESULTS, `${name}.json`);
  const previous = fs.existsSync(jsonFile) ? (JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as { sections: Record<string, SectionResult> }) : undefined;
  const sections: Record<string, SectionResult> = { ...previous?.sections };
  const loadStart = loadAverage();
  for (const name of only) {
    process.stderr.write(`\n== ${name} (${small ? 'small' : 'full'}): ${JSON.stringify(options[name])}\n`);
    sections[name] = await runSection(name, options[name]);
    process.stdout.write('\n' + markdownSection(sections[name]) + '\n');
  }
  const result = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: machineInfo(),
    size: small ? 'small' : 'full',
    load: { start: loadStart, end: loadAverage() },
    sections: Object.fromEntries(ALL.filter((s) => sections[s]).map((s) => [s, sections[s]])),
  };
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(jsonFile, JSON.stringify(result, null, 2) + '\n');
  const m = result.machine;
  const header = [
    `# restact benchmarks, ${date} (commit ${result.commit})`,
    '',
    `${m.cores} cores (${m.cpu}), ${m.memoryGb} GB, ${m.platform}, Node ${m.node}. Every figure is a ratio or a rate from the same run; ` +
      'each section gives the load average it ran under. Reproduce: `npm run bench` (`-- --only NAME`, `-- --size small`).',
  ];
  const md = [...header, ...ALL.filter((s) => sections[s]).map((s) => `\n## ${s}\n\n` + markdownSection(sections[s]))].join('\n') + '\n';
  fs.writeFileSync(path.join(RESULTS, `${name}.md`), md);
  process.stderr.write(`\nWrote ${path.relative(process.cwd(), jsonFile)} and ${name}.md\n`);
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
