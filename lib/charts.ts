/** A per-round score chart as a standalone SVG (grouped EM / F1 bars). Pure. */
export interface ScoreRow {
  label: string;
  em: number;
  f1: number;
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function roundScoresSvg(title: string, rows: ScoreRow[]): string {
  const width = 120 + rows.length * 110;
  const height = 300;
  const top = 50;
  const plot = 190; // pixel height of 100 %
  const base = top + plot;
  const bars = rows
    .map((row, i) => {
      const x = 80 + i * 110;
      const bar = (value: number, dx: number, color: string) => {
        const h = Math.max(0, Math.min(1, value)) * plot;
        return (
          `<rect class="bar" x="${x + dx}" y="${(base - h).toFixed(1)}" width="36" height="${h.toFixed(1)}" fill="${color}"/>` +
          `<text x="${x + dx + 18}" y="${(base - h - 4).toFixed(1)}" text-anchor="middle" font-size="11">${(100 * value).toFixed(1)}</text>`
        );
      };
      return bar(row.em, 0, '#4e79a7') + bar(row.f1, 40, '#f28e2b') + `<text x="${x + 38}" y="${base + 18}" text-anchor="middle" font-size="12">${escapeXml(row.label)}</text>`;
    })
    .join('\n  ');
  const grid = [0, 25, 50, 75, 100]
    .map((p) => {
      const y = base - (p / 100) * plot;
      return `<line x1="60" x2="${width - 20}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="54" y="${y + 4}" text-anchor="end" font-size="11">${p}%</text>`;
    })
    .join('\n  ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
  <rect width="100%" height="100%" fill="white"/>
  <text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(title)}</text>
  ${grid}
  ${bars}
  <rect x="${width - 150}" y="${height - 26}" width="12" height="12" fill="#4e79a7"/><text x="${width - 134}" y="${height - 16}" font-size="12">EM</text>
  <rect x="${width - 100}" y="${height - 26}" width="12" height="12" fill="#f28e2b"/><text x="${width - 84}" y="${height - 16}" font-size="12">F1</text>
</svg>
`;
}
