import { and, desc, eq, gt, inArray, isNotNull, isNull, lte, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ACTIVE_STATUSES, type DeployStatus } from './model.js';
import {
  type DeployRow,
  deployFreezeAnnouncementsTable,
  deployFreezesTable,
  deployLocksTable,
  deployLockWatchersTable,
  deploysTable,
  type FreezeRow,
  type LockRow,
  type NewDeployRow,
} from './schema.js';

export type DeployPatch = Partial<Omit<NewDeployRow, 'id'>>;

/** Drizzle queries for deploys, locks and freezes. No rules here. */
export function createDeploysRepo(db: Db) {
  return {
    insert(values: NewDeployRow): DeployRow {
      return db.insert(deploysTable).values(values).returning().get();
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
        db
          .update(deploysTable)
          .set(patch)
          .where(and(eq(deploysTable.id, id), eq(deploysTable.status, from)))
          .returning()
          .get() ?? null
      );
    },
    update(id: number, patch: DeployPatch): DeployRow | null {
      return db.update(deploysTable).set(patch).where(eq(deploysTable.id, id)).returning().get() ?? null;
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
      return db.insert(deployLocksTable).values(values).returning().get();
    },
    /** Renews an unreleased lock (new reason and expiry); null if it was released meanwhile. */
    renewLock(id: number, patch: Pick<LockRow, 'reason' | 'expiresAt'>): LockRow | null {
      return (
        db
          .update(deployLocksTable)
          .set(patch)
          .where(and(eq(deployLocksTable.id, id), isNull(deployLocksTable.releasedAt)))
          .returning()
          .get() ?? null
      );
    },
    releaseLock(id: number, patch: Pick<LockRow, 'releasedAt' | 'releasedBy' | 'releaseKind'>): LockRow | null {
      return (
        db
          .update(deployLocksTable)
          .set(patch)
          .where(and(eq(deployLocksTable.id, id), isNull(deployLocksTable.releasedAt)))
          .returning()
          .get() ?? null
      );
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
      return db.insert(deployFreezesTable).values(values).returning().get();
    },
    endFreeze(id: number, now: Date, by: string): void {
      db.update(deployFreezesTable).set({ until: now, endedBy: by }).where(eq(deployFreezesTable.id, id)).run();
    },
    announced(): (typeof deployFreezeAnnouncementsTable.$inferSelect)[] {
      return db.select().from(deployFreezeAnnouncementsTable).all();
    },
    markAnnounced(values: typeof deployFreezeAnnouncementsTable.$inferInsert): void {
      db.insert(deployFreezeAnnouncementsTable).values(values).onConflictDoNothing().run();
    },
    forgetAnnounced(key: string): void {
      db.delete(deployFreezeAnnouncementsTable).where(eq(deployFreezeAnnouncementsTable.key, key)).run();
    },
  };
}

export type DeploysRepo = ReturnType<typeof createDeploysRepo>;
