import { and, desc, eq, gt, inArray, isNotNull, isNull, lte, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { preparedRead } from '../db/prepared.js';
import { firstOrNull, isOneRow } from '../db/rows.js';
import { inTransaction, orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { returningOne, uniqueViolation, write, writtenRow } from '../db/write.js';
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
  const key = uniqueViolation(error);
  if (!key) return null;
  if (key.index === 'deploys_request_key_idx' || key.columns.includes('deploys.request_key')) return 'request_key';
  if (key.index === 'deploys_one_in_flight_idx' || key.columns.includes('deploys.service')) return 'in_flight';
  return null;
}

/**
 * Drizzle queries for deploys, locks and freezes. No rules here. What must happen once (a status move, a cancel
 * claim, an announcement) is a compare-and-set: `update … where <expected state> returning`, or an insert that a
 * unique key refuses; the method says whether this caller won.
 */
export function createDeploysRepo(db: Database) {
  const deploys = twin(db, deploysTable);
  // A person's latest deploys: on every Home tab opening.
  const historyOfRequester = preparedRead(db, 'deploys.history-of-requester', (o) =>
    o
      .select()
      .from(deploys)
      .where(eq(deploys.requestedBy, sql.placeholder('requester')))
      .orderBy(desc(deploys.requestedAt), desc(deploys.id))
      .limit(sql.placeholder('limit')),
  );
  const locks = twin(db, deployLocksTable);
  const watchers = twin(db, deployLockWatchersTable);
  const freezes = twin(db, deployFreezesTable);
  const announcements = twin(db, deployFreezeAnnouncementsTable);
  const sweeps = twin(db, deployFreezeSweepsTable);
  /** Changes a lock only while it is unreleased; null if it was released meanwhile. */
  const updateOpenLock = async (id: number, patch: Partial<LockRow>): Promise<LockRow | null> =>
    (await returningOne(
      orm(db)
        .update(locks)
        .set(patch)
        .where(and(eq(locks.id, id), isNull(locks.releasedAt)))
        .returning(),
    )) ?? null;
  return {
    /** Runs `fn` in one transaction (docs/architecture.md, "Data layer"): its writes are committed, or none. */
    transaction<T>(fn: () => Promise<T>): Promise<T> {
      return inTransaction(db, fn);
    },
    /** Inserts a deploy, or says which unique rule refused it (one in flight per target, one per request). */
    async insert(values: NewDeployRow): Promise<{ row: DeployRow } | { clash: DeployClash }> {
      try {
        return { row: await writtenRow(orm(db).insert(deploys).values(values).returning()) };
      } catch (error) {
        const clash = clashOf(error);
        if (clash) return { clash };
        throw error;
      }
    },
    /** Whether another deploy of this executor already follows GitHub run `runId`. */
    async runTaken(executor: string, runId: string): Promise<boolean> {
      const rows = await orm(db)
        .select({ id: deploys.id })
        .from(deploys)
        .where(and(eq(deploys.executor, executor), eq(deploys.runId, runId)))
        .limit(1);
      return rows.length > 0;
    },
    byRequestKey(key: string): Promise<DeployRow | null> {
      return firstOrNull(orm(db).select().from(deploys).where(eq(deploys.requestKey, key)).limit(1));
    },
    get(id: number): Promise<DeployRow | null> {
      return firstOrNull(orm(db).select().from(deploys).where(eq(deploys.id, id)).limit(1));
    },
    byApproval(approvalId: number): Promise<DeployRow | null> {
      return firstOrNull(orm(db).select().from(deploys).where(eq(deploys.approvalId, approvalId)).limit(1));
    },
    /** Updates only when the row is still in `from` (compare-and-set); returns the new row or null. */
    async transition(id: number, from: DeployStatus, patch: DeployPatch): Promise<DeployRow | null> {
      return (
        (await returningOne(
          orm(db)
            .update(deploys)
            .set(patch)
            .where(and(eq(deploys.id, id), eq(deploys.status, from)))
            .returning(),
        )) ?? null
      );
    },
    /**
     * Stores a progress line in `detail` (and touches `updatedAt`) only when it differs from the one stored
     * (compare-and-set): the deploy as changed, or null when that line was already there.
     */
    async newProgress(id: number, detail: string, at: Date): Promise<DeployRow | null> {
      return (
        (await returningOne(
          orm(db)
            .update(deploys)
            .set({ detail, updatedAt: at })
            .where(and(eq(deploys.id, id), or(isNull(deploys.detail), ne(deploys.detail, detail))))
            .returning(),
        )) ?? null
      );
    },
    /**
     * Claims the deploy for one Cancel (compare-and-set on `cancel_claimed_at`); false when another Cancel has it.
     * A claim older than `staleBefore` (its process died mid-cancel) can be taken over.
     */
    async claimCancel(id: number, at: Date, staleBefore: Date): Promise<boolean> {
      const free = or(isNull(deploys.cancelClaimedAt), lte(deploys.cancelClaimedAt, staleBefore));
      return isOneRow(
        write(() =>
          orm(db)
            .update(deploys)
            .set({ cancelClaimedAt: at })
            .where(and(eq(deploys.id, id), free))
            .returning({ id: deploys.id }),
        ),
      );
    },
    /** Gives a Cancel claim back (the cancel did not go through), so the person can try again. */
    async releaseCancel(id: number): Promise<void> {
      await orm(db).update(deploys).set({ cancelClaimedAt: null }).where(eq(deploys.id, id));
    },
    async update(id: number, patch: DeployPatch): Promise<DeployRow | null> {
      return (await returningOne(orm(db).update(deploys).set(patch).where(eq(deploys.id, id)).returning())) ?? null;
    },
    active(): Promise<DeployRow[]> {
      return orm(db)
        .select()
        .from(deploys)
        .where(inArray(deploys.status, [...ACTIVE_STATUSES]))
        .orderBy(deploys.id);
    },
    withStatus(statuses: DeployStatus[]): Promise<DeployRow[]> {
      return orm(db).select().from(deploys).where(inArray(deploys.status, statuses)).orderBy(deploys.id);
    },
    /** Running deploys with a run ID whose next poll is due. */
    duePolls(now: Date): Promise<DeployRow[]> {
      return orm(db)
        .select()
        .from(deploys)
        .where(
          and(
            eq(deploys.status, 'running'),
            isNotNull(deploys.runId),
            or(isNull(deploys.nextPollAt), lte(deploys.nextPollAt, now)),
          ),
        )
        .orderBy(deploys.id);
    },
    /** Newest first, optionally for one service and/or environment (the Home tab asks on every open). */
    history(
      filter: { service?: string; environment?: string; requestedBy?: string },
      limit: number,
    ): Promise<DeployRow[]> {
      if (filter.requestedBy && !filter.service && !filter.environment) {
        return historyOfRequester({ requester: filter.requestedBy, limit });
      }
      const conditions = [
        filter.service ? eq(deploys.service, filter.service) : undefined,
        filter.environment ? eq(deploys.environment, filter.environment) : undefined,
        filter.requestedBy ? eq(deploys.requestedBy, filter.requestedBy) : undefined,
      ].filter((c) => c !== undefined);
      return orm(db)
        .select()
        .from(deploys)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(desc(deploys.requestedAt), desc(deploys.id))
        .limit(limit);
    },
    since(from: Date): Promise<DeployRow[]> {
      return orm(db).select().from(deploys).where(gt(deploys.requestedAt, from)).orderBy(deploys.id);
    },

    // ---------- locks ----------
    activeLocks(now: Date): Promise<LockRow[]> {
      return orm(db)
        .select()
        .from(locks)
        .where(and(isNull(locks.releasedAt), gt(locks.expiresAt, now)))
        .orderBy(locks.createdAt, locks.id);
    },
    getLock(id: number): Promise<LockRow | null> {
      return firstOrNull(orm(db).select().from(locks).where(eq(locks.id, id)).limit(1));
    },
    insertLock(values: typeof deployLocksTable.$inferInsert): Promise<LockRow> {
      return writtenRow(orm(db).insert(locks).values(values).returning());
    },
    /** Renews an unreleased lock (new reason and expiry); null if it was released meanwhile. */
    renewLock(id: number, patch: Pick<LockRow, 'reason' | 'expiresAt'>): Promise<LockRow | null> {
      return updateOpenLock(id, patch);
    },
    releaseLock(
      id: number,
      patch: Pick<LockRow, 'releasedAt' | 'releasedBy' | 'releaseKind'>,
    ): Promise<LockRow | null> {
      return updateOpenLock(id, patch);
    },
    /** Unreleased locks whose expiry has passed. */
    expiredLocks(now: Date): Promise<LockRow[]> {
      return orm(db)
        .select()
        .from(locks)
        .where(and(isNull(locks.releasedAt), lte(locks.expiresAt, now)))
        .orderBy(locks.id);
    },
    async addWatcher(lockId: number, userId: string, now: Date): Promise<boolean> {
      const added = await orm(db)
        .insert(watchers)
        .values({ lockId, userId, createdAt: now })
        .onConflictDoNothing()
        .returning({ id: watchers.id });
      return added.length > 0;
    },
    /** Watchers not told yet; marks them told (one statement: each watcher is taken by one caller). */
    async takeWatchers(lockId: number, now: Date): Promise<string[]> {
      const taken = await orm(db)
        .update(watchers)
        .set({ notifiedAt: now })
        .where(and(eq(watchers.lockId, lockId), isNull(watchers.notifiedAt)))
        .returning({ userId: watchers.userId, id: watchers.id });
      return taken.sort((a, b) => a.id - b.id).map((w) => w.userId);
    },

    // ---------- freezes ----------
    adhocFreezes(now: Date): Promise<FreezeRow[]> {
      return orm(db).select().from(freezes).where(gt(freezes.until, now)).orderBy(freezes.until, freezes.id);
    },
    insertFreeze(values: typeof deployFreezesTable.$inferInsert): Promise<FreezeRow> {
      return writtenRow(orm(db).insert(freezes).values(values).returning());
    },
    async endFreeze(id: number, now: Date, by: string): Promise<void> {
      await orm(db).update(freezes).set({ until: now, endedBy: by }).where(eq(freezes.id, id));
    },
    async getFreeze(id: number): Promise<FreezeRow | undefined> {
      return (await orm(db).select().from(freezes).where(eq(freezes.id, id)).limit(1))[0];
    },
    /** Started freezes whose end has not been announced yet. */
    openAnnouncements(): Promise<(typeof deployFreezeAnnouncementsTable.$inferSelect)[]> {
      return orm(db)
        .select()
        .from(announcements)
        .where(isNull(announcements.endAnnouncedAt))
        .orderBy(announcements.announcedAt, announcements.key);
    },
    /** Claims the start announcement of an occurrence; false when it was already claimed. */
    async claimStart(values: typeof deployFreezeAnnouncementsTable.$inferInsert): Promise<boolean> {
      return isOneRow(
        write(() =>
          orm(db).insert(announcements).values(values).onConflictDoNothing().returning({ key: announcements.key }),
        ),
      );
    },
    /** Gives back a start claim whose post failed, so the next sweep announces it again. */
    async releaseStart(key: string): Promise<void> {
      await orm(db).delete(announcements).where(eq(announcements.key, key));
    },
    /** Gives back an end claim whose post failed, so the next sweep announces the end again. */
    async releaseEnd(key: string): Promise<void> {
      await orm(db).update(announcements).set({ endAnnouncedAt: null }).where(eq(announcements.key, key));
    },
    /** Claims the end announcement of an occurrence whose start was announced; false when already claimed. */
    async claimEnd(key: string, at: Date): Promise<boolean> {
      return isOneRow(
        write(() =>
          orm(db)
            .update(announcements)
            .set({ endAnnouncedAt: at })
            .where(and(eq(announcements.key, key), isNull(announcements.endAnnouncedAt)))
            .returning({ key: announcements.key }),
        ),
      );
    },
    /**
     * Moves the sweep cursor to `now` and returns where it was (null on the first sweep ever). A compare-and-set
     * on the cursor's old value (retried when another sweep moved it first), so two sweeps running at once look at
     * disjoint intervals, whichever process runs them.
     */
    async advanceFreezeSweep(now: Date): Promise<Date | null> {
      for (;;) {
        const [row] = await orm(db).select().from(sweeps).where(eq(sweeps.id, 1)).limit(1);
        if (!row) {
          const inserted = await write(() =>
            orm(db).insert(sweeps).values({ id: 1, sweptAt: now }).onConflictDoNothing().returning({ id: sweeps.id }),
          );
          if (inserted.length === 1) return null;
          continue;
        }
        if (now <= row.sweptAt) return row.sweptAt;
        const moved = await write(() =>
          orm(db)
            .update(sweeps)
            .set({ sweptAt: now })
            .where(and(eq(sweeps.id, 1), eq(sweeps.sweptAt, row.sweptAt)))
            .returning({ id: sweeps.id }),
        );
        if (moved.length === 1) return row.sweptAt;
      }
    },
  };
}

export type DeploysRepo = ReturnType<typeof createDeploysRepo>;
