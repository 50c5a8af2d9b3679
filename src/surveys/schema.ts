import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { newNonce } from '../item-ref.js';

/**
 * Survey storage (docs/surveys.md, "What is stored"). For an anonymous survey no table links an answer to a
 * person: answers are counts (`survey_tallies`) and one sorted comment set per wave, rewritten whole by every
 * answer; "who has answered" is a flag on the invitation. No table here has a column that records when an answer
 * was given. Times are epoch milliseconds.
 */

export const DELIVERIES = ['pending', 'sending', 'sent', 'failed'] as const;
export type Delivery = (typeof DELIVERIES)[number];

/** One row per wave; holds no answer. */
export const surveyWavesTable = sqliteTable(
  'survey_waves',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    surveyId: text('survey_id').notNull(),
    number: integer('number').notNull(),
    /** Copied from the config when the wave opens: a config change cannot change how this wave's answers are stored. */
    anonymous: integer('anonymous', { mode: 'boolean' }).notNull(),
    minGroupSize: integer('min_group_size').notNull(),
    /** The area options when it opened: the tally cells exist for these. */
    areas: text('areas', { mode: 'json' }).$type<string[]>().notNull(),
    opensAt: integer('opens_at', { mode: 'timestamp_ms' }).notNull(),
    closesAt: integer('closes_at', { mode: 'timestamp_ms' }).notNull(),
    closedAt: integer('closed_at', { mode: 'timestamp_ms' }),
    invited: integer('invited').notNull().default(0),
    remindersSent: integer('reminders_sent').notNull().default(0),
    /** "You said, we did": what changed because of this wave; opens the next wave's DM. */
    followUp: text('follow_up'),
    /** When the follow-up was saved: the first wave opened after it opens its DMs with it. */
    followUpAt: integer('follow_up_at', { mode: 'timestamp_ms' }),
    resultsChannel: text('results_channel'),
    resultsTs: text('results_ts'),
    /** Why the results could not be posted yet (Slack's error for the results channel), once the admins were told. */
    resultsProblem: text('results_problem'),
    /** The trend chart uploaded with the results (a Slack file id): the admins' Home tab shows it by id. */
    chartFileId: text('chart_file_id'),
    nonce: text('nonce').$defaultFn(newNonce),
  },
  (t) => [
    uniqueIndex('survey_waves_number_idx').on(t.surveyId, t.number),
    index('survey_waves_open_idx').on(t.closedAt),
    // One open wave per survey, whoever raced to open it (two admins, a command and the schedule, two replicas).
    uniqueIndex('survey_waves_one_open_idx').on(t.surveyId).where(sql`closed_at is null`),
  ],
);

/**
 * A scheduled start put off to a working day (docs/surveys.md, "Working days"), tried once: one row per survey and
 * slot, inserted by whichever sweep claims it, on any replica, before the start. No row is ever updated.
 */
export const surveyPutOffStartsTable = sqliteTable(
  'survey_put_off_starts',
  {
    surveyId: text('survey_id').notNull(),
    /** The scheduled time the start stands for. */
    slot: integer('slot', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ name: 'survey_put_off_starts_pk', columns: [t.surveyId, t.slot] })],
);

/** One row per person per wave: the DM queue, and (a flag, nothing more) whether they have answered. */
export const surveyInvitationsTable = sqliteTable(
  'survey_invitations',
  {
    waveId: integer('wave_id')
      .notNull()
      .references(() => surveyWavesTable.id),
    userId: text('user_id').notNull(),
    /** pending → sending (claimed just before the Slack call) → sent | failed. */
    delivery: text('delivery', { enum: DELIVERIES }).notNull().default('pending'),
    dmChannel: text('dm_channel'),
    dmTs: text('dm_ts'),
    /** How many reminders were claimed for this person (a reminder is claimed before it is sent). */
    reminded: integer('reminded').notNull().default(0),
    answered: integer('answered', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [primaryKey({ name: 'survey_invitations_pk', columns: [t.waveId, t.userId] })],
);

/** A wave's anonymous answers, as counts: every cell created at wave open, every answer rewrites all of them. */
export const surveyTalliesTable = sqliteTable(
  'survey_tallies',
  {
    waveId: integer('wave_id')
      .notNull()
      .references(() => surveyWavesTable.id),
    /** One of the wave's areas, or '' for no area chosen. */
    area: text('area').notNull(),
    score: integer('score').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ name: 'survey_tallies_pk', columns: [t.waveId, t.area, t.score] })],
);

/** A wave's anonymous comments: one sorted JSON list, rewritten by every answer. */
export const surveyCommentSetsTable = sqliteTable(
  'survey_comment_sets',
  {
    waveId: integer('wave_id')
      .notNull()
      .references(() => surveyWavesTable.id),
    comments: text('comments', { mode: 'json' }).$type<string[]>().notNull(),
  },
  // A table-level key: a column key on an integer would be a rowid alias here and an identity on PostgreSQL.
  (t) => [primaryKey({ name: 'survey_comment_sets_pk', columns: [t.waveId] })],
);

/** Answers stored with the person: every answer of a non-anonymous survey, and anonymous ones given with consent. */
export const surveyIdentifiedAnswersTable = sqliteTable(
  'survey_identified_answers',
  {
    waveId: integer('wave_id')
      .notNull()
      .references(() => surveyWavesTable.id),
    userId: text('user_id').notNull(),
    score: integer('score').notNull(),
    area: text('area'),
    comment: text('comment'),
    contact: integer('contact', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [primaryKey({ name: 'survey_identified_answers_pk', columns: [t.waveId, t.userId] })],
);

/** People who chose "Stop asking me" (every survey). No timestamp. */
export const surveyOptOutsTable = sqliteTable('survey_opt_outs', {
  userId: text('user_id').primaryKey(),
});

/**
 * Who was asked a micro-pulse question, for the 30-day limit: one row per survey and person, rewritten by each ask.
 * `period` is where their answer is counted; `pending` is true from the ask until they answer (or the next ask).
 * It holds no score: the answer goes to the period's tallies, and clearing `pending` is all it leaves here.
 */
export const surveyMicroAsksTable = sqliteTable(
  'survey_micro_asks',
  {
    surveyId: text('survey_id').notNull(),
    userId: text('user_id').notNull(),
    askedAt: integer('asked_at', { mode: 'timestamp_ms' }).notNull(),
    period: text('period').notNull(),
    pending: integer('pending', { mode: 'boolean' }).notNull(),
  },
  (t) => [primaryKey({ name: 'survey_micro_asks_pk', columns: [t.surveyId, t.userId] })],
);

/** Micro-pulse answers (1–5) as counts per survey and month; all five cells of a period are rewritten by an answer. */
export const surveyMicroTalliesTable = sqliteTable(
  'survey_micro_tallies',
  {
    surveyId: text('survey_id').notNull(),
    /** The month asked in, `2026-05`, in the team timezone. */
    period: text('period').notNull(),
    score: integer('score').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ name: 'survey_micro_tallies_pk', columns: [t.surveyId, t.period, t.score] })],
);

export type WaveRow = typeof surveyWavesTable.$inferSelect;
export type NewWaveRow = typeof surveyWavesTable.$inferInsert;
export type InvitationRow = typeof surveyInvitationsTable.$inferSelect;
export type IdentifiedAnswerRow = typeof surveyIdentifiedAnswersTable.$inferSelect;
