import { eq, lt } from 'drizzle-orm';
import type { Core } from '../capability.js';
import type { Database } from '../db/database.js';
import { isSerializationFailure } from '../db/pg-errors.js';
import { processedEventsTable } from '../db/schema.js';
import { inTransaction, orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { write } from '../db/write.js';

/**
 * Events exactly once (docs/architecture.md). Slack redelivers an event it thinks failed (X-Slack-Retry-Num), to
 * whichever replica its load balancer picks. An event_id is marked processed in processed_events only when its
 * handling has finished — by the global middleware after the listeners returned, or earlier by a listener itself
 * with `commitWithEvent`, in the same transaction as its own writes. A handler that throws (or a replica that dies
 * mid-handler) leaves no mark, so the redelivery is processed; a marked event is skipped. While an event is being
 * handled its lease `event:<id>` (src/db/leases.ts) keeps a redelivery from running it at the same time, on this
 * replica or another. Rows older than a day are pruned by a job. Events whose handling may simply run again
 * (REPEATABLE_EVENT_TYPES) skip all of this.
 */

/**
 * How long a handler's claim on its event lasts without renewal (renewed every 10 s while it runs). A replica that
 * dies mid-handler holds the event this long; Slack's later retries (after 1 and 5 minutes) then find it free.
 */
export const EVENT_LEASE_TTL_MS = 30_000;

export const eventLeaseKey = (eventId: string) => `event:${eventId}`;

/**
 * Event types whose handling may simply run again: handling one twice does what handling it once does.
 * `app_home_opened` rebuilds the Home tab from the database and publishes it; a redelivery publishes the same view
 * again. These skip the claim, the check and the mark (three statements, two of them writes, per event: about 15% of
 * the CPU an opened Home tab costs, bench/README.md) and are not recorded in processed_events.
 */
export const REPEATABLE_EVENT_TYPES: ReadonlySet<string> = new Set(['app_home_opened']);

const eventTypeOf = (body: unknown): unknown => (body as { event?: { type?: unknown } } | null)?.event?.type;

export function eventIdOf(body: unknown): string | undefined {
  const eventId = (body as { event_id?: unknown } | null)?.event_id;
  return typeof eventId === 'string' && eventId !== '' ? eventId : undefined;
}

/** true when the event's handling has been committed already. */
export async function eventProcessed(db: Database, eventId: string): Promise<boolean> {
  const t = twin(db, processedEventsTable);
  const rows = await orm(db).select({ eventId: t.eventId }).from(t).where(eq(t.eventId, eventId)).limit(1);
  return rows.length > 0;
}

/**
 * Marks the event processed; false when it already was (the primary key decides, whichever process asks). Inside
 * a transaction it commits with that transaction's writes.
 */
export async function markEventProcessed(db: Database, eventId: string, now: Date): Promise<boolean> {
  const t = twin(db, processedEventsTable);
  const inserted = await write(() =>
    orm(db).insert(t).values({ eventId, receivedAt: now }).onConflictDoNothing().returning({ eventId: t.eventId }),
  );
  return inserted.length > 0;
}

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
): Promise<Delivery | null> {
  const eventId = eventIdOf(body);
  if (!eventId) return NO_EVENT;
  if (REPEATABLE_EVENT_TYPES.has(eventTypeOf(body) as string)) return NO_EVENT;
  const { db } = services;
  const skip = () => {
    services.logger.debug(`event ${eventId} already processed or running (retry ${retryNum ?? 0}); skipped`);
    return null;
  };
  // Claimed before the database is asked whether it was processed: a handler that finishes in between has marked
  // it by the time this claim succeeds, so the check below sees the mark.
  const lease = await services.leases.acquire(eventLeaseKey(eventId), EVENT_LEASE_TTL_MS);
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
      await markEventProcessed(db, eventId, services.clock.now());
      handled = true;
    },
    // Handled: the mark keeps every later delivery out, so the claim is left to expire (one write fewer per event).
    // Not handled (a listener threw): given back at once, for Slack's retry.
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
  const once = () =>
    write(() =>
      inTransaction(db, async () => {
        if (eventId && !(await markEventProcessed(db, eventId, now))) return { applied: false as const };
        return { applied: true as const, value: await effect() };
      }),
    );
  // Inside a caller's transaction: that transaction decides (and is retried as a whole).
  if (orm(db) !== db.orm) return once();
  for (let attempt = 1; ; attempt++) {
    try {
      return await once();
    } catch (error) {
      // PostgreSQL retried the transaction (src/db/postgres.ts) and it still lost its race: many events writing the
      // same table at once. Slack will not redeliver an acknowledged event, so try again a little later, spread out.
      if (attempt >= EVENT_COMMIT_TRIES || !isSerializationFailure(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, eventCommitDelayMs(attempt)));
    }
  }
}

/** How many times commitWithEvent runs its transaction when it keeps losing serialization races. */
export const EVENT_COMMIT_TRIES = 6;

/** Wait before the next try: random, up to 0.5, 1, 2, 4 s (wide, so the events that collided spread out). */
export function eventCommitDelayMs(attempt: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(4000, 250 * 2 ** attempt));
}

export async function pruneProcessedEvents(db: Database, before: Date): Promise<number> {
  const t = twin(db, processedEventsTable);
  const removed = await write(() =>
    orm(db).delete(t).where(lt(t.receivedAt, before)).returning({ eventId: t.eventId }),
  );
  return removed.length;
}
