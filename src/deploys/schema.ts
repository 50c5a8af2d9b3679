import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { newNonce } from '../item-ref.js';
import { ACTIVE_STATUSES, DEPLOY_STATUSES } from './model.js';

/** One deploy request and everything that happened to it (the status message is rebuilt from this row). */
export const deploysTable = sqliteTable(
  'deploys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    ref: text('ref').notNull(),
    reason: text('reason'),
    requestedBy: text('requested_by').notNull(),
    status: text('status', { enum: DEPLOY_STATUSES }).notNull(),
    /** The executor's name in config at request time. */
    executor: text('executor').notNull(),
    /** Set when the deploy went through a freeze (break glass). */
    breakGlassReason: text('break_glass_reason'),
    /** The deploy this one rolls back. */
    rollbackOf: integer('rollback_of'),
    requestedAt: integer('requested_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }),
    finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
    /** Who ended it by hand (cancel), or rejected it. */
    finishedBy: text('finished_by'),
    approvalId: integer('approval_id'),
    approvedBy: text('approved_by', { mode: 'json' }).$type<string[]>(),
    /** GitHub workflow run ID (github-actions executor). */
    runId: text('run_id'),
    /** Link people can open (GitHub run page, or the webhook system's URL). */
    runUrl: text('run_url'),
    nextPollAt: integer('next_poll_at', { mode: 'timestamp_ms' }),
    pollAttempts: integer('poll_attempts').notNull().default(0),
    pollErrors: integer('poll_errors').notNull().default(0),
    /** The latest explanation: failure reason, rejection reason, executor message. */
    detail: text('detail'),
    channel: text('channel'),
    messageTs: text('message_ts'),
    /**
     * What asked for it, e.g. `command:<trigger_id>`: a replay of the same signed request finds this deploy instead
     * of making another (unique).
     */
    requestKey: text('request_key'),
    /** When the dispatch to the executor was claimed (status `starting`): runs created after it may be this deploy's. */
    dispatchStartedAt: integer('dispatch_started_at', { mode: 'timestamp_ms' }),
    /** When someone's Cancel claimed this deploy (compare-and-set): a second click does not ask the executor again. */
    cancelClaimedAt: integer('cancel_claimed_at', { mode: 'timestamp_ms' }),
    /**
     * Random, set at insert: references to this row in buttons, modals and callback URLs carry it (src/item-ref.ts),
     * so none can point at another row. Null for rows from before it existed.
     */
    nonce: text('nonce').$defaultFn(newNonce),
  },
  (t) => [
    index('deploys_service_env_idx').on(t.service, t.environment, t.requestedAt),
    index('deploys_status_idx').on(t.status),
    index('deploys_requested_by_idx').on(t.requestedBy, t.requestedAt),
    index('deploys_approval_idx').on(t.approvalId),
    uniqueIndex('deploys_request_key_idx').on(t.requestKey),
    // One deploy in flight per service and environment, whatever raced to insert it.
    uniqueIndex('deploys_one_in_flight_idx')
      .on(t.service, t.environment)
      .where(sql.raw(`status in (${ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ')})`)),
  ],
);

/** `/platform lock`: a whole environment (service null) or one service in it. Released rows are kept. */
export const deployLocksTable = sqliteTable(
  'deploy_locks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    environment: text('environment').notNull(),
    service: text('service'),
    holder: text('holder').notNull(),
    reason: text('reason').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    releasedAt: integer('released_at', { mode: 'timestamp_ms' }),
    releasedBy: text('released_by'),
    releaseKind: text('release_kind', { enum: ['unlocked', 'expired', 'broken'] }),
    /** Carried by "Notify me when free" buttons (src/item-ref.ts); null for locks from before it. */
    nonce: text('nonce').$defaultFn(newNonce),
  },
  (t) => [index('deploy_locks_env_idx').on(t.environment, t.releasedAt)],
);

/** "Notify me when free" subscriptions on a lock. */
export const deployLockWatchersTable = sqliteTable(
  'deploy_lock_watchers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    lockId: integer('lock_id').notNull(),
    userId: text('user_id').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    notifiedAt: integer('notified_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('deploy_lock_watchers_lock_user_idx').on(t.lockId, t.userId)],
);

/** `/platform freeze`: ad-hoc freezes (configured windows live in groundcrew.yml). */
export const deployFreezesTable = sqliteTable(
  'deploy_freezes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** An environment name or `all`. */
    environment: text('environment').notNull(),
    reason: text('reason').notNull(),
    startsAt: integer('starts_at', { mode: 'timestamp_ms' }).notNull(),
    until: integer('until', { mode: 'timestamp_ms' }).notNull(),
    createdBy: text('created_by').notNull(),
    endedBy: text('ended_by'),
  },
  (t) => [index('deploy_freezes_until_idx').on(t.until)],
);

/**
 * Freeze occurrences whose start has been announced (`announcedAt`) and, once over, whose end has been
 * (`endAnnouncedAt`; null while not yet). Rows stay, so each start and each end is announced exactly once.
 */
export const deployFreezeAnnouncementsTable = sqliteTable('deploy_freeze_announcements', {
  key: text('key').primaryKey(),
  reason: text('reason').notNull(),
  environments: text('environments', { mode: 'json' }).$type<string[] | 'all'>().notNull(),
  until: integer('until', { mode: 'timestamp_ms' }).notNull(),
  announcedAt: integer('announced_at', { mode: 'timestamp_ms' }).notNull(),
  endAnnouncedAt: integer('end_announced_at', { mode: 'timestamp_ms' }),
});

/** How far freeze announcements have looked (one row): occurrences between two sweeps are not missed. */
export const deployFreezeSweepsTable = sqliteTable('deploy_freeze_sweeps', {
  id: integer('id').primaryKey(),
  sweptAt: integer('swept_at', { mode: 'timestamp_ms' }).notNull(),
});

export type DeployRow = typeof deploysTable.$inferSelect;
export type NewDeployRow = typeof deploysTable.$inferInsert;
export type LockRow = typeof deployLocksTable.$inferSelect;
export type FreezeRow = typeof deployFreezesTable.$inferSelect;
