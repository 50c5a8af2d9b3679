import { DAY, HOUR, MINUTE } from '../clock.js';
import { latestScheduledRun } from '../scheduler/cron-times.js';
import { createDeliveries, deliveryKind } from './deliveries.js';
import { decide } from './model.js';
import type { Occurrences } from './occurrences.js';
import type { AnnouncementKind, CommunitiesServiceDeps, OccurrenceDetails } from './ports.js';
import { type DueAction, dueBetween } from './recurrence.js';
import { FAILED } from './repo.js';

/** How far back a run looks for what fell due: a replica down for less than this catches up. */
export const DUE_LOOKBACK_MS = 2 * DAY;
/** The agenda request may be 30 days before; occurrences this far ahead are expanded to find it. */
const DUE_AHEAD_MS = 31 * DAY;
export const DIGEST_AHEAD_MS = 7 * DAY;
/** A digest whose post failed is tried again by the per-minute run for this long after its scheduled time. */
export const DIGEST_RETRY_MS = 6 * HOUR;

/**
 * A claim is a lease: one that recorded no outcome (posted, failed, skipped) this long after it was taken belongs to
 * a process that died between the claim and the post, and the next run takes it again. Longer than one Web API call
 * can take with the client's own retries (10 tries in about 30 minutes, 30 s each), so a live replica still waiting
 * on Slack is never overtaken and nothing is posted twice.
 */
export const CLAIM_LEASE_MS = 40 * MINUTE;

const staleBefore = (now: Date) => new Date(now.getTime() - CLAIM_LEASE_MS);

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * What the scheduled jobs announce. Each announcement is claimed first with a row unique per occurrence and kind
 * (and the start it is for, so a moved occurrence is announced again at its new time): whichever run, restart or
 * replica inserts it posts, every other finds it taken. Part of the communities service.
 */
