/** What a benchmark section returns, and its Markdown rendering. Pure. */

export interface Table {
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
  /** Lines under the table: what the figures mean, targets, caveats. */
  notes?: string[];
}

export interface SectionResult {
  section: string;
  /** The settings this section ran with. */
  config: Record<string, unknown>;
  /** The headline figures, machine-readable. */
  figures: Record<string, unknown>;
  tables: Table[];
  /** 1/5/15-minute load averages when the section started and ended. */
  load: { start: number[]; end: number[] };
  wallS: number;
}

const cell = (v: string | number) => (typeof v === 'number' ? formatNumber(v) : v);

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

export function markdownTable(t: Table): string {
  const lines = [
    `### ${t.title}`,
    '',
    `| ${t.columns.join(' | ')} |`,
    `|${t.columns.map(() => '---').join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
  if (t.notes?.length) lines.push('', ...t.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

export function markdownSection(s: SectionResult): string {
  const load = `load average ${s.load.start[0]} at start, ${s.load.end[0]} at end; ${s.wallS.toFixed(0)} s`;
  return [...s.tables.map(markdownTable), '', `_${s.section}: ${load}._`].join('\n\n');
}
