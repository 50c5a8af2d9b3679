import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { newNonce } from '../item-ref.js';

/** Support tickets and what hangs off them. Times are epoch milliseconds. */

export const TICKET_STATES = ['open', 'responded', 'waiting', 'resolved'] as const;
export const RESOLVERS = ['asker', 'responder'] as const;
export const DELIVERY_STATES = ['pending', 'delivered', 'skipped', 'dropped', 'failed'] as const;

/** One question: a top-level message in a help channel (and the ones merged into it), or a tracked message. */
export const supportTicketsTable = sqliteTable(
  'support_tickets',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    nonce: text('nonce').$defaultFn(newNonce),
    channelId: text('channel_id').notNull(),
    /** The first message: its thread is the ticket's thread. */
    messageTs: text('message_ts').notNull(),
    askerId: text('asker_id').notNull(),
    /** How it came in: a help-channel message, or the message shortcut. */
    source: text('source', { enum: ['channel', 'shortcut'] }).notNull(),
    /** Who tracked it with the shortcut (null for help-channel messages). */
    trackedBy: text('tracked_by'),
    /** The question's text (every merged message); null once the retention purge removed it. */
    text: text('text'),
    priority: text('priority').notNull(),
    state: text('state', { enum: TICKET_STATES }).notNull(),
    tier: integer('tier').notNull().default(1),
    openedAt: integer('opened_at', { mode: 'timestamp_ms' }).notNull(),
    /** The latest top-level message that opened or joined it (the merge window runs from here). */
    lastMessageAt: integer('last_message_at', { mode: 'timestamp_ms' }).notNull(),
    firstResponseAt: integer('first_response_at', { mode: 'timestamp_ms' }),
    firstResponder: text('first_responder'),
    resolvedAt: integer('resolved_at', { mode: 'timestamp_ms' }),
    resolvedBy: text('resolved_by', { enum: RESOLVERS }),
    resolverId: text('resolver_id'),
    /** Waiting-on-asker periods: [{ from, to }] in epoch ms, `to` null while waiting. */
    pauses: text('pauses', { mode: 'json' }).$type<{ from: number; to: number | null }[]>().notNull().default([]),
    /** The tier-1 reply in the thread (null until posted: the sweep posts replies a crash left unsent). */
    replyTs: text('reply_ts'),
    /** When the next escalation step is due; null when nothing can fire (resolved, waiting, all fired). */
    nextCheckAt: integer('next_check_at', { mode: 'timestamp_ms' }),
    csatAskedAt: integer('csat_asked_at', { mode: 'timestamp_ms' }),
    csat: integer('csat'),
    textRemovedAt: integer('text_removed_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    uniqueIndex('support_tickets_message_idx').on(t.channelId, t.messageTs),
    index('support_tickets_next_check_idx').on(t.nextCheckAt),
    index('support_tickets_asker_idx').on(t.askerId, t.openedAt),
    index('support_tickets_state_idx').on(t.state, t.openedAt),
  ],
);

/** Every message that belongs to a ticket: the question(s) and the replies in its thread. */
export const supportMessagesTable = sqliteTable(
  'support_messages',
  {
    channelId: text('channel_id').notNull(),
    ts: text('ts').notNull(),
    ticketId: integer('ticket_id').notNull(),
    kind: text('kind', { enum: ['question', 'reply'] }).notNull(),
    userId: text('user_id').notNull(),
    /** null once removed by the retention purge. */
    text: text('text'),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.ts] }), index('support_messages_ticket_idx').on(t.ticketId)],
);

/** An escalation step claimed for a ticket: the primary key lets exactly one sweep (on any replica) fire it. */
export const supportEscalationsTable = sqliteTable(
  'support_escalations',
  {
    ticketId: integer('ticket_id').notNull(),
    /** `page`, `firstResponse@75%`, `resolution@100%`, … */
    step: text('step').notNull(),
    firedAt: integer('fired_at', { mode: 'timestamp_ms' }).notNull(),
    /** false: due together with a later step of the same clock, recorded without a message. */
    sent: integer('sent', { mode: 'boolean' }).notNull(),
    /**
     * Where its message is: `pending` until every part went out (retried by the next sweeps), `delivered`, `skipped`
     * (not sent: see `sent`), `dropped` (no longer called for when a retry came: resolved, waiting, answered) or
     * `failed` (given up after ESCALATION_ATTEMPTS tries). Rows from before this column read `delivered`.
     */
    delivery: text('delivery', { enum: DELIVERY_STATES }).notNull().default('delivered'),
    /** The parts that went out (`dm:<user>`, `triage`): a retry sends only the others, so none goes out twice. */
    delivered: text('delivered', { mode: 'json' }).$type<string[]>().notNull().default([]),
    /**
     * Tries so far. A try holds the row until `deliveringUntil` (a crashed try is taken over after it); a failed
     * try sets it to when the next may start (the next sweep).
     */
    attempts: integer('attempts').notNull().default(0),
    deliveringUntil: integer('delivering_until', { mode: 'timestamp_ms' }),
    /** Why the last try failed (Slack's error code, or the transport error). */
    lastError: text('last_error'),
  },
  (t) => [
    primaryKey({ columns: [t.ticketId, t.step] }),
    // The sweep's second look-up: messages owed whose try ended (failed, or its replica died).
    index('support_escalations_owed_idx').on(t.delivery, t.deliveringUntil),
  ],
);

/** Question and answer pairs a responder saved with 📖; tier-1 replies cite them. */
export const supportAnswersTable = sqliteTable(
  'support_answers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ticketId: integer('ticket_id').notNull(),
    /** The reply that was saved: one saved answer per reply. */
    answerTs: text('answer_ts').notNull(),
    question: text('question').notNull(),
    answer: text('answer').notNull(),
    /** Link to the thread reply. */
    permalink: text('permalink'),
    savedBy: text('saved_by').notNull(),
    savedAt: integer('saved_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('support_answers_reply_idx').on(t.ticketId, t.answerTs)],
);

export type TicketRow = typeof supportTicketsTable.$inferSelect;
export type NewTicketRow = typeof supportTicketsTable.$inferInsert;
export type SupportMessageRow = typeof supportMessagesTable.$inferSelect;
export type SavedAnswerRow = typeof supportAnswersTable.$inferSelect;
export type EscalationRow = typeof supportEscalationsTable.$inferSelect;
export type NewEscalationRow = typeof supportEscalationsTable.$inferInsert;
