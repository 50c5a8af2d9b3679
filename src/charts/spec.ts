import type { TopLevelSpec } from 'vega-lite';

/**
 * Declarative "series over time" charts (NPS per wave, tickets per week, deploys per week), as Vega-Lite specs.
 * Pure: data in, spec out. Rendering (spec → SVG → PNG, no network) is in render.ts.
 *
 * Several measures with different units (a score from −100 to 100 and a percentage) go in stacked **panels** that
 * share the x axis, each with its own y scale, rather than on two y axes: two axes over one plot invite reading
 * one line against the other's scale, and a percentage next to a score would cross it for no reason.
 */

export type ChartValue = number | null;

export interface ChartSeries {
  name: string;
  /** One value per category, in the same order; null = no value (a gap, not a zero). */
  values: readonly ChartValue[];
}

export interface ChartRule {
  value: number;
  label: string;
}

export interface ChartPanel {
  /** The y axis title, e.g. `NPS` or `Response rate (%)`. */
  title: string;
  mark: 'line' | 'bar';
  series: readonly ChartSeries[];
  /** A fixed y range, e.g. [-100, 100]; default: fitted to the data (bars from 0). */
  domain?: readonly [number, number];
  /** d3-format of the y axis labels and value labels; default `d` (whole numbers). */
  format?: string;
  /** Horizontal reference lines, e.g. a target. */
  rules?: readonly ChartRule[];
}

export interface SeriesChart {
  title?: string;
  /** The x positions, in order: wave labels, week starts. */
  categories: readonly string[];
  panels: readonly ChartPanel[];
  /** Width of the plot area in px (default 520) and height of each panel (default 150). */
  width?: number;
  panelHeight?: number;
  /** Shown when there is no value at all (default "No data yet"). */
  emptyText?: string;
}

export const CHART_FONT_FAMILY = 'DejaVu Sans';
const DEFAULT_WIDTH = 520;
const DEFAULT_PANEL_HEIGHT = 150;
/** With more categories than this, value labels are left off and x labels are slanted. */
const LABEL_LIMIT = 12;
const MAX_BAR = 60;
const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2'];

interface Row {
  /** panel index */
  p: number;
  /** category and its position */
  c: string;
  i: number;
  /** series */
  s: string;
  v: ChartValue;
}

/** Throws RangeError for a chart that cannot be drawn as given (a programming mistake, not bad data). */
function check(chart: SeriesChart): void {
  if (chart.panels.length === 0) throw new RangeError('a chart needs at least one panel');
  if (new Set(chart.categories).size !== chart.categories.length) {
    throw new RangeError('chart categories must be distinct');
  }
  for (const panel of chart.panels) {
    if (panel.series.length === 0) throw new RangeError(`panel "${panel.title}" has no series`);
    for (const series of panel.series) {
      if (series.values.length !== chart.categories.length) {
        throw new RangeError(
          `series "${series.name}" of panel "${panel.title}" has ${series.values.length} values for ${chart.categories.length} categories`,
        );
      }
      if (series.values.some((v) => v !== null && !Number.isFinite(v))) {
        throw new RangeError(`series "${series.name}" of panel "${panel.title}" has a value that is not a number`);
      }
    }
  }
}

function rows(chart: SeriesChart): Row[] {
  return chart.panels.flatMap((panel, p) =>
    panel.series.flatMap((series) =>
      series.values.map((v, i) => ({ p, c: chart.categories[i]!, i, s: series.name, v })),
    ),
  );
}

const baseConfig = {
  font: CHART_FONT_FAMILY,
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', grid: true, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11 },
  title: { fontSize: 15, anchor: 'start', offset: 12 },
} as const;

