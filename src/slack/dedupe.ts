import { eq, lt, sql } from 'drizzle-orm';
import type { Core } from '../capability.js';
import type { Db } from '../db/client.js';
import { processedEventsTable } from '../db/schema.js';
import { write } from '../db/write-sync.js';

/**
 * Events exactly once (docs/architecture.md). Slack redelivers an event it thinks failed (X-Slack-Retry-Num). An
 * event_id is marked processed in processed_events only when its handling has finished — by the global middleware
 * after the listeners returned, or earlier by a listener itself with `commitWithEvent`, in the same SQLite
 * transaction as its own writes. A handler that throws (or a process that dies mid-handler) leaves no mark, so the
 * redelivery is processed; a marked event is skipped. Rows older than a day are pruned by a job.
 */

// Prepared once per database: this runs for every event (building + preparing cost ~0.5 ms each time, measured).
function prepare(db: Db) {
  return {
    insert: db
      .insert(processedEventsTable)
      .values({ eventId: sql.placeholder('eventId'), receivedAt: sql.placeholder('receivedAt') })
      .onConflictDoNothing()
      .prepare(),
    seen: db
      .select({ eventId: processedEventsTable.eventId })
      .from(processedEventsTable)
      .where(eq(processedEventsTable.eventId, sql.placeholder('eventId')))
      .prepare(),
  };
}
const statements = new WeakMap<Db, ReturnType<typeof prepare>>();
function statementsFor(db: Db) {
  let found = statements.get(db);
  if (!found) {
    found = prepare(db);
    statements.set(db, found);
  }
  return found;
}

/** Event ids whose handling is running in this process: a redelivery meanwhile is skipped, not run twice at once. */
const running = new WeakMap<Db, Set<string>>();

export function eventIdOf(body: unknown): string | undefined {
  const eventId = (body as { event_id?: unknown } | null)?.event_id;
  return typeof eventId === 'string' && eventId !== '' ? eventId : undefined;
}

/** true when the event's handling has been committed already. */
export function eventProcessed(db: Db, eventId: string): boolean {
  return statementsFor(db).seen.get({ eventId }) !== undefined;
}

/** Marks the event processed (idempotent). Inside a transaction it commits with that transaction's writes. */
export function markEventProcessed(db: Db, eventId: string, now: Date): boolean {
  return write(() => statementsFor(db).insert.run({ eventId, receivedAt: now })).changes > 0;
}

export interface Delivery {
  /** The handlers finished: mark the event processed (a no-op if a listener already did with commitWithEvent). */
  done(): void;
  /** Always called last: the event is no longer running here. */
  release(): void;
}

const NO_EVENT: Delivery = { done() {}, release() {} };

/**
 * Called by the global middleware for every request. null: skip it (already processed, or being handled right now);
 * otherwise run the listeners, then `done()` on success and `release()` in every case.
 */
export function beginDelivery(
  body: unknown,
  services: Pick<Core, 'db' | 'clock' | 'logger'>,
  retryNum: number | undefined,
): Delivery | null {
  const eventId = eventIdOf(body);
  if (!eventId) return NO_EVENT;
  const { db } = services;
  let inFlight = running.get(db);
  if (!inFlight) {
    inFlight = new Set();
    running.set(db, inFlight);
  }
  if (inFlight.has(eventId) || eventProcessed(db, eventId)) {
    services.logger.debug(`event ${eventId} already processed or running (retry ${retryNum ?? 0}); skipped`);
    return null;
  }
  inFlight.add(eventId);
  return {
    done: () => {
      markEventProcessed(db, eventId, services.clock.now());
    },
    release: () => {
      inFlight.delete(eventId);
    },
  };
}

/**
 * For an event listener whose effect is a database write (support intake: a ticket from a message): runs `effect`
 * and marks the event processed in one SQLite transaction, so both are committed or neither is. Returns
 * `{ applied: false }` without running `effect` when the event was processed already. `effect` must be synchronous
 * (better-sqlite3): do the writes here, and the Slack calls after it returns.
 */
export function commitWithEvent<T>(
  db: Db,
  body: unknown,
  now: Date,
  effect: () => T,
): { applied: true; value: T } | { applied: false } {
  const eventId = eventIdOf(body);
  if (!eventId) return { applied: true, value: write(() => db.transaction(() => effect(), { behavior: 'immediate' })) };
  return write(() =>
    db.transaction(
      () => {
        if (!markEventProcessed(db, eventId, now)) return { applied: false as const };
        return { applied: true as const, value: effect() };
      },
      { behavior: 'immediate' },
    ),
  );
}

export function pruneProcessedEvents(db: Db, before: Date): number {
  return write(() => db.delete(processedEventsTable).where(lt(processedEventsTable.receivedAt, before)).run()).changes;
}
