import type { SurveyConfig } from './config.js';
import { acceptsAnswers, dueReminder } from './model.js';
import { createPacer, type Pacer, POST_MESSAGE_LIMITS, type RunPacedResult, runPaced } from './pacing.js';
import type { DmOutcome, SurveysServiceDeps, WaveInvite } from './ports.js';
import type { WaveRow } from './repo.js';
import { reminderTime } from './working-time.js';

/** How long a replica's hold on a wave's sending lasts without renewal (renewed every third while it runs). */
export const WAVE_LEASE_TTL_MS = 60_000;

/** Pacing runs on real elapsed time (Slack's limits are), not on the business clock, which tests may freeze. */
const wallClock = { now: () => new Date() };

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export interface SendReport {
  sent: number;
  failed: number;
  /** Claimed by someone else first (another replica or an earlier run): not sent here. */
  skipped: number;
  rateLimited: number;
  notStarted: number;
}

interface Item {
  userId: string;
  claimed: boolean;
}

/**
 * Paced DM sending for waves and reminders. One pacer per process: every wave and reminder round this replica sends
 * shares Slack's workspace-wide limit. A wave is sent by one replica at a time (the lease `survey-wave:<id>`), and
 * each DM is claimed in the database (pending → sending) just before its Slack call, so a restart or a second
 * replica never sends it again: a resume takes only `pending` rows.
 */
