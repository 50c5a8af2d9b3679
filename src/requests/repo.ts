import { and, asc, desc, eq, inArray, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { preparedRead } from '../db/prepared.js';
import { firstOrNull } from '../db/rows.js';
import { orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { returningOne, writtenRow } from '../db/write.js';
import type { RequestStatus } from './model.js';
import { type NewRequestRow, type RequestRow, requestsTable } from './schema.js';

export type { RequestRow };
export type RequestPatch = Partial<Omit<NewRequestRow, 'id'>>;

/**
 * Drizzle queries for requests; no rules here. A status move, a webhook try and an SLA flag are compare-and-sets:
 * they change the row only while it is as the caller saw it, and say (null or false) when someone got there first.
 */
export interface RequestsRepo {
  insert(row: NewRequestRow): Promise<RequestRow>;
  get(id: number): Promise<RequestRow | null>;
  /**
   * Updates only when the request is still in one of `from` (compare-and-set) and, when `same` is given, still
   * has that message and those outputs; null when it was not.
   */
  transition(
    id: number,
    from: readonly RequestStatus[],
    patch: RequestPatch,
    same?: Pick<RequestRow, 'message' | 'outputs'>,
  ): Promise<RequestRow | null>;
  update(id: number, patch: RequestPatch): Promise<RequestRow | null>;
  /**
   * Starts webhook try `tries + 1`: stores it (with `patch`) only while the request still has `tries` tries and is
   * undelivered, so two sweeps cannot both send it; null when someone else got there first.
   */
  startAttempt(id: number, tries: number, patch: RequestPatch): Promise<RequestRow | null>;
  /** Flags the request's SLA breach, once: null when it was flagged already. */
  flagSla(id: number, at: Date): Promise<RequestRow | null>;
  byRequester(userId: string, limit: number): Promise<RequestRow[]>;
  withStatus(statuses: readonly RequestStatus[]): Promise<RequestRow[]>;
  /** Webhook deliveries whose next try is due. */
  dueDeliveries(now: Date): Promise<RequestRow[]>;
  /** Manual requests still with the platform team, not yet flagged for their SLA. */
  unflaggedManualOpen(): Promise<RequestRow[]>;
  /** Every request, oldest first (stats). */
  list(): Promise<RequestRow[]>;
}

export function createRequestsRepo(db: Database): RequestsRepo {
  const t = twin(db, requestsTable);
  const changed = async (query: PromiseLike<RequestRow[]>) => (await returningOne(query)) ?? null;
  // A person's latest requests: on every Home tab opening.
  const byRequester = preparedRead(db, 'requests.by-requester', (o) =>
    o
      .select()
      .from(t)
      .where(eq(t.requester, sql.placeholder('requester')))
      .orderBy(desc(t.submittedAt), desc(t.id))
      .limit(sql.placeholder('limit')),
  );
  return {
    insert: (row) => writtenRow(orm(db).insert(t).values(row).returning()),
    get: async (id) => firstOrNull(orm(db).select().from(t).where(eq(t.id, id)).limit(1)),
    transition: (id, from, patch, same) =>
      changed(
        orm(db)
          .update(t)
          .set(patch)
          .where(
            and(
              eq(t.id, id),
              inArray(t.status, [...from]),
              same ? (same.message === null ? isNull(t.message) : eq(t.message, same.message)) : undefined,
              same ? (same.outputs === null ? isNull(t.outputs) : eq(t.outputs, same.outputs)) : undefined,
            ),
          )
          .returning(),
      ),
    startAttempt: (id, tries, patch) =>
      changed(
        orm(db)
          .update(t)
          .set({ ...patch, webhookAttempts: tries + 1 })
          .where(and(eq(t.id, id), eq(t.webhookAttempts, tries), isNull(t.deliveredAt)))
          .returning(),
      ),
    flagSla: (id, at) =>
      changed(
        orm(db)
          .update(t)
          .set({ slaFlaggedAt: at })
          .where(and(eq(t.id, id), isNull(t.slaFlaggedAt)))
          .returning(),
      ),
    update: (id, patch) => changed(orm(db).update(t).set(patch).where(eq(t.id, id)).returning()),
    // The Home tab asks on every open: the statement cache keeps it prepared.
    byRequester: (userId, limit) => byRequester({ requester: userId, limit }),
    withStatus: (statuses) =>
      orm(db)
        .select()
        .from(t)
        .where(inArray(t.status, [...statuses]))
        .orderBy(asc(t.submittedAt), asc(t.id)),
    dueDeliveries: (now) =>
      orm(db)
        .select()
        .from(t)
        .where(and(eq(t.mode, 'webhook'), isNull(t.deliveredAt), isNotNull(t.nextAttemptAt), lte(t.nextAttemptAt, now)))
        .orderBy(asc(t.nextAttemptAt), asc(t.id)),
    unflaggedManualOpen: () =>
      orm(db)
        .select()
        .from(t)
        .where(and(eq(t.mode, 'manual'), inArray(t.status, ['queued', 'claimed']), isNull(t.slaFlaggedAt)))
        .orderBy(asc(t.id)),
    list: () => orm(db).select().from(t).orderBy(asc(t.id)),
  };
}
