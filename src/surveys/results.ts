import { seriesChartSpec } from '../charts/spec.js';
import { createSafely } from '../logger.js';
import type { SurveyConfig } from './config.js';
import type { MicroPulse } from './micro-pulse.js';
import { type TallyCell, type TrendPoint, tallyOf, trendPoint, type WaveResults, waveResults } from './model.js';
import { type MicroTrendPoint, ResultsChannelRefused, type SurveysServiceDeps } from './ports.js';
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
  const delivery = await repo.deliveryCounts(wave.id);
  const identified = await repo.identifiedAnswers(wave.id);
  const cells: TallyCell[] = [
    ...tallies.map((c) => ({ area: c.area === '' ? null : c.area, score: c.score, count: c.count })),
    ...tallyOf(identified.map((a) => ({ score: a.score, area: a.area }))),
  ];
  const comments = [...(await repo.comments(wave.id)), ...identified.flatMap((a) => (a.comment ? [a.comment] : []))];
  return waveResults({
    state: wave.closedAt === null ? 'open' : 'closed',
    invited: wave.invited,
    // `sending`: cut off mid-call, the DM may have arrived; `failed` and never-sent `pending` ones did not.
    reached: delivery.sent + delivery.sending,
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

export type PostOutcome =
  | { kind: 'posted' }
  /** Another caller holds the post (the sweep, another replica): it is being posted. */
  | { kind: 'busy' }
  /** Slack refused the results channel: `message` names it and the fix. The sweep tries again every minute. */
  | { kind: 'refused'; message: string }
  /** Any other failure (logged); the sweep tries again every minute. */
  | { kind: 'failed' };

/**
 * Posting a closed wave's results, a step of its own after the close: the close is final whatever Slack says, and
 * a post that failed is tried again by every minute's sweep (repo.unpostedResults) until it goes in. A refusal of
 * the results channel itself is told once per cause: in the command's answer, or by DM to the admins.
 */
export function createResultsPoster(deps: SurveysServiceDeps, micro: MicroPulse) {
  const { repo, notifier, logger } = deps;
  const safely = createSafely(logger, 'surveys');

  /** Posts a closed wave's results once (the lease keeps two callers from posting it twice). */
  async function post(wave: WaveRow, survey: SurveyConfig, by: 'command' | 'sweep'): Promise<PostOutcome> {
    let posted = false;
    try {
      await deps.leases.hold(`survey-results:${wave.id}`, 120_000, async () => {
        const current = await repo.wave(wave.id);
        if (!current || current.resultsTs !== null) return;
        const closed = await closedResults(repo, survey.id);
        const mine = closed.find((c) => c.wave.id === wave.id);
        if (!mine) return;
        const microTrend = survey.microPulse ? await micro.trend(survey) : [];
        const at = await notifier.postResults({
          survey,
          wave: current,
          results: mine.results,
          chart: () =>
            trendPng(survey.id, trendOf(closed)).catch((error: unknown) => {
              logger.error(`surveys: the trend chart of ${survey.id} could not be drawn`, error);
              return null;
            }),
          micro: microTrend,
          microChart: () =>
            microTrend.length === 0
              ? Promise.resolve(null)
              : microPng(survey.id, microTrend).catch((error: unknown) => {
                  logger.error(`surveys: the micro-pulse chart of ${survey.id} could not be drawn`, error);
                  return null;
                }),
        });
        await repo.setResults(wave.id, at.channel, at.ts);
        if (at.chartFileId) await repo.setChartFile(wave.id, at.chartFileId);
        posted = true;
      });
    } catch (error) {
      if (!(error instanceof ResultsChannelRefused)) {
        logger.error(
          `surveys: the results of ${survey.id} wave ${wave.number} could not be posted (tried again)`,
          error,
        );
        return { kind: 'failed' };
      }
      const message = refusedMessage(survey, wave, error);
      // Told once per cause: the first caller to record this refusal tells; later minutes only retry.
      if (await repo.setResultsProblem(wave.id, error.code)) {
        logger.error(`surveys: ${message}`);
        if (by === 'sweep') await safely('telling the admins', () => notifier.tellAdmins(deps.admins ?? [], message));
      }
      return { kind: 'refused', message };
    }
    if (!posted) return { kind: 'busy' };
    await safely('publishing the admins’ Home tabs', () => notifier.homeChanged([...(deps.admins ?? [])]));
    return { kind: 'posted' };
  }

  /** For the admins' Home tab: each survey's latest closed wave (its score and chart) and micro-pulse trend. */
  async function trends() {
    const out = [];
    for (const survey of deps.config) {
      const last = (await closedResults(repo, survey.id, 1)).at(-1) ?? null;
      out.push({ survey, last, micro: survey.microPulse ? await micro.trend(survey) : [] });
    }
    return out;
  }

  /** The latest closed wave's results (nothing of an open wave). */
  async function latest(
    survey: SurveyConfig,
  ): Promise<{ survey: SurveyConfig; wave: WaveRow; results: WaveResults; micro: MicroTrendPoint[] } | null> {
    const last = (await closedResults(repo, survey.id, 1)).at(-1);
    return last ? { survey, ...last, micro: survey.microPulse ? await micro.trend(survey) : [] } : null;
  }

  return { post, trends, latest };
}

/** What to do about a results channel Slack refused, by its error. */
const CHANNEL_FIXES: Readonly<Record<string, string>> = {
  not_in_channel: 'Invite the bot there with `/invite @groundcrew` in that channel.',
  channel_not_found:
    'Check `resultsChannel` in groundcrew.yml; if the channel is private, invite the bot with `/invite @groundcrew` in it.',
  is_archived: 'Unarchive the channel, or set another `resultsChannel` in groundcrew.yml.',
};

function refusedMessage(survey: SurveyConfig, wave: WaveRow, error: ResultsChannelRefused): string {
  const fix = CHANNEL_FIXES[error.code] ?? 'Let the bot post there, or set another `resultsChannel` in groundcrew.yml.';
  return `Survey \`${survey.id}\`: wave ${wave.number} is closed, but its results could not be posted to <#${error.channel}> (${error.channel}): Slack answered \`${error.code}\`. ${fix} groundcrew tries again every minute and posts them once it can; you are told again only if the reason changes.`;
}
