/**
 * Runs one benchmark section in a process of its own (so its memory figures are its own), for bench/run.ts:
 *   node --import tsx bench/section-process.ts <section> <options JSON> <result file>
 */
import fs from 'node:fs';
import { loadAverage } from './machine';
import type { SectionResult, Table } from './report';
import { overhead } from './sections/overhead';
import { throughput } from './sections/throughput';
import { scale } from './sections/scale';
import { searchBench } from './sections/search';

type Section = (options: never) => Promise<{ config: Record<string, unknown>; figures: Record<string, unknown>; tables: Table[] }>;

export const SECTIONS: Record<string, Section> = { overhead, throughput, scale, search: searchBench };

async function main(): Promise<void> {
  const [name, options, outFile] = process.argv.slice(2);
  const section = SECTIONS[name];
  if (!section) throw new Error(`unknown section ${name}`);
  const start = loadAverage();
  const started = performance.now();
  const result = await section(JSON.parse(options) as never);
  const full: SectionResult = { section: name, ...result, load: { start, end: loadAverage() }, wallS: Math.round((performance.now() - started) / 100) / 10 };
  fs.writeFileSync(outFile, JSON.stringify(full, null, 2) + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
