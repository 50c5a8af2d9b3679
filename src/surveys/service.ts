import { CronExpressionParser } from 'cron-parser';
import { conflict, DomainError, invalidInput, notFound } from '../errors.js';
import type { ItemRef } from '../item-ref.js';
import { refMatches } from '../item-ref.js';
import { createSafely } from '../logger.js';
import type { SurveyConfig } from './config.js';
import { createMicroPulse } from './micro-pulse.js';
import {
  acceptsAnswers,
  canCloseWave,
  canStartWave,
  closeIsDue,
  closeTime,
  dueReminder,
  isScore,
  type WaveResults,
} from './model.js';
import { ChannelUnreadable, type MicroTrendPoint, type SurveysServiceDeps } from './ports.js';
import type { WaveRow } from './repo.js';
import { closedResults, microPng, trendOf, trendPng } from './results.js';
import { createSender } from './sending.js';

/** A comment is cut to this many characters. */
export const COMMENT_MAX = 1000;

export interface AnswerInput {
  score: number;
  area: string | null;
  comment: string | null;
  contact: boolean;
}

/** Use-cases of NPS pulse surveys (docs/surveys.md). Admin actions are audited; who answered what never is. */
export function createSurveysService(deps: SurveysServiceDeps) {
  const { repo, clock, audit, notifier, logger } = deps;
  const safely = createSafely(logger, 'surveys');
  const sender = createSender(deps);
  const micro = createMicroPulse(deps);
  const surveyById = (id: string) => deps.config.find((s) => s.id === id);
  const surveyOf = (wave: WaveRow) => surveyById(wave.surveyId);

  function need(id: string): SurveyConfig {
    const survey = surveyById(id);
    if (!survey) {
      const known = deps.config.map((s) => `\`${s.id}\``).join(', ');
      throw notFound(`There is no survey \`${id}\`. Surveys: ${known}.`);
    }
    return survey;
  }

  async function audience(survey: SurveyConfig): Promise<string[]> {
    const people = new Set<string>(survey.audience.users);
    for (const channel of survey.audience.channels) {
      const members = await deps.channels.members(channel).catch((error: unknown) => {
        if (error instanceof ChannelUnreadable) throw unreadableAudience(survey, channel, error.code);
        throw error;
      });
      for (const u of members) people.add(u);
    }
    if (survey.audience.usergroups.length > 0) {
      for (const u of await deps.people.expand({ users: [], usergroups: survey.audience.usergroups })) people.add(u);
    }
    const out = await repo.optedOutAmong([...people]);
    return [...people].filter((u) => !out.has(u)).sort();
  }

  function nextScheduledStart(survey: SurveyConfig, after: Date): Date | null {
    if (!survey.schedule) return null;
    const runs = CronExpressionParser.parse(survey.schedule, { currentDate: after, tz: deps.timezone });
    return runs.hasNext() ? runs.next().toDate() : null;
  }

  /** Sends a wave's pending DMs now, in the background (a command must answer within 3 seconds). */
  function deliverSoon(wave: WaveRow, survey: SurveyConfig) {
    if (deps.deliverSoon) return deps.deliverSoon();
    void sender
      .deliver(wave, survey)
      .catch((error: unknown) => logger.error(`surveys: wave ${wave.id} delivery failed`, error));
  }

  async function start(surveyId: string, actor: string, options: { background?: boolean } = {}): Promise<WaveRow> {
    const survey = need(surveyId);
    const now = clock.now();
    const latest = await repo.latestWave(survey.id);
    const may = canStartWave(latest, now);
    const startRefused = (outcome: 'denied' | 'failed', detail: string) =>
      audit.record({ actor, action: 'surveys.start', target: `survey:${survey.id}`, outcome, detail });
    if (!may.ok) {
      await startRefused('denied', may.message);
      throw conflict(`Survey \`${survey.id}\`: ${may.message} (\`/platform survey close ${survey.id}\`).`);
    }
    // The audience first: a channel the bot cannot read stops the start before the last wave is closed.
    let people: string[];
    try {
      people = await audience(survey);
    } catch (error) {
      if (error instanceof DomainError) await startRefused('failed', error.message);
      throw error;
    }
    // Past its close time: closed here unless the sweep (same minute, or a catch-up beside this one) got there first.
    if (may.closeLatestFirst && latest) await closeDue(latest, survey, now);
    const wave = await repo.openWave(
      {
        surveyId: survey.id,
        anonymous: survey.anonymous,
        minGroupSize: survey.minGroupSize,
        areas: survey.followUps.area?.options ?? [],
        opensAt: now,
        closesAt: closeTime(now, survey.openFor, nextScheduledStart(survey, now)),
      },
      people,
    );
    await audit.record({
      actor,
      action: 'surveys.start',
      target: `survey:${survey.id}`,
      inputs: { wave: wave.number, invited: wave.invited },
    });
    if (options.background !== false) deliverSoon(wave, survey);
    return wave;
  }

  /**
   * The scheduler's start of a wave. A start Slack refuses for a configuration reason (an audience channel the bot
   * cannot read) is logged at error and told to the admins by DM, and audited by start(); other errors go to the
   * scheduler (logged, its run marked failed).
   */
  async function scheduledStart(surveyId: string): Promise<void> {
    try {
      await start(surveyId, 'system');
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'unavailable') throw error;
      logger.error(`surveys: the scheduled wave did not start: ${error.message}`);
      await safely('telling the admins', () =>
        notifier.startFailed(deps.admins ?? [], `The scheduled wave did not start. ${error.message}`),
      );
    }
  }

  /** Closes the survey's open wave (early, by an admin, or when due) and posts its results. */
  async function close(surveyId: string, actor: string): Promise<WaveRow> {
    const survey = need(surveyId);
    const wave = await repo.latestWave(survey.id);
    const may = wave ? canCloseWave(wave, clock.now()) : { ok: false as const, message: 'it has no wave yet' };
    const closed = wave && may.ok ? await repo.closeWave(wave.id, clock.now()) : null;
    if (!wave || !closed) {
      const why = may.ok ? 'this wave is already closed' : may.message;
      await audit.record({
        actor,
        action: 'surveys.close',
        target: `survey:${survey.id}`,
        outcome: 'denied',
        detail: why,
      });
      throw conflict(`Survey \`${survey.id}\`: ${why}.`);
    }
    await audit.record({
      actor,
      action: 'surveys.close',
      target: `survey:${survey.id}`,
      inputs: { wave: wave.number },
    });
    await postResults(closed);
    return closed;
  }

  /** Closes a wave past its close time, once: whoever closes it (compare-and-set) audits it and posts the results. */
  async function closeDue(wave: WaveRow, survey: SurveyConfig, now: Date): Promise<void> {
    const closed = await repo.closeWave(wave.id, now);
    if (!closed) return;
    await audit.record({
      actor: 'system',
      action: 'surveys.close',
      target: `survey:${survey.id}`,
      inputs: { wave: wave.number },
    });
    await postResults(closed);
  }

  /** Posts a closed wave's results once (the lease keeps two replicas from posting it twice). */
  async function postResults(wave: WaveRow): Promise<void> {
    const survey = surveyOf(wave);
    if (!survey) return;
    await deps.leases.hold(`survey-results:${wave.id}`, 120_000, async () => {
      const current = await repo.wave(wave.id);
      if (!current || current.resultsTs !== null) return;
      const closed = await closedResults(repo, survey.id);
      const mine = closed.find((c) => c.wave.id === wave.id);
      if (!mine) return;
      const chart = await trendPng(survey.id, trendOf(closed)).catch((error: unknown) => {
        logger.error(`surveys: the trend chart of ${survey.id} could not be drawn`, error);
        return null;
      });
      const microTrend = survey.microPulse ? await micro.trend(survey) : [];
      const microChart =
        microTrend.length === 0
          ? null
          : await microPng(survey.id, microTrend).catch((error: unknown) => {
              logger.error(`surveys: the micro-pulse chart of ${survey.id} could not be drawn`, error);
              return null;
            });
      const at = await notifier.postResults({
        survey,
        wave: current,
        results: mine.results,
        chart,
        micro: microTrend,
        microChart,
      });
      await repo.setResults(wave.id, at.channel, at.ts);
      if (at.chartFileId) await repo.setChartFile(wave.id, at.chartFileId);
    });
    await safely('publishing the admins’ Home tabs', () => notifier.homeChanged([...(deps.admins ?? [])]));
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

  async function answer(
    ref: ItemRef,
    userId: string,
    input: AnswerInput,
  ): Promise<{ changed: boolean; wave: WaveRow; after: () => Promise<void> }> {
    const wave = await repo.wave(ref.id);
    if (!wave || !refMatches(ref, wave)) throw notFound('This survey wave no longer exists.');
    if (!isScore(input.score)) throw invalidInput('Pick a score from 0 to 10.');
    if (input.area !== null && !wave.areas.includes(input.area)) throw invalidInput('Pick one of the listed areas.');
    const comment = input.comment?.trim().slice(0, COMMENT_MAX) || null;
    const changed = await repo.transaction(async () => {
      const current = await repo.wave(wave.id);
      if (!current || !acceptsAnswers(current, clock.now())) throw conflict('This survey wave is closed.');
      const first = await repo.markAnswered(wave.id, userId);
      if (!first) {
        const invited = await repo.invitation(wave.id, userId);
        if (!invited) throw notFound('You were not asked in this wave.');
        if (wave.anonymous) throw conflict('You have answered already. An anonymous answer cannot be changed.');
      }
      if (wave.anonymous) {
        // Every answer rewrites every cell and the comment set, whatever it holds (docs/surveys.md).
        await repo.bumpTallies(wave.id, input.area ?? '', input.score, input.contact ? 0 : 1);
        const comments = await repo.comments(wave.id);
        if (comment && !input.contact) comments.push(comment);
        await repo.writeComments(wave.id, comments.sort(byText));
      }
      if (!wave.anonymous || input.contact) {
        await repo.saveIdentifiedAnswer({
          waveId: wave.id,
          userId,
          score: input.score,
          area: input.area,
          comment,
          contact: input.contact,
        });
      }
      return !first;
    });
    /** The effects outside the database, run after the modal is answered (Slack wants its ack within 3 s). */
    const after = async () => {
      const survey = surveyOf(wave);
      const invitation = await repo.invitation(wave.id, userId);
      if (survey && invitation?.dmChannel && invitation.dmTs) {
        const dm = { channel: invitation.dmChannel, ts: invitation.dmTs };
        await safely('updating the wave DM', () => notifier.updateDm(dm, { survey, wave, followUp: null }, 'answered'));
      }
      if (survey && input.contact) {
        await safely('telling the platform team', () =>
          notifier.contactRequested(userId, survey, { score: input.score, area: input.area, comment }),
        );
      }
      await safely('publishing the Home tab', () => notifier.homeChanged([userId]));
    };
    return { changed, wave, after };
  }

  async function followUp(surveyId: string, actor: string, text: string): Promise<WaveRow> {
    const survey = need(surveyId);
    const trimmed = text.trim();
    if (!trimmed) throw invalidInput(`Say what changed: \`/platform survey followup ${survey.id} "…"\`.`);
    const latest = await repo.latestWave(survey.id);
    if (latest && latest.closedAt === null) {
      // Its DMs went out opening with the wave before's follow-up; one saved now would open no DM (docs/surveys.md).
      await audit.record({
        actor,
        action: 'surveys.followup',
        target: `survey:${survey.id}`,
        outcome: 'denied',
        detail: `wave ${latest.number} is open`,
      });
      throw conflict(
        `Survey \`${survey.id}\`: wave ${latest.number} is open and its DMs have gone out, so a follow-up now would reach no DM. Add it once wave ${latest.number} has closed (\`/platform survey close ${survey.id}\` closes it now): it is then posted in wave ${latest.number}'s results thread and opens the next wave's DM.`,
      );
    }
    const last = (await repo.closedWaves(survey.id, 1))[0];
    if (!last) {
      await audit.record({
        actor,
        action: 'surveys.followup',
        target: `survey:${survey.id}`,
        outcome: 'denied',
        detail: 'no closed wave yet',
      });
      throw conflict(`Survey \`${survey.id}\` has no closed wave to follow up on yet.`);
    }
    const saved = (await repo.setFollowUp(last.id, trimmed.slice(0, 2000)))!;
    await audit.record({
      actor,
      action: 'surveys.followup',
      target: `survey:${survey.id}`,
      inputs: { wave: last.number },
    });
    await safely('posting the follow-up', () => notifier.postFollowUp(saved, survey, saved.followUp!));
    return saved;
  }

  /** The latest closed wave's results (nothing of an open wave). */
  async function latestResults(
    surveyId: string,
  ): Promise<{ survey: SurveyConfig; wave: WaveRow; results: WaveResults; micro: MicroTrendPoint[] } | null> {
    const survey = need(surveyId);
    const last = (await closedResults(repo, survey.id, 1)).at(-1);
    return last ? { survey, ...last, micro: survey.microPulse ? await micro.trend(survey) : [] } : null;
  }

  /** The every-minute sweep: close due waves, send due reminders, resume DMs, post results a crash left unposted. */
  async function tick(signal?: AbortSignal): Promise<void> {
    const now = clock.now();
    for (const wave of await repo.openWaves()) {
      const survey = surveyOf(wave);
      if (!survey) continue;
      if (closeIsDue(wave, now)) {
        await closeDue(wave, survey, now);
        continue;
      }
      await sender.deliver(wave, survey, signal);
      const due = dueReminder(wave, survey.reminders, wave.remindersSent, now);
      if (due.send && (await repo.claimReminderRound(wave.id, wave.remindersSent, due.sentAfter))) {
        const report = await sender.remind(wave, survey, due.sentAfter, signal);
        logger.info(`surveys: reminder ${due.sentAfter} of wave ${wave.id}: ${report.sent} sent`);
      }
    }
    for (const wave of await repo.unpostedResults()) await postResults(wave);
  }

  async function owedBy(userId: string): Promise<{ survey: SurveyConfig; wave: WaveRow }[]> {
    if (await repo.isOptedOut(userId)) return [];
    const now = clock.now();
    return (await repo.owedBy(userId)).flatMap((wave) => {
      const survey = surveyOf(wave);
      return survey && acceptsAnswers(wave, now) ? [{ survey, wave }] : [];
    });
  }

  return {
    surveys: () => deps.config,
    surveyById,
    start,
    scheduledStart,
    close,
    answer,
    followUp,
    latestResults,
    trends,
    micro,
    tick,
    owedBy,
    wave: (id: number) => repo.wave(id),
    takesAnswers: (wave: WaveRow) => acceptsAnswers(wave, clock.now()),
    invitation: (waveId: number, userId: string) => repo.invitation(waveId, userId),
    identifiedAnswer: (waveId: number, userId: string) => repo.identifiedAnswer(waveId, userId),
    deliver: sender.deliver,
    optOut: async (userId: string) => {
      const changed = await repo.optOut(userId);
      await safely('publishing the Home tab', () => notifier.homeChanged([userId]));
      return changed;
    },
    optIn: (userId: string) => repo.optIn(userId),
    isOptedOut: (userId: string) => repo.isOptedOut(userId),
  };
}

/** The admin-facing error for an audience channel the bot cannot read: names the survey, the channel, the fix. */
function unreadableAudience(survey: SurveyConfig, channel: string, code: string): DomainError {
  const why = code === 'not_in_channel' ? 'the bot is not a member of it' : 'the bot cannot see it';
  return new DomainError(
    'unavailable',
    `Survey \`${survey.id}\`: its audience channel <#${channel}> (${channel}) cannot be read (${code}: ${why}). Invite the bot there with \`/invite @groundcrew\` in that channel, or change \`audience\` in groundcrew.yml; no wave was started.`,
  );
}

function byText(a: string, b: string): number {
  return a.localeCompare(b, 'en') || (a < b ? -1 : a > b ? 1 : 0);
}

export type SurveysService = ReturnType<typeof createSurveysService>;
