import { CronExpressionParser } from 'cron-parser';
import { conflict, DomainError, invalidInput, notFound } from '../errors.js';
import type { ItemRef } from '../item-ref.js';
import { refMatches } from '../item-ref.js';
import { createSafely } from '../logger.js';
import { createAudience } from './audience.js';
import type { SurveyConfig } from './config.js';
import { createMicroPulse } from './micro-pulse.js';
import { acceptsAnswers, canCloseWave, canStartWave, closeIsDue, closeTime, isScore } from './model.js';
import { type SurveysServiceDeps, WaveAlreadyOpen } from './ports.js';
import type { WaveRow } from './repo.js';
import { createResultsPoster, type PostOutcome } from './results.js';
import { createSender } from './sending.js';
import { deferredSlot, latestSlot } from './working-time.js';

/** A comment is cut to this many characters. */
export const COMMENT_MAX = 1000;

export interface AnswerInput {
  score: number;
  area: string | null;
  comment: string | null;
  contact: boolean;
}

/** The longest follow-up taken: it goes whole into a DM section and a results-thread section (Block Kit: 3,000). */
export const FOLLOW_UP_MAX = 2000;

/** Where a follow-up was posted: under the wave's results post, in the results channel (no post yet), or nowhere. */
export type FollowUpPost = 'thread' | 'channel' | 'failed';

/**
 * Use-cases of NPS pulse surveys (docs/surveys.md). Admin actions are audited; who answered what never is. Its
 * parts: sending.ts (the wave's DMs and reminder rounds), results.ts, audience.ts, micro-pulse.ts.
 */
