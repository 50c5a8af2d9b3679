import { and, asc, eq, isNotNull, isNull, lt, lte, or } from 'drizzle-orm';
import type { Core } from '../capability.js';
import type { Database } from '../db/database.js';
import type { HeldLease } from '../db/leases.js';
import { eventInboxTable } from '../db/schema.js';
import { orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { write } from '../db/write.js';
import { parseJson } from '../json.js';
import type { JobDefinition } from '../scheduler/types.js';
import { EVENT_LEASE_TTL_MS, eventIdOf, eventLeaseKey, eventTypeOf, REPEATABLE_EVENT_TYPES } from './dedupe.js';

/**
 * The event inbox (docs/architecture.md, "Events exactly once"). Bolt acknowledges an Events API request before any
 * middleware or listener runs, and Slack never sends an acknowledged event again. So every event is written to
 * event_inbox before the acknowledgement leaves (`recordEvent`, one insert; app.ts calls it ahead of Bolt's
 * processEvent): a request whose insert failed is not acknowledged, and Slack retries it. The row stays unhandled
 * until the event's handling commits its mark (dedupe.ts). The sweep (`core.replay-events`) runs an event that is
 * still unhandled after `afterMs` again through the app, with backoff, and gives up after EVENT_MAX_ATTEMPTS
 * (a poison event: an error log line and an audit entry).
 */

/** Handling starts of one event before the sweep gives up: Slack's delivery and four replays. */
export const EVENT_MAX_ATTEMPTS = 5;

/** GROUNDCREW_EVENT_REPLAY_AFTER's default: an event still unhandled a minute after it arrived is run again. */
export const DEFAULT_EVENT_REPLAY_AFTER_MS = 60_000;

/** Events one sweep replays at most (the rest wait for the next minute). */
export const EVENT_REPLAY_BATCH = 50;

/** The sweep's job. */
export const REPLAY_EVENTS_JOB = 'core.replay-events';

/** Wait after the n-th start before the next: afterMs, then twice as long each time (1, 2, 4, 8 min by default). */
export function replayDelayMs(attempts: number, afterMs: number): number {
  return afterMs * 2 ** Math.max(0, Math.min(attempts, 10) - 1);
}

/** What the inbox keeps of an event, or undefined for a body it does not record (not an event, or repeatable). */
export interface InboxEntry {
  eventId: string;
  type: string;
  teamId: string | null;
}

export function inboxEntryOf(body: unknown): InboxEntry | undefined {
  const b = body as { type?: unknown; team_id?: unknown } | null;
  if (b?.type !== 'event_callback') return undefined;
  const eventId = eventIdOf(body);
  const type = eventTypeOf(body);
  if (!eventId || typeof type !== 'string' || REPEATABLE_EVENT_TYPES.has(type)) return undefined;
  return { eventId, type, teamId: typeof b.team_id === 'string' ? b.team_id : null };
}

/**
 * Records an arriving event, unhandled, due for the sweep at `now + afterMs`. A redelivery of an event already in
 * the inbox changes nothing. Throws (a WriteFailedError for a refused write) when it could not be stored.
 */
export async function recordEvent(
  db: Database,
  entry: InboxEntry,
  body: unknown,
  now: Date,
  afterMs: number,
): Promise<void> {
  const t = twin(db, eventInboxTable);
  await write(() =>
    db.orm
      .insert(t)
      .values({
        eventId: entry.eventId,
        receivedAt: now,
        type: entry.type,
        teamId: entry.teamId,
        body: JSON.stringify(body),
        attempts: 1,
        nextAttemptAt: new Date(now.getTime() + afterMs),
      })
      .onConflictDoNothing(),
  );
}

export interface DueEvent {
  eventId: string;
  type: string;
  body: string | null;
  attempts: number;
}

/** Unhandled events whose next try is due, oldest first. */
export async function dueEvents(db: Database, now: Date, limit: number): Promise<DueEvent[]> {
  const t = twin(db, eventInboxTable);
  return orm(db)
    .select({ eventId: t.eventId, type: t.type, body: t.body, attempts: t.attempts })
    .from(t)
    .where(and(lte(t.nextAttemptAt, now), isNull(t.handledAt), isNull(t.gaveUpAt)))
    .orderBy(asc(t.nextAttemptAt))
    .limit(limit);
}

/** What a sweep writes when it settles an event it read: one more start and its next try, or giving up. */
export type PendingUpdate = { attempts: number; nextAttemptAt: Date } | { gaveUpAt: Date; nextAttemptAt: null };

/**
 * Writes `patch` to `seen` if it is still as the sweep read it (same attempts, neither handled nor given up): one
 * compare-and-set statement; false when it changed since it was read (another sweep, or its handling, got there).
 */
export async function updatePending(db: Database, seen: DueEvent, patch: PendingUpdate): Promise<boolean> {
  const t = twin(db, eventInboxTable);
  const rows = await write(() =>
    orm(db)
      .update(t)
      .set(patch)
      .where(and(eq(t.eventId, seen.eventId), eq(t.attempts, seen.attempts), isNull(t.handledAt), isNull(t.gaveUpAt)))
      .returning({ eventId: t.eventId }),
  );
  return rows.length === 1;
}

/** Deletes handled events received before `handledBefore` and given-up ones received before `gaveUpBefore`. */
export async function pruneEvents(db: Database, handledBefore: Date, gaveUpBefore: Date): Promise<number> {
  const t = twin(db, eventInboxTable);
  const removed = await write(() =>
    orm(db)
      .delete(t)
      .where(
        or(
          and(isNotNull(t.handledAt), lt(t.receivedAt, handledBefore)),
          and(isNotNull(t.gaveUpAt), lt(t.receivedAt, gaveUpBefore)),
        ),
      )
      .returning({ eventId: t.eventId }),
  );
  return removed.length;
}

export interface EventSweepDeps {
  core: Pick<Core, 'db' | 'leases' | 'logger' | 'audit'>;
  /**
   * Runs an event's body through the app again, acknowledged by a no-op: its middleware handles and marks it under
   * `lease` — the event's lease, which the sweep took and hands over (renewed until then) — and `replay` gives the
   * lease back when it is done, whatever happened.
   */
  replay(body: Record<string, unknown>, lease: HeldLease): Promise<void>;
  afterMs: number;
}

/**
 * `core.replay-events`, every minute: each due event whose lease the sweep can take is counted and run again; one
 * that has had EVENT_MAX_ATTEMPTS starts is given up. A handler that is still running (on any replica, however long
 * it takes) renews its event's lease every 10 s, so the sweep cannot take it and leaves the event alone; a replica
 * that died stops renewing, and once its lease expires (30 s) the sweep takes the event over. Taking the lease is the
 * check: one compare-and-set, so no delivery can start the event between the sweep's look and its replay, and the
 * replay runs under the lease the sweep took (handed over, never free in between). Several replicas: the scheduler
 * runs each tick on one; a delivery at the same time (Slack's, or a stalled earlier replay) is kept apart by the
 * lease and the mark.
 */
export function eventSweepJob(deps: EventSweepDeps): JobDefinition {
  const { db, leases, logger, audit } = deps.core;
  const reportGiveUp = async (event: DueEvent) => {
    const why =
      event.attempts >= EVENT_MAX_ATTEMPTS ? `its handling failed ${event.attempts} times` : 'its body is unreadable';
    logger.error(`event ${event.eventId} (${event.type}) given up: ${why}; it will not be handled`);
    await audit.record({
      actor: 'system',
      action: 'events.give-up',
      target: `event:${event.eventId}`,
      inputs: { type: event.type, attempts: event.attempts },
      outcome: 'failed',
      detail: why,
    });
  };
  return {
    name: REPLAY_EVENTS_JOB,
    cron: '* * * * *',
    description: `run Slack events again whose handling failed or was cut off (a crash), with backoff; give up after ${EVENT_MAX_ATTEMPTS} tries`,
    run: async ({ now, signal }) => {
      const due = await dueEvents(db, now, EVENT_REPLAY_BATCH);
      const replays: Promise<void>[] = [];
      for (const event of due) {
        if (signal.aborted) break;
        // Being handled right now (on some replica, its lease renewed while it runs): its handler will mark it, or
        // leave it for a later sweep.
        const lease = await leases.acquire(eventLeaseKey(event.eventId), EVENT_LEASE_TTL_MS);
        if (!lease) continue;
        let handedOver = false;
        try {
          const body = parseJson(event.body ?? undefined);
          if (event.attempts >= EVENT_MAX_ATTEMPTS || typeof body !== 'object' || body === null) {
            if (await updatePending(db, event, { gaveUpAt: now, nextAttemptAt: null })) await reportGiveUp(event);
            continue;
          }
          const nextAttemptAt = new Date(now.getTime() + replayDelayMs(event.attempts + 1, deps.afterMs));
          if (!(await updatePending(db, event, { attempts: event.attempts + 1, nextAttemptAt }))) continue;
          logger.warn(
            `event ${event.eventId} (${event.type}) not handled yet: running it again (try ${event.attempts + 1} of ${EVENT_MAX_ATTEMPTS})`,
          );
          replays.push(deps.replay(body as Record<string, unknown>, lease));
          handedOver = true;
        } finally {
          if (!handedOver) await lease.release();
        }
      }
      await Promise.all(replays);
    },
  };
}
