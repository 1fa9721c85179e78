import { execFileSync } from 'node:child_process';
import { roundScoresSvg } from '../../lib/charts';
import { formatRoundChart } from '../../client/print-campaign';

const rows = [
  { label: 'baseline', em: 0.2, f1: 0.31 },
  { label: 'round 0', em: 0.4, f1: 0.5 },
  { label: 'round <1>', em: 1, f1: 1 },
];

test('the SVG chart has two bars per round, labelled, and escapes labels', () => {
  const svg = roundScoresSvg('scores & more', rows);
  expect(svg.match(/<rect class="bar"/g)).toHaveLength(rows.length * 2);
  expect(svg).toContain('scores &#38; more');
  expect(svg).toContain('round &#60;1&#62;');
  expect(svg).toContain('>40.0<');
  // Well-formed XML (python3 is available wherever the tests run).
  execFileSync('python3', ['-c', 'import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.read())'], { input: svg });
});

test('the terminal chart shows EM and F1 per round', () => {
  const text = formatRoundChart({ baseline: { n: 3, answered: 3, em: 0.2, f1: 0.31 }, rounds: [] });
  expect(text).toContain('baseline');
  expect(text).toMatch(/EM  20\.0%/);
});
