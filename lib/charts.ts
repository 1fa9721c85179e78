/**
 * Charts as standalone SVG, rendered by Apache ECharts' server-side SVG renderer (no DOM, no native
 * dependencies): grouped bars with 95% CI whiskers, each bar labelled with its value. Pure (no I/O); activities
 * and the CLI draw with it (the evaluation's charts are in lib/eval/charts.ts), never workflows.
 */
import type * as ECharts from 'echarts';

/** Loaded on first use: ECharts adds about 20 MB to a process, and most workers never draw a chart. */
let echartsModule: typeof ECharts | undefined;
function echarts(): typeof ECharts {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (echartsModule ??= require('echarts') as typeof ECharts);
}

export interface BarValue {
  value: number | null;
  low?: number | null;
  high?: number | null;
}

export interface BarChartSpec {
  title: string;
  subtitle?: string;
  /** x-axis groups (models, rounds or metrics). */
  categories: string[];
  /** One bar per category in each series. */
  series: Array<{ name: string; values: BarValue[] }>;
  /** Values are fractions shown as percentages (axis 0-100 %). */
  percent?: boolean;
  width?: number;
  height?: number;
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];
// Bar layout, set explicitly so the CI whiskers can be placed on the bars' centres.
const CATEGORY_GAP = 0.3;
const BAR_GAP = 0.2;

const fmt = (v: number, percent: boolean) => (percent ? (100 * v).toFixed(1) : Number.isInteger(v) ? String(v) : v.toFixed(2));

export function barChartSvg(spec: BarChartSpec): string {
  const width = spec.width ?? Math.max(480, 140 + spec.categories.length * Math.max(90, 40 * spec.series.length));
  const height = spec.height ?? 360;
  const percent = !!spec.percent;
  const nSeries = spec.series.length;
  const chart = echarts().init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      color: PALETTE,
      textStyle: { fontFamily: 'sans-serif' },
      title: { text: spec.title, subtext: spec.subtitle, left: 'center', textStyle: { fontSize: 15 } },
      legend: { bottom: 4, data: spec.series.map((s) => s.name) },
      grid: { left: 60, right: 20, top: spec.subtitle ? 70 : 50, bottom: 70, containLabel: true },
      xAxis: { type: 'category', data: spec.categories, axisLabel: { interval: 0, fontSize: 11, overflow: 'break', width: Math.max(60, (width - 120) / Math.max(1, spec.categories.length) - 8) } },
      yAxis: percent ? { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } } : { type: 'value', min: 0 },
      series: [
        ...spec.series.map((s) => ({
          name: s.name,
          type: 'bar',
          barCategoryGap: `${CATEGORY_GAP * 100}%`,
          barGap: `${BAR_GAP * 100}%`,
          data: s.values.map((v) => (v.value === null ? null : v.value)),
          label: { show: true, position: 'top', distance: 2, fontSize: 10, formatter: (p: { value: number }) => fmt(p.value, percent) },
        })),
        ...spec.series.map((s, si) => ({
          name: s.name,
          type: 'custom',
          z: 10,
          silent: true,
          data: s.values.map((v, ci) => (v.low != null && v.high != null ? [ci, v.low, v.high] : [ci, null, null])),
          renderItem: (_params: unknown, api: CustomApi) => whisker(api, si, nSeries),
        })),
      ],
    });
    return chart.renderToSVGString() + '\n';
  } finally {
    chart.dispose();
  }
}

interface CustomApi {
  value(dim: number): number;
  coord(point: [number, number]): [number, number];
  size(dataSize: [number, number]): [number, number];
}

/** A CI whisker on bar `si` of `n` in its category (same geometry as ECharts' grouped bar layout). */
function whisker(api: CustomApi, si: number, n: number) {
  const low = api.value(1);
  const high = api.value(2);
  if (low === null || high === null || Number.isNaN(low) || Number.isNaN(high)) return null;
  const band = api.size([1, 0])[0];
  const used = band * (1 - CATEGORY_GAP);
  const barWidth = used / (n + (n - 1) * BAR_GAP);
  const [cx] = api.coord([api.value(0), 0]);
  const x = cx - used / 2 + si * barWidth * (1 + BAR_GAP) + barWidth / 2;
  const [, yLow] = api.coord([api.value(0), low]);
  const [, yHigh] = api.coord([api.value(0), high]);
  const cap = Math.min(6, barWidth / 3);
  const style = { stroke: '#222', lineWidth: 1.2 };
  return {
    type: 'group',
    children: [
      { type: 'line', shape: { x1: x, y1: yLow, x2: x, y2: yHigh }, style },
      { type: 'line', shape: { x1: x - cap, y1: yLow, x2: x + cap, y2: yLow }, style },
      { type: 'line', shape: { x1: x - cap, y1: yHigh, x2: x + cap, y2: yHigh }, style },
    ],
  };
}

export interface ScoreRow {
  label: string;
  em: number;
  f1: number;
}

/** The campaign's per-round EM / F1 chart (kept for the campaign report). */
export function roundScoresSvg(title: string, rows: ScoreRow[]): string {
  return barChartSvg({
    title,
    categories: rows.map((r) => r.label),
    series: [
      { name: 'EM', values: rows.map((r) => ({ value: r.em })) },
      { name: 'F1', values: rows.map((r) => ({ value: r.f1 })) },
    ],
    percent: true,
  });
}
