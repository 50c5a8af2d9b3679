import type { Occurrences } from './occurrences.js';
import type { CommunitiesServiceDeps, OccurrenceChange, OccurrenceDetails } from './ports.js';
import { type AnnouncementRow, FAILED } from './repo.js';

/** Tries of one DM or notice, the first included, before it is given up (audited and logged). */
export const MAX_TRIES = 5;

/**
 * What a delivery sends: a reminder's DM, the T-1 day call-off's channel notice and DMs, the DM to someone moved up
 * from the waitlist (`promoted`), and the DM to someone who asked to hear when the next office hours open
 * (`next-opened`; the follow is dropped only once that DM went out).
 */
export type DeliveryWhat = 'reminder-day' | 'reminder-soon' | 'call-off' | 'promoted' | 'next-opened';

/**
 * The claim row's kind: `dm:<user>:<what>@<start>` for a DM, `notice:<what>@<start>` for a channel notice. The
 * start is in it, so a moved occurrence's reminders are new deliveries. A promotion also carries when it happened
 * (`dm:<user>:promoted@<start>@<when>`): someone who drops and is moved up again later is told again.
 */
export function deliveryKind(what: DeliveryWhat, start: Date, userId: string | null, when?: Date): string {
  const at = `${what}@${start.toISOString()}${when ? `@${when.toISOString()}` : ''}`;
  return userId ? `dm:${userId}:${at}` : `notice:${at}`;
}

const KIND = /^(?:dm:([A-Z0-9]+):|notice:)(reminder-day|reminder-soon|call-off|promoted|next-opened)@([^@]+)(?:@.+)?$/;

export function parseDeliveryKind(kind: string): { what: DeliveryWhat; start: string; userId: string | null } | null {
  const match = KIND.exec(kind);
  if (!match) return null;
  return { userId: match[1] ?? null, what: match[2] as DeliveryWhat, start: match[3]! };
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * DMs and notices sent at least once, then once: each is a claim row (unique per occurrence, kind and person),
 * marked `posted` when Slack took it. One Slack refused (an error, a 429 the client gave up on, a 5xx, a dropped
 * connection) is marked `failed: …` and taken again by a later per-minute run, one run at a time, until it went
 * out or MAX_TRIES were made or it is no longer worth sending (the event started, was moved or called off); then it
 * is given up, with an audit entry (`communities.delivery-gave-up`) and a log line. Part of the communities service.
 */
export function createDeliveries(deps: CommunitiesServiceDeps, occurrences: Occurrences) {
  const { repo, notifier, audit, logger } = deps;

  async function giveUp(row: AnnouncementRow, tries: number, why: string): Promise<void> {
    await repo.finishAnnouncement(row.id, { outcome: `gave up after ${tries} tries: ${why}`.slice(0, 500), tries });
    await audit.record({
      actor: 'system',
      action: 'communities.delivery-gave-up',
      target: `occurrence:${row.subject}`,
      outcome: 'failed',
      detail: `${row.kind}: ${why}`.slice(0, 500),
    });
    logger.warn(`communities: gave up ${row.kind} for ${row.subject} after ${tries} tries: ${why}`);
  }

  /** The "next one opens" DM; the follow is dropped only once Slack took it, so a refused DM loses nothing. */
  async function tellFollower(userId: string, details: OccurrenceDetails): Promise<void> {
    await notifier.nextOpened(userId, details);
    await repo.unfollow(details.series.id, userId);
  }

  async function attempt(row: AnnouncementRow, send: () => Promise<void>): Promise<boolean> {
    try {
      await send();
    } catch (error) {
      const tries = row.tries + 1;
      if (tries >= MAX_TRIES) await giveUp(row, tries, errorText(error));
      else await repo.finishAnnouncement(row.id, { outcome: `${FAILED}${errorText(error)}`.slice(0, 500), tries });
      return false;
    }
    await repo.finishAnnouncement(row.id, { outcome: 'posted', tries: row.tries + 1 });
    return true;
  }

  /** What to send again for a failed row, or why it is not worth sending any more. */
  async function resend(row: AnnouncementRow, now: Date): Promise<(() => Promise<void>) | string> {
    const parsed = parseDeliveryKind(row.kind);
    if (!parsed) return 'not a delivery';
    const view = await occurrences.find(row.subject);
    if (!view || view.occurrence.start <= now) return 'the event started or is gone';
    if (view.occurrence.start.toISOString() !== parsed.start) return 'the event was moved';
    const details: OccurrenceDetails = await occurrences.details(view);
    const { userId, what } = parsed;
    if (what === 'call-off') {
      if (view.occurrence.status !== 'cancelled') return 'the event is no longer called off';
      const change: OccurrenceChange = { kind: 'cancelled', by: 'groundcrew', reason: view.occurrence.reason };
      return userId ? () => notifier.changedDm(userId, details, change) : () => notifier.changedNotice(details, change);
    }
    if (view.occurrence.status === 'cancelled') return 'the event was called off';
    if (!userId) return 'not a delivery';
    if (what === 'promoted') {
      if (!details.going.includes(userId)) return 'no longer going';
      return () => notifier.promoted(userId, details);
    }
    if (what === 'next-opened') {
      if (!(await repo.follows(view.series.id, userId))) return 'no longer following';
      return () => tellFollower(userId, details);
    }
    return () => notifier.remind(userId, what, details);
  }

  return {
    tellFollower,

    /** The first try of one DM or notice: claimed once (a second run finds the row), then sent. */
    async deliver(subject: string, kind: string, now: Date, send: () => Promise<void>): Promise<boolean> {
      const row = await repo.claimAnnouncement(subject, kind, now);
      return row ? attempt(row, send) : false;
    },

    /**
     * Takes again every DM and notice whose last try failed (or whose claim's lease ran out, see announcements.ts):
     * each one by one run, each retried once per run. Returns how many went out.
     */
    async retry(now: Date, staleBefore: Date): Promise<number> {
      let sent = 0;
      for (const failed of await repo.failedDeliveries(staleBefore)) {
        const row = await repo.reclaimFailed(failed.subject, failed.kind, now, staleBefore);
        if (!row) continue;
        const send = await resend(row, now);
        if (typeof send === 'string') await giveUp(row, row.tries, send);
        else if (await attempt(row, send)) sent++;
      }
      return sent;
    },
  };
}
