import type { SeriesChart } from '../charts/spec.js';
import { LOW_RESPONSE_PERCENT, type TrendPoint } from './model.js';

/** One month of micro-pulse, as the chart reads it. */
export interface MicroChartPoint {
  period: string;
  answers: number;
  mean: number | null;
}

/**
 * The survey trend chart: NPS per wave over response rate per wave, two panels sharing the waves (see
 * src/charts/spec.ts for why panels and not two y axes). A wave without a score to show is a gap.
 */
export function npsTrendChart(
  points: readonly TrendPoint[],
  options: { title?: string; npsTarget?: number } = {},
): SeriesChart {
  return {
    title: options.title ?? 'NPS per wave',
    categories: points.map((p) => p.wave),
    emptyText: 'No closed wave yet',
    panels: [
      {
        title: 'NPS',
        mark: 'line',
        series: [{ name: 'NPS', values: points.map((p) => p.nps) }],
        domain: [-100, 100],
        rules:
          options.npsTarget === undefined ? [] : [{ value: options.npsTarget, label: `target ${options.npsTarget}` }],
      },
      {
        title: 'Response rate (%)',
        mark: 'bar',
        series: [{ name: 'Response rate', values: points.map((p) => p.responsePercent) }],
        domain: [0, 100],
        rules: [{ value: LOW_RESPONSE_PERCENT, label: `${LOW_RESPONSE_PERCENT}%` }],
      },
    ],
  };
}

/**
 * The micro-pulse's own trend: the mean 1–5 per month over how many answered that month. A month under
 * minGroupSize answers has no mean (a gap) but shows its count.
 */
export function microPulseChart(points: readonly MicroChartPoint[], options: { title?: string } = {}): SeriesChart {
  return {
    title: options.title ?? 'Micro-pulse per month',
    categories: points.map((p) => p.period),
    emptyText: 'No micro-pulse answers yet',
    panels: [
      {
        title: 'Mean (1–5)',
        mark: 'line',
        series: [{ name: 'Mean', values: points.map((p) => p.mean) }],
        domain: [1, 5],
        format: '.1f',
      },
      {
        title: 'Answers',
        mark: 'bar',
        series: [{ name: 'Answers', values: points.map((p) => p.answers) }],
      },
    ],
  };
}
