import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * What communities keep. Communities and series come from groundcrew.yml; an occurrence is named by its key
 * (`series@original start`, see recurrence.ts), so only what people did to occurrences is stored here. Times are
 * epoch milliseconds.
 */

export const OVERRIDE_KINDS = ['cancelled', 'moved'] as const;
export const RSVP_STATUSES = ['going', 'waitlisted', 'not-going'] as const;

/** A lead cancelled or moved one occurrence (like RECURRENCE-ID): one row per occurrence, the latest wins. */
export const communityOverridesTable = sqliteTable(
  'community_overrides',
  {
    occurrenceKey: text('occurrence_key').primaryKey(),
    seriesId: text('series_id').notNull(),
    originalStart: integer('original_start', { mode: 'timestamp_ms' }).notNull(),
    kind: text('kind', { enum: OVERRIDE_KINDS }).notNull(),
    /** The new start of a moved occurrence. */
    start: integer('start', { mode: 'timestamp_ms' }),
    reason: text('reason'),
    /** A user ID, or `groundcrew` for the T-1 day decision. */
    by: text('by').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('community_overrides_series_idx').on(t.seriesId)],
);

/** One person's answer for one occurrence; the waitlist is in `at` order (then `id`). */
export const communityRsvpsTable = sqliteTable(
  'community_rsvps',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    occurrenceKey: text('occurrence_key').notNull(),
    userId: text('user_id').notNull(),
    status: text('status', { enum: RSVP_STATUSES }).notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('community_rsvps_person_idx').on(t.occurrenceKey, t.userId),
    index('community_rsvps_user_idx').on(t.userId, t.status),
  ],
);

/** Agenda items people added to an occurrence, in the order they came. */
export const communityAgendaItemsTable = sqliteTable(
  'community_agenda_items',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    occurrenceKey: text('occurrence_key').notNull(),
    userId: text('user_id').notNull(),
    text: text('text').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('community_agenda_items_occurrence_idx').on(t.occurrenceKey, t.at)],
);

/** The office-hours queue: one place per person per occurrence, first signed up, first seen. */
export const communitySignupsTable = sqliteTable(
  'community_signups',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    occurrenceKey: text('occurrence_key').notNull(),
    userId: text('user_id').notNull(),
    topic: text('topic').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('community_signups_person_idx').on(t.occurrenceKey, t.userId)],
);

/**
 * Everything announced once: a reminder, the agenda request, the T-1 day decision or a digest. The row is the claim
 * (unique per occurrence and kind), inserted before the post, so a restart or another replica never posts it again;
 * `channel`/`ts` say where it landed (an agenda request's thread, an announcement to update).
 */
export const communityAnnouncementsTable = sqliteTable(
  'community_announcements',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** An occurrence key, or `digest@<scheduled time>`. */
    subject: text('subject').notNull(),
    kind: text('kind').notNull(),
    claimedAt: integer('claimed_at', { mode: 'timestamp_ms' }).notNull(),
    /** What was decided or done (`posted`, `skipped: …`, `cancel: too-few`). */
    outcome: text('outcome'),
    channel: text('channel'),
    ts: text('ts'),
    /** Failed tries of a DM or notice (`dm:…`, `notice:…` kinds): retried until the bound, then given up. */
    tries: integer('tries').notNull().default(0),
  },
  (t) => [
    uniqueIndex('community_announcements_once_idx').on(t.subject, t.kind),
    // A reply in a thread finds the agenda request it answers by where that post landed.
    index('community_announcements_post_idx').on(t.channel, t.ts),
  ],
);

/** "Tell me when the next one opens": people waiting for a series' next occurrence to open. */
export const communityFollowersTable = sqliteTable(
  'community_followers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    seriesId: text('series_id').notNull(),
    userId: text('user_id').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('community_followers_person_idx').on(t.seriesId, t.userId)],
);

/**
 * One-off events a lead added with `/platform event add`: a series without a rule, named `event.<id>` (a configured
 * series id cannot hold a dot), so its occurrence is announced, reminded, answered and in the feed like any other.
 */
export const communityEventsTable = sqliteTable(
  'community_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    community: text('community').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    /** Wall clock in `timezone`: `2026-12-03 11:00`. */
    start: text('start').notNull(),
    timezone: text('timezone').notNull(),
    /** Milliseconds. */
    duration: integer('duration').notNull(),
    location: text('location'),
    link: text('link'),
    capacity: integer('capacity'),
    /** Called off at T-1 day when fewer are going (as a series' `minAttendees`). */
    minAttendees: integer('min_attendees'),
    /** Agenda items asked for in a thread this many days before (as a series' `agenda.daysBefore`). */
    agendaDaysBefore: integer('agenda_days_before'),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('community_events_community_idx').on(t.community)],
);

/** Who was there: people who clicked "I'm here" from 15 minutes before the start to the end; once per person. */
export const communityAttendanceTable = sqliteTable(
  'community_attendance',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    occurrenceKey: text('occurrence_key').notNull(),
    userId: text('user_id').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('community_attendance_person_idx').on(t.occurrenceKey, t.userId)],
);

export type EventRow = typeof communityEventsTable.$inferSelect;
export type OverrideRow = typeof communityOverridesTable.$inferSelect;
export type RsvpRow = typeof communityRsvpsTable.$inferSelect;
export type AgendaItemRow = typeof communityAgendaItemsTable.$inferSelect;
export type SignupRow = typeof communitySignupsTable.$inferSelect;
export type AnnouncementRow = typeof communityAnnouncementsTable.$inferSelect;
