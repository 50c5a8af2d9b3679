import { and, asc, desc, eq, inArray, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { returningOne, writtenRow } from '../db/write-sync.js';
import type { RequestStatus } from './model.js';
import { type NewRequestRow, type RequestRow, requestsTable } from './schema.js';

export type { RequestRow };
export type RequestPatch = Partial<Omit<NewRequestRow, 'id'>>;

/** Drizzle queries for requests; no rules here. */
export interface RequestsRepo {
  insert(row: NewRequestRow): RequestRow;
  get(id: number): RequestRow | null;
  /** Updates only when the request is still in one of `from` (optimistic check); null when it was not. */
  transition(id: number, from: readonly RequestStatus[], patch: RequestPatch): RequestRow | null;
  update(id: number, patch: RequestPatch): RequestRow | null;
  /**
   * Starts webhook try `tries + 1`: stores it (with `patch`) only while the request still has `tries` tries and is
   * undelivered, so two sweeps cannot both send it; null when someone else got there first.
   */
  startAttempt(id: number, tries: number, patch: RequestPatch): RequestRow | null;
  byRequester(userId: string, limit: number): RequestRow[];
  withStatus(statuses: readonly RequestStatus[]): RequestRow[];
  /** Webhook deliveries whose next try is due. */
  dueDeliveries(now: Date): RequestRow[];
  /** Manual requests still with the platform team, not yet flagged for their SLA. */
  unflaggedManualOpen(): RequestRow[];
  all(): RequestRow[];
}

export function createRequestsRepo(db: Db): RequestsRepo {
  const t = requestsTable;
  // Prepared once: the Home tab asks on every open, and building + preparing the query cost more than running it.
  const byRequester = db
    .select()
    .from(t)
    .where(eq(t.requester, sql.placeholder('userId')))
    .orderBy(desc(t.submittedAt), desc(t.id))
    .limit(sql.placeholder('limit'))
    .prepare();
  return {
    insert: (row) => writtenRow(db.insert(t).values(row).returning()),
    get: (id) => db.select().from(t).where(eq(t.id, id)).get() ?? null,
    transition(id, from, patch) {
      return (
        returningOne(
          db
            .update(t)
            .set(patch)
            .where(and(eq(t.id, id), inArray(t.status, [...from])))
            .returning(),
        ) ?? null
      );
    },
    startAttempt: (id, tries, patch) =>
      returningOne(
        db
          .update(t)
          .set({ ...patch, webhookAttempts: tries + 1 })
          .where(and(eq(t.id, id), eq(t.webhookAttempts, tries), isNull(t.deliveredAt)))
          .returning(),
      ) ?? null,
    update: (id, patch) => returningOne(db.update(t).set(patch).where(eq(t.id, id)).returning()) ?? null,
    byRequester: (userId, limit) => byRequester.all({ userId, limit }),
    withStatus: (statuses) =>
      db
        .select()
        .from(t)
        .where(inArray(t.status, [...statuses]))
        .orderBy(asc(t.submittedAt), asc(t.id))
        .all(),
    dueDeliveries: (now) =>
      db
        .select()
        .from(t)
        .where(and(eq(t.mode, 'webhook'), isNull(t.deliveredAt), isNotNull(t.nextAttemptAt), lte(t.nextAttemptAt, now)))
        .orderBy(asc(t.nextAttemptAt))
        .all(),
    unflaggedManualOpen: () =>
      db
        .select()
        .from(t)
        .where(and(eq(t.mode, 'manual'), inArray(t.status, ['queued', 'claimed']), isNull(t.slaFlaggedAt)))
        .all(),
    all: () => db.select().from(t).all(),
  };
}
