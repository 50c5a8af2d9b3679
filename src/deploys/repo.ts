import { and, desc, eq, gt, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { returningOne, writtenRow } from '../db/write-sync.js';
import { ACTIVE_STATUSES, type DeployStatus } from './model.js';
import {
  type DeployRow,
  deployFreezeAnnouncementsTable,
  deployFreezeSweepsTable,
  deployFreezesTable,
  deployLocksTable,
  deployLockWatchersTable,
  deploysTable,
  type FreezeRow,
  type LockRow,
  type NewDeployRow,
} from './schema.js';

export type DeployPatch = Partial<Omit<NewDeployRow, 'id'>>;

/** Why the database refused a new deploy: its target has one in flight, or the same request already made one. */
export type DeployClash = 'in_flight' | 'request_key';

function clashOf(error: unknown): DeployClash | null {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (!('code' in e) || e.code !== 'SQLITE_CONSTRAINT_UNIQUE') continue;
    if (e.message.includes('deploys.request_key')) return 'request_key';
    if (e.message.includes('deploys.service, deploys.environment')) return 'in_flight';
  }
  return null;
}

/** Drizzle queries for deploys, locks and freezes. No rules here. */
export function createDeploysRepo(db: Db) {
  // Prepared once: the Home tab asks for a person's deploys on every open (see history()).
  const historyOf = db
    .select()
    .from(deploysTable)
    .where(eq(deploysTable.requestedBy, sql.placeholder('requestedBy')))
    .orderBy(desc(deploysTable.requestedAt), desc(deploysTable.id))
    .limit(sql.placeholder('limit'))
    .prepare();
  /** Changes a lock only while it is unreleased; null if it was released meanwhile. */
  const updateOpenLock = (id: number, patch: Partial<LockRow>): LockRow | null =>
    returningOne(
      db
        .update(deployLocksTable)
        .set(patch)
        .where(and(eq(deployLocksTable.id, id), isNull(deployLocksTable.releasedAt)))
        .returning(),
    ) ?? null;
  return {
    /** Inserts a deploy, or says which unique rule refused it (one in flight per target, one per request). */
    insert(values: NewDeployRow): { row: DeployRow } | { clash: DeployClash } {
      try {
        return { row: writtenRow(db.insert(deploysTable).values(values).returning()) };
      } catch (error) {
        const clash = clashOf(error);
        if (clash) return { clash };
        throw error;
      }
    },
    /** Whether another deploy of this executor already follows GitHub run `runId`. */
    runTaken(executor: string, runId: string): boolean {
      return (
        db
          .select({ id: deploysTable.id })
          .from(deploysTable)
          .where(and(eq(deploysTable.executor, executor), eq(deploysTable.runId, runId)))
          .get() !== undefined
      );
    },
    byRequestKey(key: string): DeployRow | null {
      return db.select().from(deploysTable).where(eq(deploysTable.requestKey, key)).get() ?? null;
    },
    get(id: number): DeployRow | null {
      return db.select().from(deploysTable).where(eq(deploysTable.id, id)).get() ?? null;
    },
    byApproval(approvalId: number): DeployRow | null {
      return db.select().from(deploysTable).where(eq(deploysTable.approvalId, approvalId)).get() ?? null;
    },
    /** Updates only when the row is still in `from` (compare-and-set); returns the new row or null. */
    transition(id: number, from: DeployStatus, patch: DeployPatch): DeployRow | null {
      return (
        returningOne(
          db
            .update(deploysTable)
            .set(patch)
            .where(and(eq(deploysTable.id, id), eq(deploysTable.status, from)))
            .returning(),
        ) ?? null
      );
    },
    /**
     * Claims the deploy for one Cancel (compare-and-set on `cancel_claimed_at`); false when another Cancel has it.
     * A claim older than `staleBefore` (its process died mid-cancel) can be taken over.
     */
    claimCancel(id: number, at: Date, staleBefore: Date): boolean {
      const free = or(isNull(deploysTable.cancelClaimedAt), lte(deploysTable.cancelClaimedAt, staleBefore));
      return (
        db
          .update(deploysTable)
          .set({ cancelClaimedAt: at })
          .where(and(eq(deploysTable.id, id), free))
          .run().changes === 1
      );
    },
    /** Gives a Cancel claim back (the cancel did not go through), so the person can try again. */
    releaseCancel(id: number): void {
      db.update(deploysTable).set({ cancelClaimedAt: null }).where(eq(deploysTable.id, id)).run();
    },
    update(id: number, patch: DeployPatch): DeployRow | null {
      return returningOne(db.update(deploysTable).set(patch).where(eq(deploysTable.id, id)).returning()) ?? null;
    },
    active(): DeployRow[] {
      return db
        .select()
        .from(deploysTable)
        .where(inArray(deploysTable.status, [...ACTIVE_STATUSES]))
        .all();
    },
    withStatus(statuses: DeployStatus[]): DeployRow[] {
      return db.select().from(deploysTable).where(inArray(deploysTable.status, statuses)).all();
    },
    /** Running deploys with a run ID whose next poll is due. */
    duePolls(now: Date): DeployRow[] {
      return db
        .select()
        .from(deploysTable)
        .where(
          and(
            eq(deploysTable.status, 'running'),
            isNotNull(deploysTable.runId),
            or(isNull(deploysTable.nextPollAt), lte(deploysTable.nextPollAt, now)),
          ),
        )
        .all();
    },
    /** Newest first, optionally for one service and/or environment. */
    history(filter: { service?: string; environment?: string; requestedBy?: string }, limit: number): DeployRow[] {
      if (filter.requestedBy && !filter.service && !filter.environment) {
        return historyOf.all({ requestedBy: filter.requestedBy, limit });
      }
      const conditions = [
        filter.service ? eq(deploysTable.service, filter.service) : undefined,
        filter.environment ? eq(deploysTable.environment, filter.environment) : undefined,
        filter.requestedBy ? eq(deploysTable.requestedBy, filter.requestedBy) : undefined,
      ].filter((c) => c !== undefined);
      return db
        .select()
        .from(deploysTable)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(desc(deploysTable.requestedAt), desc(deploysTable.id))
        .limit(limit)
        .all();
    },
    since(from: Date): DeployRow[] {
      return db.select().from(deploysTable).where(gt(deploysTable.requestedAt, from)).all();
    },

    // ---------- locks ----------
    activeLocks(now: Date): LockRow[] {
      return db
        .select()
        .from(deployLocksTable)
        .where(and(isNull(deployLocksTable.releasedAt), gt(deployLocksTable.expiresAt, now)))
        .orderBy(deployLocksTable.createdAt)
        .all();
    },
    getLock(id: number): LockRow | null {
      return db.select().from(deployLocksTable).where(eq(deployLocksTable.id, id)).get() ?? null;
    },
    insertLock(values: typeof deployLocksTable.$inferInsert): LockRow {
      return writtenRow(db.insert(deployLocksTable).values(values).returning());
    },
    /** Renews an unreleased lock (new reason and expiry); null if it was released meanwhile. */
    renewLock(id: number, patch: Pick<LockRow, 'reason' | 'expiresAt'>): LockRow | null {
      return updateOpenLock(id, patch);
    },
    releaseLock(id: number, patch: Pick<LockRow, 'releasedAt' | 'releasedBy' | 'releaseKind'>): LockRow | null {
      return updateOpenLock(id, patch);
    },
    /** Unreleased locks whose expiry has passed. */
    expiredLocks(now: Date): LockRow[] {
      return db
        .select()
        .from(deployLocksTable)
        .where(and(isNull(deployLocksTable.releasedAt), lte(deployLocksTable.expiresAt, now)))
        .all();
    },
    addWatcher(lockId: number, userId: string, now: Date): boolean {
      const result = db
        .insert(deployLockWatchersTable)
        .values({ lockId, userId, createdAt: now })
        .onConflictDoNothing()
        .run();
      return result.changes > 0;
    },
    /** Watchers not told yet; marks them told. */
    takeWatchers(lockId: number, now: Date): string[] {
      return db
        .update(deployLockWatchersTable)
        .set({ notifiedAt: now })
        .where(and(eq(deployLockWatchersTable.lockId, lockId), isNull(deployLockWatchersTable.notifiedAt)))
        .returning()
        .all()
        .map((w) => w.userId);
    },

    // ---------- freezes ----------
    adhocFreezes(now: Date): FreezeRow[] {
      return db.select().from(deployFreezesTable).where(gt(deployFreezesTable.until, now)).all();
    },
    insertFreeze(values: typeof deployFreezesTable.$inferInsert): FreezeRow {
      return writtenRow(db.insert(deployFreezesTable).values(values).returning());
    },
    endFreeze(id: number, now: Date, by: string): void {
      db.update(deployFreezesTable).set({ until: now, endedBy: by }).where(eq(deployFreezesTable.id, id)).run();
    },
    getFreeze(id: number): FreezeRow | undefined {
      return db.select().from(deployFreezesTable).where(eq(deployFreezesTable.id, id)).get();
    },
    /** Started freezes whose end has not been announced yet. */
    openAnnouncements(): (typeof deployFreezeAnnouncementsTable.$inferSelect)[] {
      return db
        .select()
        .from(deployFreezeAnnouncementsTable)
        .where(isNull(deployFreezeAnnouncementsTable.endAnnouncedAt))
        .all();
    },
    /** Claims the start announcement of an occurrence; false when it was already claimed. */
    claimStart(values: typeof deployFreezeAnnouncementsTable.$inferInsert): boolean {
      return db.insert(deployFreezeAnnouncementsTable).values(values).onConflictDoNothing().run().changes === 1;
    },
    /** Gives back a start claim whose post failed, so the next sweep announces it again. */
    releaseStart(key: string): void {
      db.delete(deployFreezeAnnouncementsTable).where(eq(deployFreezeAnnouncementsTable.key, key)).run();
    },
    /** Gives back an end claim whose post failed, so the next sweep announces the end again. */
    releaseEnd(key: string): void {
      db.update(deployFreezeAnnouncementsTable)
        .set({ endAnnouncedAt: null })
        .where(eq(deployFreezeAnnouncementsTable.key, key))
        .run();
    },
    /** Claims the end announcement of an occurrence whose start was announced; false when already claimed. */
    claimEnd(key: string, at: Date): boolean {
      return (
        db
          .update(deployFreezeAnnouncementsTable)
          .set({ endAnnouncedAt: at })
          .where(
            and(eq(deployFreezeAnnouncementsTable.key, key), isNull(deployFreezeAnnouncementsTable.endAnnouncedAt)),
          )
          .run().changes === 1
      );
    },
    /**
     * Moves the sweep cursor to `now` and returns where it was (null on the first sweep ever). Synchronous, so
     * two sweeps running at once look at disjoint intervals.
     */
    advanceFreezeSweep(now: Date): Date | null {
      const row = db.select().from(deployFreezeSweepsTable).where(eq(deployFreezeSweepsTable.id, 1)).get();
      if (!row) {
        db.insert(deployFreezeSweepsTable).values({ id: 1, sweptAt: now }).run();
        return null;
      }
      if (now > row.sweptAt) {
        db.update(deployFreezeSweepsTable).set({ sweptAt: now }).where(eq(deployFreezeSweepsTable.id, 1)).run();
      }
      return row.sweptAt;
    },
  };
}

export type DeploysRepo = ReturnType<typeof createDeploysRepo>;
