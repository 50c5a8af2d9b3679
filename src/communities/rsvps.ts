import { invalidInput } from '../errors.js';
import { createDeliveries, deliveryKind } from './deliveries.js';
import { answerRsvp, changeCapacity, type RsvpEntry, type RsvpStatus, rsvpOpen } from './model.js';
import type { Occurrences } from './occurrences.js';
import type { CommunitiesServiceDeps, OccurrenceDetails, OccurrenceView } from './ports.js';

/**
 * Going / Not going with a capacity, and the waitlist moving up. Every change to an occurrence's answers reads them
 * and writes them in one transaction (SERIALIZABLE on PostgreSQL, retried when it raced another; one writer at a
 * time on SQLite), so two replicas answering or promoting at the same moment cannot both count a free place: the
 * capacity holds. Promotions are told after the commit. Part of the communities service.
 */
export function createRsvps(
  deps: CommunitiesServiceDeps,
  occurrences: Occurrences,
  open: (key: string) => Promise<OccurrenceView>,
) {
  const { repo, clock, audit, notifier } = deps;
  const deliveries = createDeliveries(deps, occurrences);

  /**
   * "A place opened up": a delivery (deliveries.ts), so a DM Slack refuses is sent again by the per-minute run,
   * once, while the person is still going and the event has not started, moved or been called off.
   */
  async function tellPromoted(userId: string, details: OccurrenceDetails, at: Date): Promise<void> {
    const { key, start } = details.occurrence;
    await deliveries.deliver(key, deliveryKind('promoted', start, userId, at), at, () =>
      notifier.promoted(userId, details),
    );
  }

  const entriesOf = async (key: string): Promise<RsvpEntry[]> =>
    (await repo.rsvps(key)).map((r) => ({ userId: r.userId, status: r.status, at: r.at }));

  return {
    /** Going / Not going. Returns the person's status and the details after the change; promotions are told. */
    async rsvp(
      key: string,
      userId: string,
      going: boolean,
    ): Promise<{ status: RsvpStatus; details: OccurrenceDetails }> {
      const view = await open(key);
      const now = clock.now();
      if (!rsvpOpen(view.occurrence, now)) {
        throw invalidInput(
          view.occurrence.status === 'cancelled'
            ? 'This event was called off, so it takes no answers.'
            : 'This event has started: answers are closed.',
        );
      }
      const capacity = view.series.capacity ?? null;
      const result = await repo.transaction(async () => {
        const answer = answerRsvp(await entriesOf(key), { userId, going, at: now }, capacity);
        for (const change of answer.changes) {
          const entry = answer.entries.find((e) => e.userId === change.userId)!;
          await repo.saveRsvp(key, entry.userId, entry.status, entry.at);
        }
        if (answer.changes.length > 0) {
          await audit.record({
            actor: userId,
            action: 'communities.rsvp',
            target: `occurrence:${key}`,
            inputs: { going },
            detail: answer.changes.map((c) => `${c.userId}: ${c.from ?? 'none'} → ${c.to}`).join('; '),
          });
        }
        return answer;
      });
      const details = await occurrences.details(view);
      const promoted = result.changes.filter((c) => c.userId !== userId && c.to === 'going').map((c) => c.userId);
      for (const person of promoted) await tellPromoted(person, details, now);
      await notifier.homeChanged([userId, ...promoted]);
      return { status: result.status, details };
    },

    /**
     * A capacity raised in the configuration: occurrences not started yet whose waitlist now fits move people up,
     * first come first, and each one promoted is told. The waitlist is read and the promotions written in one
     * transaction, so a place another replica filled meanwhile (an RSVP, its own promotion) is seen, never counted
     * twice; a person is promoted (and told) once.
     */
    async promoteWaitlists(now: Date): Promise<number> {
      let promoted = 0;
      for (const key of await repo.waitlistedKeys()) {
        const view = await occurrences.find(key);
        if (!view || !rsvpOpen(view.occurrence, now)) continue;
        const capacity = view.series.capacity ?? null;
        const moved = await repo.transaction(async () => {
          const { changes } = changeCapacity(await entriesOf(key), capacity, now);
          const done: string[] = [];
          for (const change of changes) if (await repo.promoteRsvp(key, change.userId, now)) done.push(change.userId);
          if (done.length > 0) {
            await audit.record({
              actor: 'system',
              action: 'communities.rsvp',
              target: `occurrence:${key}`,
              detail: `capacity ${capacity ?? 'unlimited'}: ${done.map((u) => `${u}: waitlisted → going`).join('; ')}`,
            });
          }
          return done;
        });
        if (moved.length === 0) continue;
        const details = await occurrences.details(view);
        for (const userId of moved) await tellPromoted(userId, details, now);
        await notifier.homeChanged(moved);
        promoted += moved.length;
      }
      return promoted;
    },
  };
}
