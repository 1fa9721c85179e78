import { execFileSync } from 'node:child_process';
import { roundScoresSvg } from '../../lib/charts';
import { formatRoundChart } from '../../client/print-campaign';

const rows = [
  { label: 'baseline', em: 0.2, f1: 0.31 },
  { label: 'round 0', em: 0.4, f1: 0.5 },
  { label: 'round <1>', em: 1, f1: 1 },
];

test('the SVG chart (ECharts) has two bars per round, labelled, and escapes labels', () => {
  const svg = roundScoresSvg('scores & more', rows);
  // One bar path per value, in the series colours (EM, F1), tagged by ECharts as chart elements of series 0 and 1.
  expect(svg.match(/<path d="M[^"]*Z" fill="#4e79a7" ecmeta_series_index="0" ecmeta_data_index="\d" ecmeta_ssr_type="chart"/g)).toHaveLength(rows.length);
  expect(svg.match(/<path d="M[^"]*Z" fill="#f28e2b" ecmeta_series_index="1" ecmeta_data_index="\d" ecmeta_ssr_type="chart"/g)).toHaveLength(rows.length);
  expect(svg).toContain('scores &amp; more');
  expect(svg).toContain('round &lt;1&gt;');
  expect(svg).toContain('>40.0<');
  expect(svg).toContain('>100.0<');
  // Well-formed XML (python3 is available wherever the tests run).
  execFileSync('python3', ['-c', 'import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.read())'], { input: svg });
});

test('the terminal chart shows EM and F1 per round', () => {
  const text = formatRoundChart({ baseline: { n: 3, answered: 3, em: 0.2, f1: 0.31 }, rounds: [] });
  expect(text).toContain('baseline');
  expect(text).toMatch(/EM  20\.0%/);
});
