/**
 * (4) Search: a synthetic corpus (seeded words with a Zipf-like frequency, as in real text), indexed with the
 * project's BM25 index (buildSqliteIndex, as `restact index` runs it), then queried as the agent queries it (top 3).
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildSqliteIndex, SqliteSearchEngine } from '../../adapters/search/sqlite-fts';
import { benchDir } from '../fixtures';
import { median, round, rssMb, RssSampler } from '../machine';
import type { Table } from '../report';
import { mulberry32 } from '../../lib/random';

export interface SearchOptions {
  paragraphs: number;
  queries: number;
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'ze', 'an', 'el', 'or', 'un', 'is', 'be', 'da', 'fu', 'go', 'hi', 'jo'];

function vocabulary(size: number, rand: () => number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const n = 2 + Math.floor(rand() * 3);
    words.add(Array.from({ length: n }, () => SYLLABLES[Math.floor(rand() * SYLLABLES.length)]).join(''));
  }
  return [...words];
}

/** Word picks skewed toward the start of the vocabulary (a few common words, a long tail of rare ones). */
const zipfPick = (words: string[], rand: () => number) => words[Math.floor(words.length * rand() ** 3)];

export function writeSyntheticCorpus(file: string, paragraphs: number, seed = 16): { words: string[]; bytes: number } {
  const rand = mulberry32(seed);
  const words = vocabulary(30_000, rand);
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let buffer = '';
  for (let i = 0; i < paragraphs; i++) {
    const title = Array.from({ length: 2 }, () => zipfPick(words, rand)).map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');
    const length = 60 + Math.floor(rand() * 60);
    const text = Array.from({ length }, () => zipfPick(words, rand)).join(' ') + '.';
    buffer += JSON.stringify({ id: `p${i}`, title, text }) + '\n';
    if (buffer.length > 1 << 20) {
      bytes += fs.writeSync(fd, buffer);
      buffer = '';
    }
  }
  bytes += fs.writeSync(fd, buffer);
  fs.closeSync(fd);
  return { words, bytes };
}

export async function searchBench(opts: SearchOptions) {
  const dir = benchDir('search');
  const corpus = path.join(dir, 'corpus.jsonl');
  const dbPath = path.join(dir, 'index.sqlite');
  try {
    const { words, bytes } = writeSyntheticCorpus(corpus, opts.paragraphs);
    const rssBefore = rssMb()!;
    const sampler = new RssSampler();
    const buildStarted = performance.now();
    const built = buildSqliteIndex({ corpusPath: corpus, dbPath });
    const buildS = (performance.now() - buildStarted) / 1000;
    const buildPeak = sampler.stop();

    const engine = new SqliteSearchEngine(dbPath);
    const rand = mulberry32(1616);
    const queries = Array.from({ length: opts.queries }, () => Array.from({ length: 2 + Math.floor(rand() * 5) }, () => zipfPick(words, rand)).join(' '));
    for (const q of queries.slice(0, 50)) await engine.search(q, 3); // warm the page cache
    const latencies: number[] = [];
    let hits = 0;
    const queryStarted = performance.now();
    for (const q of queries) {
      const t = performance.now();
      hits += (await engine.search(q, 3)).length;
      latencies.push(performance.now() - t);
    }
    const queryS = (performance.now() - queryStarted) / 1000;
    const rssQuerying = rssMb()!;
    await engine.close();

    latencies.sort((a, b) => a - b);
    const figures = {
      paragraphs: built.indexed,
      corpusMb: round(bytes / 2 ** 20, 1),
      indexMb: round(fs.statSync(dbPath).size / 2 ** 20, 1),
      buildS: round(buildS, 2),
      paragraphsPerS: Math.round(built.indexed / buildS),
      queries: queries.length,
      queriesPerS: Math.round(queries.length / queryS),
      medianQueryMs: round(median(latencies), 2),
      p95QueryMs: round(latencies[Math.floor(latencies.length * 0.95)], 2),
      meanHits: round(hits / queries.length, 2),
      rssBeforeBuildMb: rssBefore,
      peakRssDuringBuildMb: buildPeak,
      rssWhileQueryingMb: rssQuerying,
    };
    const table: Table = {
      title: `Search: ${figures.paragraphs.toLocaleString('en-US')} synthetic paragraphs (SQLite FTS5, BM25, top 3)`,
      columns: ['corpus MB', 'index MB', 'build s', 'paragraphs/s', 'queries/s', 'median ms', 'p95 ms', 'peak RSS in build MB', 'RSS querying MB'],
      rows: [[figures.corpusMb, figures.indexMb, figures.buildS, figures.paragraphsPerS, figures.queriesPerS, figures.medianQueryMs, figures.p95QueryMs, figures.peakRssDuringBuildMb, figures.rssWhileQueryingMb]],
      notes: [
        `Paragraphs of 60-120 words over a 30,000-word vocabulary with a Zipf-like frequency; queries of 2-6 words drawn the same way, one at a time (${figures.meanHits} hits each on average).`,
        `RSS of the benchmark process: ${figures.rssBeforeBuildMb} MB before the build (the corpus generator included).`,
      ],
    };
    return { config: { ...opts }, figures, tables: [table] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
