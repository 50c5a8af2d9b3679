import { eq, isNull } from 'drizzle-orm';
import type { Core } from '../capability.js';
import type { Database } from '../db/database.js';
import type { HeldLease } from '../db/leases.js';
import { eventInboxTable } from '../db/schema.js';
import { inTransaction, orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { write } from '../db/write.js';

/**
 * Events exactly once (docs/architecture.md). Every Events API event is in the event inbox (src/slack/inbox.ts)
 * before Slack is acknowledged: a row in event_inbox with `handled_at` null. It is marked handled only when its
 * handling has finished — by the global middleware after the listeners returned, or earlier by a listener itself
 * with `commitWithEvent`, in the same transaction as its own writes. A handler that throws (or a replica that dies
 * mid-handler) leaves it unhandled, and the inbox sweep runs it again; a handled event is skipped, whoever delivers
 * it (Slack's redelivery, the sweep). While an event is being handled its lease `event:<id>` (src/db/leases.ts) keeps
 * any other delivery from running it at the same time, on this replica or another. Events whose handling may simply
 * run again (REPEATABLE_EVENT_TYPES) skip all of this.
 */

/**
 * How long a handler's claim on its event lasts without renewal (renewed every 10 s while it runs). A replica that
 * dies mid-handler holds the event this long; the inbox sweep (src/slack/inbox.ts) then finds it free.
 */
export const EVENT_LEASE_TTL_MS = 30_000;

export const eventLeaseKey = (eventId: string) => `event:${eventId}`;

/**
 * Event types whose handling may simply run again: handling one twice does what handling it once does.
 * `app_home_opened` rebuilds the Home tab from the database and publishes it; a redelivery publishes the same view
 * again. These skip the inbox, the claim, the check and the mark (four statements, three of them writes, per event: the
 * three without the inbox were about 15% of the CPU an opened Home tab costs, bench/README.md).
 */
export const REPEATABLE_EVENT_TYPES: ReadonlySet<string> = new Set(['app_home_opened']);

export const eventTypeOf = (body: unknown): unknown => (body as { event?: { type?: unknown } } | null)?.event?.type;

export function eventIdOf(body: unknown): string | undefined {
  const eventId = (body as { event_id?: unknown } | null)?.event_id;
  return typeof eventId === 'string' && eventId !== '' ? eventId : undefined;
}

/** true when the event's handling has been committed already. */
export async function eventProcessed(db: Database, eventId: string): Promise<boolean> {
  const t = twin(db, eventInboxTable);
  const rows = await orm(db).select({ handledAt: t.handledAt }).from(t).where(eq(t.eventId, eventId)).limit(1);
  return rows[0]?.handledAt != null;
}

/**
 * Marks the event handled; false when it already was (one statement decides, whichever process asks). Its body is
 * dropped (the row only keeps redeliveries out now) and the sweep no longer looks at it. An event the inbox never
 * recorded (a caller outside the Bolt app) gets its row here. Inside a transaction it commits with that
 * transaction's writes.
 */
export async function markEventProcessed(db: Database, eventId: string, now: Date, body?: unknown): Promise<boolean> {
  const t = twin(db, eventInboxTable);
  const type = eventTypeOf(body);
  const marked = await write(() =>
    orm(db)
      .insert(t)
      .values({ eventId, receivedAt: now, type: typeof type === 'string' ? type : '', attempts: 1, handledAt: now })
      .onConflictDoUpdate({
        target: t.eventId,
        set: { handledAt: now, nextAttemptAt: null, body: null },
        setWhere: isNull(t.handledAt),
      })
      .returning({ eventId: t.eventId }),
  );
  return marked.length > 0;
}

/**
 * Bodies whose event a listener marked handled with `commitWithEvent` (committed): the middleware's `done()` does
 * not write the mark again. Keyed by the body object Bolt hands to the middleware and the listeners alike.
 */
const markedWithEffect = new WeakSet<object>();

export interface Delivery {
  /** The handlers finished: mark the event processed (a no-op if a listener already did with commitWithEvent). */
  done(): Promise<void>;
  /** Always called last: the event is no longer being handled here (its lease is given back). */
  release(): Promise<void>;
}

const NO_EVENT: Delivery = { async done() {}, async release() {} };

/**
 * Called by the global middleware for every request. null: skip it (already processed, or being handled right now
 * on some replica); otherwise run the listeners, then `done()` on success and `release()` in every case.
 */
export async function beginDelivery(
  body: unknown,
  services: Pick<Core, 'db' | 'clock' | 'logger' | 'leases'>,
  retryNum: number | undefined,
  /** The event's lease, already taken (the inbox sweep's replay hands over the one it took): not claimed again. */
  heldLease?: HeldLease,
): Promise<Delivery | null> {
  const eventId = eventIdOf(body);
  if (!eventId || REPEATABLE_EVENT_TYPES.has(eventTypeOf(body) as string)) {
    await heldLease?.release();
    return NO_EVENT;
  }
  const { db } = services;
  const skip = () => {
    services.logger.debug(`event ${eventId} already processed or running (retry ${retryNum ?? 0}); skipped`);
    return null;
  };
  // Claimed before the database is asked whether it was processed: a handler that finishes in between has marked
  // it by the time this claim succeeds, so the check below sees the mark.
  const lease = heldLease ?? (await services.leases.acquire(eventLeaseKey(eventId), EVENT_LEASE_TTL_MS));
  if (!lease) return skip();
  let processed: boolean;
  try {
    processed = await eventProcessed(db, eventId);
  } catch (error) {
    await lease.release();
    throw error;
  }
  if (processed) {
    await lease.release();
    return skip();
  }
  let handled = false;
  return {
    done: async () => {
      // A listener's commitWithEvent committed the mark already (or found it marked): no second write.
      if (!markedWithEffect.has(body as object)) await markEventProcessed(db, eventId, services.clock.now(), body);
      handled = true;
    },
    // Handled: the mark keeps every later delivery out, so the claim is left to expire (one write fewer per event).
    // Not handled (a listener threw): given back at once, for the inbox sweep (or a redelivery).
    release: async () => (handled ? lease.lapse() : lease.release()),
  };
}

/**
 * For an event listener whose effect is a database write (support intake: a ticket from a message): runs `effect`
 * and marks the event processed in one transaction, so both are committed or neither is. Returns
 * `{ applied: false }` without running `effect` when the event was processed already. `effect` makes its writes
 * through repos (they join the transaction) and awaits nothing else: the Slack calls come after it returns.
 */
export async function commitWithEvent<T>(
  db: Database,
  body: unknown,
  now: Date,
  effect: () => Promise<T>,
): Promise<{ applied: true; value: T } | { applied: false }> {
  const eventId = eventIdOf(body);
  // Inside a caller's own transaction the mark is not committed when this returns: done() still marks.
  const ownTransaction = orm(db) === db.orm;
  // No retry loop of its own: on PostgreSQL the transaction is already tried again after a lost race
  // (src/db/postgres.ts); one that still fails throws, the event stays unhandled in the inbox, and the sweep runs
  // it again a minute later (src/slack/inbox.ts).
  const outcome = await write(() =>
    inTransaction(db, async () => {
      if (eventId && !(await markEventProcessed(db, eventId, now, body))) return { applied: false as const };
      return { applied: true as const, value: await effect() };
    }),
  );
  // Committed with the effect, or marked by an earlier run: either way the event is marked handled.
  if (eventId && ownTransaction && typeof body === 'object' && body !== null) markedWithEffect.add(body);
  return outcome;
}
