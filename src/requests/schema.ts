import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { newNonce } from '../item-ref.js';
import { type FieldValues, FULFILMENT_MODES, REQUEST_STATUSES } from './model.js';

/** One self-service request. Times are epoch milliseconds. */
export const requestsTable = sqliteTable(
  'requests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    typeId: text('type_id').notNull(),
    requester: text('requester').notNull(),
    fields: text('fields', { mode: 'json' }).$type<FieldValues>().notNull(),
    status: text('status', { enum: REQUEST_STATUSES }).notNull(),
    /** `webhook` until a webhook gives up and the request is handed to the platform team (`manual`). */
    mode: text('mode', { enum: FULFILMENT_MODES }).notNull(),
    submittedAt: integer('submitted_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    completedAt: integer('completed_at', { mode: 'timestamp_ms' }),
    approvalId: integer('approval_id'),
    claimedBy: text('claimed_by'),
    /** Who finished or rejected it (a user ID, or `webhook`). */
    resolvedBy: text('resolved_by'),
    /** The latest human-readable status message (webhook message, rejection reason, fallback error). */
    message: text('message'),
    outputs: text('outputs', { mode: 'json' }).$type<Record<string, string>>(),
    /** Webhook delivery: tries made, when to try next (null: nothing pending), the last error. */
    webhookAttempts: integer('webhook_attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }),
    deliveredAt: integer('delivered_at', { mode: 'timestamp_ms' }),
    /**
     * When the try in flight was started (written before its POST, cleared when it is answered): a try still
     * marked here past the webhook timeout was cut off by a crash, and the retry sweep takes it up.
     */
    webhookAttemptStartedAt: integer('webhook_attempt_started_at', { mode: 'timestamp_ms' }),
    lastError: text('last_error'),
    /** The card in the requests channel (manual requests). */
    queueChannel: text('queue_channel'),
    queueTs: text('queue_ts'),
    slaFlaggedAt: integer('sla_flagged_at', { mode: 'timestamp_ms' }),
    /**
     * Random, set at insert: references to this row in buttons, modals and callback URLs carry it (src/item-ref.ts),
     * so none can point at another row. Null for rows from before it existed.
     */
    nonce: text('nonce').$defaultFn(newNonce),
  },
  (t) => [
    index('requests_requester_idx').on(t.requester, t.submittedAt),
    index('requests_status_idx').on(t.status),
    index('requests_next_attempt_idx').on(t.nextAttemptAt),
    index('requests_type_idx').on(t.typeId, t.submittedAt),
  ],
);

export type RequestRow = typeof requestsTable.$inferSelect;
export type NewRequestRow = typeof requestsTable.$inferInsert;