export function createSurveysService(deps: SurveysServiceDeps) {
  const { repo, clock, audit, notifier, logger } = deps;
  const safely = createSafely(logger, 'surveys');
  const sender = createSender(deps);
  const micro = createMicroPulse(deps);
  const results = createResultsPoster(deps, micro);
  const audience = createAudience(deps);
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
    if (!wave) {
      // Another start (an admin, the schedule, another replica) opened a wave while this one read the audience.
      const why = 'a wave was opened by another start at the same moment';
      await startRefused('denied', why);
      throw new WaveAlreadyOpen(`Survey \`${survey.id}\`: ${why}; nothing more was started.`);
    }
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
    const survey = surveyById(surveyId);
    const now = clock.now();
    const due = survey && latestSlot(survey, now, deps.timezone);
    // A slot on a weekend day or a holiday waits for the next working day at the same local time (the sweep starts
    // it then); a slot that already has its wave starts nothing more.
    if (due && due.startAt.getTime() > now.getTime()) {
      const when = `${due.slot.toISOString()} falls on a weekend day or a holiday; it starts at ${due.startAt.toISOString()}`;
      return logger.info(`surveys: the ${surveyId} wave of ${when}`);
    }
    if (due && (await hasWaveSince(surveyId, due.slot))) return;
    await startFromSchedule(surveyId);
  }

  /** A wave opened at or after `slot`: the slot has had its start. */
  async function hasWaveSince(surveyId: string, slot: Date): Promise<boolean> {
    return ((await repo.latestWave(surveyId))?.opensAt.getTime() ?? Number.NEGATIVE_INFINITY) >= slot.getTime();
  }

  /** Starts a wave for the schedule; a start refused for a configuration reason is logged and told to the admins. */
  async function startFromSchedule(surveyId: string): Promise<void> {
    try {
      await start(surveyId, 'system');
    } catch (error) {
      if (error instanceof WaveAlreadyOpen) return logger.info(`surveys: scheduled start skipped: ${error.message}`);
      if (!(error instanceof DomainError) || error.code !== 'unavailable') throw error;
      logger.error(`surveys: the scheduled wave did not start: ${error.message}`);
      await safely('telling the admins', () =>
        notifier.tellAdmins(deps.admins ?? [], `The scheduled wave did not start. ${error.message}`),
      );
    }
  }

  /**
   * Closes the survey's open wave (early, by an admin, or when due), then tries to post its results. The close is
   * final whatever the post does: a post that failed is the sweep's to try again (results.ts).
   */
  async function close(surveyId: string, actor: string): Promise<{ wave: WaveRow; results: PostOutcome }> {
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
    return { wave: closed, results: await results.post(closed, survey, 'command') };
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
    await results.post(closed, survey, 'sweep');
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

  /**
   * "You said, we did" on the survey's latest closed wave, whether or not a wave is open (back-to-back waves leave
   * no moment without one): posted in that wave's results thread now, and the first wave opened after it opens its
   * DMs with it (sending.ts, inviteFor). With a wave open, that is the next one: the open wave's DMs have gone out.
   */
  async function followUp(
    surveyId: string,
    actor: string,
    text: string,
  ): Promise<{ wave: WaveRow; open: WaveRow | null; posted: FollowUpPost; channel: string }> {
    const survey = need(surveyId);
    const trimmed = text.trim();
    if (!trimmed) throw invalidInput(`Say what changed: \`/platform survey followup ${survey.id} "…"\`.`);
    if (trimmed.length > FOLLOW_UP_MAX) {
      throw invalidInput(
        `That follow-up is ${trimmed.length.toLocaleString('en-US')} characters; the most is ${FOLLOW_UP_MAX.toLocaleString('en-US')} (it goes into the next wave's DM). Nothing was saved. Shorten it and send it again; your text:\n${trimmed}`,
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
    const saved = (await repo.setFollowUp(last.id, trimmed, clock.now()))!;
    const latest = await repo.latestWave(survey.id);
    const open = latest && latest.closedAt === null ? latest : null;
    await audit.record({
      actor,
      action: 'surveys.followup',
      target: `survey:${survey.id}`,
      inputs: { wave: last.number, ...(open ? { openWave: open.number } : {}) },
    });
    // Where it went, for the admin's reply: under the results post, in the channel (no results post), or nowhere.
    let posted: FollowUpPost = saved.resultsTs ? 'thread' : 'channel';
    try {
      await notifier.postFollowUp(saved, survey, saved.followUp!);
    } catch (error) {
      logger.warn(`surveys: posting the follow-up on wave ${saved.id} failed:`, error);
      posted = 'failed';
    }
    return { wave: saved, open, posted, channel: saved.resultsChannel ?? survey.resultsChannel };
  }

  /** The latest closed wave's results (nothing of an open wave). */
  const latestResults = (surveyId: string) => results.latest(need(surveyId));

  /**
   * The every-minute sweep: close due waves, send DMs and reminder rounds a start or a restart left unsent, post
   * results not posted yet. One wave's failure is logged and does not stop the others (nor fail the run).
   */
  async function tick(signal?: AbortSignal): Promise<void> {
    const now = clock.now();
    const closedNow = new Set<number>();
    for (const wave of await repo.openWaves()) {
      const survey = surveyOf(wave);
      if (!survey) continue;
      await step(`wave ${wave.id}`, async () => {
        if (closeIsDue(wave, now)) {
          closedNow.add(wave.id);
          return closeDue(wave, survey, now);
        }
        await sender.deliver(wave, survey, signal);
        await sender.remindDue(wave, survey, now, signal);
      });
    }
    // Scheduled starts a weekend day or a holiday put off: started by the sweep once their working day has come.
    for (const survey of deps.config) {
      await step(`the deferred start of ${survey.id}`, () => deferredStart(survey, now));
    }
    // Results not posted yet, each tried once a minute (a wave just closed above had its try).
    for (const wave of await repo.unpostedResults()) {
      const survey = surveyOf(wave);
      if (!survey || closedNow.has(wave.id)) continue;
      await step(`the results of wave ${wave.id}`, () => results.post(wave, survey, 'sweep'));
    }
  }

  // Tried once per slot, on one replica, across restarts (a row in survey_put_off_starts claims it), as the tick it
  // stands in for: a failed start tells the admins once, not each minute, nor once per replica or restart.
  async function deferredStart(survey: SurveyConfig, now: Date): Promise<void> {
    const slot = deferredSlot(survey, now, deps.timezone);
    if (!slot || (await hasWaveSince(survey.id, slot))) return;
    if (await repo.claimPutOffStart(survey.id, slot)) await startFromSchedule(survey.id);
  }

  async function step(what: string, work: () => Promise<unknown>): Promise<void> {
    await work().catch((error: unknown) => logger.error(`surveys: ${what} failed (tried again next minute)`, error));
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
    trends: results.trends,
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

function byText(a: string, b: string): number {
  return a.localeCompare(b, 'en') || (a < b ? -1 : a > b ? 1 : 0);
}

export type SurveysService = ReturnType<typeof createSurveysService>;