export function createAnnouncements(
  deps: CommunitiesServiceDeps,
  occurrences: Occurrences,
  promoteWaitlists: (now: Date) => Promise<number>,
) {
  const { config, repo, notifier, audit, timezone } = deps;
  const deliveries = createDeliveries(deps, occurrences);

  async function claim(subject: string, kind: string, now: Date) {
    return repo.claimAnnouncement(subject, kind, now, staleBefore(now));
  }

  /** Each follower's DM is a delivery; the follow goes only when the DM went out (retried when Slack refuses). */
  async function tellFollowers(details: OccurrenceDetails, now: Date): Promise<void> {
    if (details.series.kind !== 'office-hours') return;
    const { key, start } = details.occurrence;
    for (const userId of await repo.followers(details.series.id)) {
      await deliveries.deliver(key, deliveryKind('next-opened', start, userId), now, () =>
        deliveries.tellFollower(userId, details),
      );
    }
  }

  /**
   * Posts in the channel, then DMs everyone going. A failed channel post gives the claim back (outcome `failed: …`)
   * and throws: the next per-minute run takes it again while it is still due. Each DM is a delivery of its own
   * (deliveries.ts): one Slack refused is tried again by later runs, a bounded number of times.
   */
  async function announce(
    kind: AnnouncementKind,
    details: OccurrenceDetails,
    claimId: number,
    now: Date,
  ): Promise<void> {
    let posted: { channel: string; ts: string };
    try {
      posted = await notifier.announce(kind, details);
    } catch (error) {
      await repo.failAnnouncement(claimId, errorText(error));
      throw error;
    }
    await repo.finishAnnouncement(claimId, { outcome: 'posted', ...posted });
    if (kind !== 'agenda-request') {
      const { key, start } = details.occurrence;
      for (const userId of details.going) {
        await deliveries.deliver(key, deliveryKind(kind, start, userId), now, () =>
          notifier.remind(userId, kind, details),
        );
      }
    }
    if (kind !== 'reminder-soon') await tellFollowers(details, now);
  }

  /** The T-1 day decision: too few going, or an empty agenda → called off (or async). */
  async function decideOn(details: OccurrenceDetails, claimId: number, now: Date): Promise<string> {
    const decision = decide({
      going: details.going.length,
      minAttendees: details.series.minAttendees,
      agendaItems: details.agenda.length,
      ifEmpty: details.series.agenda?.ifEmpty,
    });
    const outcome = decision.kind === 'go' ? 'go' : `${decision.kind}: ${decision.reason}`;
    const { occurrence } = details;
    if (decision.kind === 'async') {
      // Said in the channel first: a failed post gives the claim back and the next minute decides again.
      try {
        await notifier.goingAsync(details);
      } catch (error) {
        await repo.failAnnouncement(claimId, errorText(error));
        throw error;
      }
    }
    if (decision.kind !== 'cancel') {
      await repo.finishAnnouncement(claimId, { outcome });
      return outcome;
    }
    const reason =
      decision.reason === 'too-few'
        ? `only ${decision.going} going, ${decision.needed} needed`
        : 'no agenda items arrived';
    await repo.transaction(async () => {
      await repo.saveOverride({
        occurrenceKey: occurrence.key,
        seriesId: occurrence.seriesId,
        originalStart: occurrence.originalStart,
        kind: 'cancelled',
        start: null,
        reason,
        by: 'groundcrew',
        at: now,
      });
      await audit.record({
        actor: 'system',
        action: 'communities.call-off',
        target: `occurrence:${occurrence.key}`,
        detail: reason,
      });
      // With the call-off, so a crash leaves either both (decided) or neither (the lease runs out, decided again).
      await repo.finishAnnouncement(claimId, { outcome });
    });
    const cancelled = { ...details, occurrence: { ...occurrence, status: 'cancelled' as const, reason } };
    const told = [...details.going, ...details.waitlist];
    // The call-off stands (calendar, Home, feed); its notice and DMs are deliveries, retried when Slack refuses.
    const change = { kind: 'cancelled' as const, by: 'groundcrew', reason, decision };
    const { key, start } = occurrence;
    await deliveries.deliver(key, deliveryKind('call-off', start, null), now, () =>
      notifier.changedNotice(cancelled, change),
    );
    for (const userId of told) {
      await deliveries.deliver(key, deliveryKind('call-off', start, userId), now, () =>
        notifier.changedDm(userId, cancelled, change),
      );
    }
    await notifier.homeChanged(told);
    return outcome;
  }

  /** One due action, if this caller claims it; returns what was done, or null when it was not ours. */
  async function runAction(action: DueAction, due: readonly DueAction[], now: Date): Promise<string | null> {
    // Read again: an earlier action of this run (the decision) may have called it off.
    const view = await occurrences.find(action.key);
    if (!view || view.occurrence.status === 'cancelled' || view.occurrence.start <= now) return null;
    const subjectKind = `${action.kind}@${view.occurrence.start.toISOString()}`;
    const claimed = await claim(action.key, subjectKind, now);
    if (!claimed) return null;
    // Late (after downtime) and the 15-minute reminder is due too: that one is enough.
    if (action.kind === 'reminder-day' && due.some((d) => d.key === action.key && d.kind === 'reminder-soon')) {
      await repo.finishAnnouncement(claimed.id, { outcome: 'skipped: the 15-minute reminder is due too' });
      return 'skipped';
    }
    // A lead moved it after this decision's time (to within a day): it goes ahead, no call-off at once.
    if (action.kind === 'decision') {
      const override = await repo.override(action.key);
      if (override?.kind === 'moved' && override.at > action.at) {
        await repo.finishAnnouncement(claimed.id, { outcome: 'skipped: moved after the decision was due' });
        return 'skipped';
      }
    }
    const details = await occurrences.details(view);
    if (action.kind === 'decision') return decideOn(details, claimed.id, now);
    await announce(action.kind, details, claimed.id, now);
    return 'posted';
  }

  /**
   * The digest for the scheduled time `now` stands for, in each channel: `first` claims each channel's post, `retry`
   * only takes again a post that failed. A failed post gives its claim back and is named in `failed`.
   */
  async function postDigest(now: Date, attempt: 'first' | 'retry'): Promise<{ posted: number; failed: string[] }> {
    const digest = config.digest;
    if (!digest) return { posted: 0, failed: [] };
    const slot = latestScheduledRun(digest.schedule, now, timezone) ?? now;
    const subject = `digest@${slot.toISOString()}`;
    const window = { from: now, to: new Date(now.getTime() + DIGEST_AHEAD_MS) };
    const views = await occurrences.upcoming(window);
    const skipped = await occurrences.skipped(window);
    const channels = digest.channel ? [digest.channel] : [...new Set(config.communities.map((c) => c.channel))];
    let posted = 0;
    const failed: string[] = [];
    for (const channel of channels) {
      const here = (c: { community: { channel: string } }) => digest.channel || c.community.channel === channel;
      const upcoming = await Promise.all(views.filter(here).map((v) => occurrences.details(v)));
      if (upcoming.length === 0 && !skipped.some(here)) continue;
      const claimed =
        attempt === 'first'
          ? await claim(subject, `digest:${channel}`, now)
          : await repo.reclaimFailed(subject, `digest:${channel}`, now, staleBefore(now));
      if (!claimed) continue;
      try {
        const { ts } = await notifier.digest(channel, upcoming, skipped.filter(here));
        await repo.finishAnnouncement(claimed.id, { outcome: 'posted', channel, ts });
        posted++;
      } catch (error) {
        await repo.failAnnouncement(claimed.id, errorText(error));
        failed.push(`digest in ${channel}: ${errorText(error)}`);
      }
    }
    return { posted, failed };
  }

  /** A digest whose post failed is taken again by the per-minute run, for up to DIGEST_RETRY_MS after its time. */
  async function retryDigest(now: Date): Promise<string[]> {
    const digest = config.digest;
    if (!digest) return [];
    const slot = latestScheduledRun(digest.schedule, now, timezone);
    if (!slot || now.getTime() - slot.getTime() > DIGEST_RETRY_MS) return [];
    const failedBefore = (await repo.announcements(`digest@${slot.toISOString()}`)).some(
      (a) => a.outcome?.startsWith(FAILED) || (a.outcome === null && a.claimedAt <= staleBefore(now)),
    );
    if (!failedBefore) return [];
    return (await postDigest(now, 'retry')).failed;
  }

  return {
    /**
     * Announces everything due up to `now` that no run announced yet: agenda requests, T-1 day decisions, the day
     * before and 15-minute reminders. Returns how many it did.
     */
    async runDue(now: Date): Promise<number> {
      const from = new Date(now.getTime() - DUE_LOOKBACK_MS);
      const views = await occurrences.upcoming({ from, to: new Date(now.getTime() + DUE_AHEAD_MS) });
      const due = dueBetween(
        views.map((v) => v.occurrence),
        await occurrences.seriesById(),
        { from, to: new Date(now.getTime() + 1) },
      );
      let done = await promoteWaitlists(now);
      // DMs and notices an earlier run could not send, before this run's first tries (each is tried once a run).
      done += await deliveries.retry(now, staleBefore(now));
      const failed: string[] = [];
      for (const action of due) {
        try {
          if ((await runAction(action, due, now)) !== null) done++;
        } catch (error) {
          failed.push(`${action.kind} of ${action.key}: ${errorText(error)}`);
        }
      }
      failed.push(...(await retryDigest(now)));
      if (failed.length > 0) {
        throw new Error(`${failed.length} announcement(s) failed, retried next minute: ${failed.join('; ')}`);
      }
      return done;
    },

    /**
     * The digest of the next 7 days for the scheduled time `now` stands for: one post per channel (the digest's
     * channel, else each community's own), each claimed, so a second run for the same time posts nothing.
     */
    async digest(now: Date): Promise<number> {
      const { posted, failed } = await postDigest(now, 'first');
      if (failed.length > 0) throw new Error(`digest failed, retried next minute: ${failed.join('; ')}`);
      return posted;
    },
  };
}
