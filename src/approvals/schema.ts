import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { newNonce } from '../item-ref.js';
import { APPROVAL_DECISIONS, APPROVAL_STATUSES } from './types.js';

/** One approval of one subject (a deploy, a request). Approvers are expanded to user IDs when it is created. */
export const approvalsTable = sqliteTable(
  'approvals',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    requester: text('requester').notNull(),
    required: integer('required').notNull(),
    approvers: text('approvers', { mode: 'json' }).$type<string[]>().notNull(),
    status: text('status', { enum: APPROVAL_STATUSES }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    resolvedAt: integer('resolved_at', { mode: 'timestamp_ms' }),
    cancelledBy: text('cancelled_by'),
    /** The channel that also gets a copy of the card (besides the approvers' DMs), if any. */
    cardChannel: text('card_channel'),
    /**
     * When every card was tried (posted or failed and logged). Null while cards are going out: an approval still
     * null after a crash has cards nobody sent, and the `approvals.resend-cards` sweep sends them.
     */
    cardsSentAt: integer('cards_sent_at', { mode: 'timestamp_ms' }),
    /**
     * Random, set at insert: references to this row in buttons, modals and callback URLs carry it (src/item-ref.ts),
     * so none can point at another row. Null for rows from before it existed.
     */
    nonce: text('nonce').$defaultFn(newNonce),
  },
  (t) => [
    index('approvals_subject_idx').on(t.subjectType, t.subjectId, t.createdAt),
    index('approvals_status_expires_idx').on(t.status, t.expiresAt),
  ],
);

/** Each person's decision; the unique index makes a double click count once even when two requests race. */
export const approvalDecisionsTable = sqliteTable(
  'approval_decisions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    approvalId: integer('approval_id')
      .notNull()
      .references(() => approvalsTable.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    decision: text('decision', { enum: APPROVAL_DECISIONS }).notNull(),
    reason: text('reason'),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('approval_decisions_approval_user_idx').on(t.approvalId, t.userId)],
);

/** Every copy of an approval card that was posted (DMs and channels), so each one is edited on every change. */
export const approvalMessagesTable = sqliteTable(
  'approval_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    approvalId: integer('approval_id')
      .notNull()
      .references(() => approvalsTable.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    ts: text('ts').notNull(),
    /** The approver this DM copy was sent to; null for a channel copy. */
    userId: text('user_id'),
    postedAt: integer('posted_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('approval_messages_approval_idx').on(t.approvalId),
    uniqueIndex('approval_messages_channel_ts_idx').on(t.channel, t.ts),
  ],
);

export type ApprovalRow = typeof approvalsTable.$inferSelect;
export type ApprovalDecisionRow = typeof approvalDecisionsTable.$inferSelect;
export type ApprovalMessageRow = typeof approvalMessagesTable.$inferSelect;