/** The Vega-Lite spec of a series chart: one panel per measure, stacked, sharing the categories. */
export function seriesChartSpec(chart: SeriesChart): TopLevelSpec {
  check(chart);
  const width = chart.width ?? DEFAULT_WIDTH;
  const height = chart.panelHeight ?? DEFAULT_PANEL_HEIGHT;
  const data = rows(chart);
  const title = chart.title ? { title: chart.title } : {};
  if (!data.some((row) => row.v !== null)) return emptySpec(chart, width, height);

  const many = chart.categories.length > LABEL_LIMIT;
  const last = chart.panels.length - 1;
  const panels = chart.panels.map((panel, p) => {
    const format = panel.format ?? 'd';
    const multi = panel.series.length > 1;
    // The same band scale in every panel, over every category (with or without a value), so panels line up.
    const x = {
      field: 'c',
      type: 'ordinal' as const,
      title: null,
      scale: { type: 'band' as const, domain: [...chart.categories], paddingInner: 0.2, paddingOuter: 0.1 },
      bandPosition: 0.5,
      axis: p === last ? { labelAngle: many ? -45 : 0, grid: false } : { labels: false, ticks: false, grid: false },
    };
    const y = {
      field: 'v',
      type: 'quantitative' as const,
      title: panel.title,
      axis: { format, tickCount: 5 },
      scale: panel.domain ? { domain: [...panel.domain], nice: false } : { zero: panel.mark === 'bar', nice: true },
    };
    const color = {
      field: 's',
      type: 'nominal' as const,
      scale: { domain: panel.series.map((s) => s.name), range: PALETTE },
      legend: multi ? { orient: 'top' as const, title: null } : null,
    };
    // A lone bar would fill the whole width: bars of one series are at most MAX_BAR px wide.
    const band = (0.8 * width) / Math.max(1, chart.categories.length);
    const main =
      panel.mark === 'line'
        ? { mark: { type: 'line' as const, point: { size: 45, filled: true }, strokeWidth: 2.5 } }
        : { mark: { type: 'bar' as const, ...(!multi && band > MAX_BAR ? { width: MAX_BAR } : {}) } };
    const layers: object[] = [
      { ...main, encoding: { x, y, color, ...(panel.mark === 'bar' && multi ? { xOffset: { field: 's' } } : {}) } },
    ];
    if (!many) {
      layers.push({
        mark: { type: 'text', dy: panel.mark === 'bar' ? -6 : -10, fontSize: 10, color: '#333' },
        encoding: {
          x,
          y,
          text: { field: 'v', type: 'quantitative', format },
          detail: { field: 's' },
          ...(panel.mark === 'bar' && multi ? { xOffset: { field: 's' } } : {}),
        },
      });
    }
    for (const rule of panel.rules ?? []) {
      layers.push({
        data: { values: [{ v: rule.value, label: rule.label }] },
        layer: [
          {
            mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
            encoding: { y: { field: 'v', type: 'quantitative' } },
          },
          {
            mark: { type: 'text', align: 'left', dx: 4, x: 'width', fontSize: 10, color: '#666' },
            encoding: { y: { field: 'v', type: 'quantitative' }, text: { field: 'label' } },
          },
        ],
      });
    }
    return {
      width,
      height,
      // Rows without a value stay: Vega-Lite breaks the line there and draws no bar or label.
      transform: [{ filter: `datum.p === ${p}` }],
      layer: layers,
    };
  });

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...title,
    data: { values: data },
    vconcat: panels,
    spacing: 18,
    resolve: { scale: { color: 'independent', y: 'independent' } },
    config: baseConfig,
  } as TopLevelSpec;
}

/** No value at all: the title and one line of text where the plot would be, at the size the chart would have. */
function emptySpec(chart: SeriesChart, width: number, height: number): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(chart.title ? { title: chart.title } : {}),
    width,
    height: Math.max(60, Math.round(height / 2)),
    data: { values: [{ text: chart.emptyText ?? 'No data yet' }] },
    mark: { type: 'text', fontSize: 13, color: '#666' },
    encoding: { text: { field: 'text' }, x: { value: width / 2 }, y: { value: Math.max(60, height / 2) / 2 } },
    config: baseConfig,
  } as TopLevelSpec;
}
