import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Core tables. Capabilities keep theirs in src/<capability>/schema.ts. Times are stored as epoch milliseconds. */

export const auditLogTable = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    inputs: text('inputs', { mode: 'json' }).$type<Record<string, unknown>>(),
    outcome: text('outcome', { enum: ['ok', 'denied', 'failed'] }).notNull(),
    detail: text('detail'),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_actor_idx').on(t.actor, t.at)],
);

export const jobRunsTable = sqliteTable(
  'job_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    job: text('job').notNull(),
    trigger: text('trigger', { enum: ['schedule', 'catch-up', 'manual'] }).notNull(),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
    finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
    outcome: text('outcome', { enum: ['running', 'ok', 'failed', 'skipped'] }).notNull(),
    error: text('error'),
    /** The cron time a tick or catch-up stands for (null for a manual run): one row, so one run, per time. */
    scheduledFor: integer('scheduled_for', { mode: 'timestamp_ms' }),
    /** The replica that made the run (src/replica.ts); null for runs recorded before replicas were told apart. */
    replica: text('replica'),
  },
  (t) => [
    index('job_runs_job_started_idx').on(t.job, t.startedAt),
    uniqueIndex('job_runs_job_scheduled_idx').on(t.job, t.scheduledFor),
  ],
);

/**
 * The event inbox (src/slack/inbox.ts, docs/architecture.md "Events exactly once"): one row per Events API event,
 * written before Slack gets its acknowledgement. `handled_at` null: not handled yet, and `body` (the event as Slack
 * sent it, JSON) is kept so the sweep can run it again at `next_attempt_at`. Handled or given up: `body` and
 * `next_attempt_at` are cleared and the row only keeps redeliveries out until it is pruned.
 */
export const eventInboxTable = sqliteTable(
  'event_inbox',
  {
    eventId: text('event_id').primaryKey(),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
    type: text('type').notNull(),
    teamId: text('team_id'),
    body: text('body'),
    /** Times its handling was started: 1 by Slack's delivery, one more by each replay of the sweep. */
    attempts: integer('attempts').notNull(),
    /** When the sweep may run it (again); null once handled or given up. */
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }),
    handledAt: integer('handled_at', { mode: 'timestamp_ms' }),
    /** The sweep stopped trying (a poison event): logged as an error and audited. */
    gaveUpAt: integer('gave_up_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('event_inbox_received_idx').on(t.receivedAt),
    index('event_inbox_next_attempt_idx').on(t.nextAttemptAt),
  ],
);

/**
 * Where events were marked processed before the event inbox. Nothing reads or writes it any more; it is kept for one
 * release so that a replica of the previous version that is still running when the migration is applied does not
 * fail on every event (its marks made before then were copied into event_inbox by migration 0021 / pg 0013; the two
 * versions do not share marks after that, hence "stop all replicas" for this upgrade). A later release drops it.
 */
export const processedEventsTable = sqliteTable(
  'processed_events',
  {
    eventId: text('event_id').primaryKey(),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('processed_events_received_idx').on(t.receivedAt)],
);

/** One row, rewritten by the /healthz write probe (client.ts): a database that cannot write is not healthy. */
export const healthProbeTable = sqliteTable('health_probe', {
  id: integer('id').primaryKey(),
  checkedAt: integer('checked_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * Work one replica has claimed for a while (src/db/leases.ts): `key` names the work (`job:<name>`, `event:<id>`),
 * `holder` the replica (src/replica.ts), `expires_at` when another replica may take it over if it is not renewed.
 */
export const leasesTable = sqliteTable(
  'leases',
  {
    key: text('key').primaryKey(),
    holder: text('holder').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('leases_expires_idx').on(t.expiresAt)],
);
