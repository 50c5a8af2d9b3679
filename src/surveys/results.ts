import { seriesChartSpec } from '../charts/spec.js';
import { type TallyCell, type TrendPoint, tallyOf, trendPoint, type WaveResults, waveResults } from './model.js';
import type { SurveysRepo, WaveRow } from './repo.js';
import { type MicroChartPoint, microPulseChart, npsTrendChart } from './trend-chart.js';

/** Waves shown on the trend chart (the latest closed ones). */
export const TREND_WAVES = 12;

/**
 * A wave's results from storage: the anonymous tallies and comment set together with the answers stored with a
 * person (non-anonymous surveys, consent to be contacted). model.ts decides what may be shown.
 */
export async function resultsOf(repo: SurveysRepo, wave: WaveRow, previousNps?: number | null): Promise<WaveResults> {
  const tallies = await repo.tallies(wave.id);
  const identified = await repo.identifiedAnswers(wave.id);
  const cells: TallyCell[] = [
    ...tallies.map((c) => ({ area: c.area === '' ? null : c.area, score: c.score, count: c.count })),
    ...tallyOf(identified.map((a) => ({ score: a.score, area: a.area }))),
  ];
  const comments = [...(await repo.comments(wave.id)), ...identified.flatMap((a) => (a.comment ? [a.comment] : []))];
  return waveResults({
    state: wave.closedAt === null ? 'open' : 'closed',
    invited: wave.invited,
    cells,
    comments,
    minGroupSize: wave.minGroupSize,
    ...(previousNps === undefined ? {} : { previousNps }),
  });
}

/** The latest closed waves of a survey with their results (each compared with the one before), oldest first. */
export async function closedResults(
  repo: SurveysRepo,
  surveyId: string,
  limit = TREND_WAVES,
): Promise<{ wave: WaveRow; results: WaveResults }[]> {
  const waves = await repo.closedWaves(surveyId, limit + 1);
  const out: { wave: WaveRow; results: WaveResults }[] = [];
  let previous: number | null | undefined;
  for (const wave of waves) {
    const results = await resultsOf(repo, wave, previous);
    previous = results.shown ? results.nps : null;
    out.push({ wave, results });
  }
  return out.slice(-limit);
}

export function trendOf(closed: readonly { wave: WaveRow; results: WaveResults }[]): TrendPoint[] {
  return closed.map(({ wave, results }) => trendPoint(`#${wave.number}`, results));
}

/**
 * The trend chart as a PNG (drawn in-process, no network). The renderer (vega, vega-lite, resvg: about 16 MB of
 * memory once loaded) is imported on the first chart, so a process that never closes a wave never carries it.
 */
export async function trendPng(surveyId: string, points: readonly TrendPoint[]) {
  const { renderPng } = await import('../charts/render.js');
  return renderPng(seriesChartSpec(npsTrendChart(points, { title: `${surveyId}: NPS per wave`, npsTarget: 50 })));
}

/** The micro-pulse trend chart as a PNG (same renderer, loaded the same way). */
export async function microPng(surveyId: string, points: readonly MicroChartPoint[]) {
  const { renderPng } = await import('../charts/render.js');
  return renderPng(seriesChartSpec(microPulseChart(points, { title: `${surveyId}: micro-pulse per month` })));
}