export function createSender(deps: SurveysServiceDeps) {
  const { repo, notifier, leases, logger } = deps;
  // Most of the burst allowance is left to Slack as a margin: our sends start on our clock and reach Slack with
  // jitter, so a pacer that used the whole burst would meet Slack's limit with no slack and draw a 429 (a whole
  // second) for a millisecond's difference. One interval of it is kept, so a timer that fires late can catch up
  // instead of pushing every later send back (measured with bench/survey-wave.ts).
  const limits = deps.limits ?? POST_MESSAGE_LIMITS;
  const pacer: Pacer = createPacer({ ...limits, burst: Math.max(1, Math.min(2, limits.burst - 2)) }, wallClock);

  async function paced(
    items: Item[],
    signal: AbortSignal,
    send: (item: Item) => Promise<DmOutcome | 'skipped'>,
  ): Promise<SendReport & { result: RunPacedResult<Item> }> {
    let skipped = 0;
    const result = await runPaced(items, {
      pacer,
      clock: wallClock,
      sleep: (ms) => sleep(ms, signal),
      channelOf: (item) => item.userId,
      signal,
      send: async (item) => {
        const outcome = await send(item);
        if (outcome === 'skipped') {
          skipped++;
          return { kind: 'sent' };
        }
        return outcome.kind === 'sent' ? { kind: 'sent' } : outcome;
      },
    });
    return {
      result,
      sent: result.sent - skipped,
      failed: result.failed.length,
      skipped,
      rateLimited: result.rateLimited,
      notStarted: result.notStarted.length,
    };
  }

  /**
   * The wave's invite: the survey's config and the newest follow-up saved since the previous wave opened (that
   * wave's DMs could not carry it). Normally the previous wave's own; with back-to-back waves, one saved on the wave
   * before while the previous one was open (docs/surveys.md, "You said, we did").
   */
  async function inviteFor(wave: WaveRow, survey: SurveyConfig): Promise<WaveInvite> {
    if (wave.number === 1) return { survey, wave, followUp: null };
    const previous = await repo.waveNumber(wave.surveyId, wave.number - 1);
    const since = previous?.opensAt.getTime() ?? 0;
    const candidates = (await repo.closedWaves(wave.surveyId, 3))
      .filter((w) => w.number < wave.number && w.followUp !== null)
      .map((w) => ({ text: w.followUp!, at: (w.followUpAt ?? w.closedAt ?? w.opensAt).getTime() }))
      .filter((f) => f.at > since)
      .sort((a, b) => b.at - a.at);
    return { survey, wave, followUp: candidates[0]?.text ?? null };
  }

  /** Sends every pending DM of a wave (resuming where a stopped run left off); null when another replica is on it. */
  async function deliver(wave: WaveRow, survey: SurveyConfig, stop?: AbortSignal): Promise<SendReport | null> {
    const held = await leases.hold(`survey-wave:${wave.id}`, WAVE_LEASE_TTL_MS, async (lease) => {
      const current = await repo.wave(wave.id);
      if (!current || !acceptsAnswers(current, deps.clock.now())) return emptyReport();
      const invite = await inviteFor(current, survey);
      const items = (await repo.pendingRecipients(wave.id)).map((userId) => ({ userId, claimed: false }));
      if (items.length === 0) return emptyReport();
      const closed = new AbortController();
      const signal = anyOf(stop, deps.stopping, lease.signal, closed.signal);
      const report = await paced(items, signal, async (item) => {
        if (!item.claimed) {
          if (!(await repo.claimDelivery(wave.id, item.userId))) return skippedOrClosed(wave.id, closed);
          item.claimed = true;
        }
        const outcome = await notifier.invite(item.userId, invite);
        if (outcome.kind === 'sent') {
          await repo.settleDelivery(wave.id, item.userId, 'sent', { channel: outcome.channel, ts: outcome.ts });
        } else if (outcome.kind === 'failed') {
          logger.warn(`surveys: the DM of wave ${wave.id} to ${item.userId} failed: ${describe(outcome.error)}`);
          await repo.settleDelivery(wave.id, item.userId, 'failed');
        }
        return outcome;
      });
      // Rate-limited too often: given up. Claimed but never sent (stopped while waiting): back in the queue.
      for (const item of report.result.failed) await repo.settleDelivery(wave.id, item.userId, 'failed');
      for (const item of report.result.notStarted) {
        if (item.claimed) await repo.settleDelivery(wave.id, item.userId, 'pending');
      }
      const { result: _r, ...counts } = report;
      logger.info(
        `surveys: wave ${wave.id} (${survey.id} #${wave.number}): ${counts.sent} sent, ${counts.failed} failed, ${counts.skipped} skipped, ${counts.notStarted} left for later, ${counts.rateLimited} rate-limited`,
      );
      return counts;
    });
    return held.claimed ? held.value : null;
  }

  /**
   * Sends reminder `round` to everyone who has not answered, has not opted out and has not had it yet, each claimed
   * (`reminded` → round) just before the DM: at most once per person per round, and what a stop or restart left
   * unsent is sent by the next call. Claimed but never started (stopped while waiting): given back.
   */
  async function remind(wave: WaveRow, survey: SurveyConfig, round: number, stop?: AbortSignal): Promise<SendReport> {
    const recipients = await repo.reminderRecipients(wave.id, round);
    if (recipients.length === 0) return emptyReport();
    const had = new Map(recipients.map((r) => [r.userId, r.reminded]));
    const invite = await inviteFor(wave, survey);
    const items = recipients.map((r) => ({ userId: r.userId, claimed: false }));
    const closed = new AbortController();
    const report = await paced(items, anyOf(stop, deps.stopping, closed.signal), async (item) => {
      if (!item.claimed) {
        if (!(await repo.claimReminder(wave.id, item.userId, round))) return skippedOrClosed(wave.id, closed);
        item.claimed = true;
      }
      const outcome = await notifier.remind(item.userId, invite);
      if (outcome.kind === 'failed')
        logger.warn(`surveys: a reminder of wave ${wave.id} failed: ${describe(outcome.error)}`);
      return outcome;
    });
    for (const item of report.result.notStarted) {
      if (item.claimed) await repo.unclaimReminder(wave.id, item.userId, round, had.get(item.userId) ?? 0);
    }
    const { result: _r, ...counts } = report;
    return counts;
  }

  /**
   * The sweep's reminders: claims the reminder round that is due (reminders_sent), then sends the current round to
   * whoever has not had it: each person is claimed before their DM, so a round a restart cut off is finished by the
   * next sweep, once each.
   */
  async function remindDue(wave: WaveRow, survey: SurveyConfig, now: Date, signal?: AbortSignal): Promise<void> {
    const due = dueReminder(wave, survey.reminders, wave.remindersSent, now, (after) =>
      reminderTime(wave.opensAt, after, deps.timezone, survey.holidays),
    );
    let round = wave.remindersSent;
    if (due.send && (await repo.claimReminderRound(wave.id, wave.remindersSent, due.sentAfter))) round = due.sentAfter;
    if (round === 0) return;
    const report = await remind(wave, survey, round, signal);
    if (report.sent + report.failed + report.notStarted > 0) {
      logger.info(
        `surveys: reminder ${round} of wave ${wave.id}: ${report.sent} sent, ${report.failed} failed, ${report.notStarted} left for later`,
      );
    }
  }

  /**
   * A claim lost: to another sender (skip this one), or because the wave was closed (the claims refuse a closed
   * wave), and then the rest of the list is not sent either: the loop stops here.
   */
  async function skippedOrClosed(waveId: number, closed: AbortController): Promise<'skipped'> {
    const current = await repo.wave(waveId);
    if (!current || current.closedAt !== null) closed.abort();
    return 'skipped';
  }

  return { deliver, remind, remindDue, inviteFor, pacer };
}

function anyOf(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

function emptyReport(): SendReport {
  return { sent: 0, failed: 0, skipped: 0, rateLimited: 0, notStarted: 0 };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export type Sender = ReturnType<typeof createSender>;
