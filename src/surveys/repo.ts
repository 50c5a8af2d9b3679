import { and, asc, desc, eq, inArray, isNull, lt, ne, notInArray, or, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { firstOrNull, isOneRow } from '../db/rows.js';
import { inTransaction, orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { returningAll, returningOne, uniqueViolation, writtenRow } from '../db/write.js';
import { createMicroPulseRepo } from './micro-repo.js';
import {
  type Delivery,
  type IdentifiedAnswerRow,
  type InvitationRow,
  type NewWaveRow,
  surveyCommentSetsTable,
  surveyIdentifiedAnswersTable,
  surveyInvitationsTable,
  surveyOptOutsTable,
  surveyPutOffStartsTable,
  surveyTalliesTable,
  surveyWavesTable,
  type WaveRow,
} from './schema.js';

export type { IdentifiedAnswerRow, InvitationRow, WaveRow };

/** Rows per insert statement when a wave opens (5,000 invitations go in batches, under SQLite's parameter limit). */
const INSERT_BATCH = 500;
const SCORES = Array.from({ length: 11 }, (_, score) => score);

/**
 * Another wave of the survey was opened meanwhile: the one-open-wave index refused ours, or the wave number (both
 * took the same one; PostgreSQL reports that when the race was not caught as a serialization failure).
 */
function anotherWaveOpened(error: unknown): boolean {
  const key = uniqueViolation(error);
  if (!key) return false;
  if (key.index === 'survey_waves_one_open_idx' || key.index === 'survey_waves_number_idx') return true;
  return key.columns[0] === 'survey_waves.survey_id';
}

/**
 * Drizzle queries for surveys; no rules here. Every claim (a DM, a reminder, a close, the results post) is a
 * compare-and-set that says whether this caller won. Nothing here reads or writes a time an answer was given.
 */
export function createSurveysRepo(db: Database) {
  const waves = twin(db, surveyWavesTable);
  const inv = twin(db, surveyInvitationsTable);
  const tallies = twin(db, surveyTalliesTable);
  const commentSets = twin(db, surveyCommentSetsTable);
  const identified = twin(db, surveyIdentifiedAnswersTable);
  const optOuts = twin(db, surveyOptOutsTable);
  const putOffStarts = twin(db, surveyPutOffStartsTable);
  const one = async <T>(query: PromiseLike<T[]>) => (await returningOne(query)) ?? null;
  /** The wave is still open, checked inside a claim's own statement (a close on another replica wins the race). */
  const waveOpen = (waveId: number) =>
    inArray(
      inv.waveId,
      orm(db)
        .select({ id: waves.id })
        .from(waves)
        .where(and(eq(waves.id, waveId), isNull(waves.closedAt))),
    );

  return {
    transaction: <T>(fn: () => Promise<T>) => inTransaction(db, fn),

    wave: async (id: number): Promise<WaveRow | null> =>
      firstOrNull(orm(db).select().from(waves).where(eq(waves.id, id)).limit(1)),
    latestWave: async (surveyId: string): Promise<WaveRow | null> =>
      firstOrNull(
        orm(db).select().from(waves).where(eq(waves.surveyId, surveyId)).orderBy(desc(waves.number)).limit(1),
      ),
    openWaves: (): Promise<WaveRow[]> =>
      orm(db).select().from(waves).where(isNull(waves.closedAt)).orderBy(asc(waves.id)),
    /** Closed waves of a survey, oldest first (the trend), at most `limit` of the latest. */
    closedWaves: async (surveyId: string, limit: number): Promise<WaveRow[]> =>
      (
        await orm(db)
          .select()
          .from(waves)
          .where(and(eq(waves.surveyId, surveyId), sql`${waves.closedAt} is not null`))
          .orderBy(desc(waves.number))
          .limit(limit)
      ).reverse(),

    /**
     * Opens a wave: the wave, one invitation per person (in user-id order), every tally cell with count 0 (in key
     * order) and an empty comment set, in one transaction. No row is created later by an answer. null, with nothing
     * written, when the survey has an open wave (survey_waves_one_open_idx): another start won the race.
     */
    openWave: (row: Omit<NewWaveRow, 'number' | 'invited'>, userIds: readonly string[]): Promise<WaveRow | null> =>
      inTransaction(db, async () => {
        const latest = (
          await orm(db)
            .select({ number: waves.number })
            .from(waves)
            .where(eq(waves.surveyId, row.surveyId))
            .orderBy(desc(waves.number))
            .limit(1)
        )[0];
        const people = [...new Set(userIds)].sort();
        const wave = await writtenRow(
          orm(db)
            .insert(waves)
            .values({ ...row, number: (latest?.number ?? 0) + 1, invited: people.length })
            .returning(),
        );
        for (let i = 0; i < people.length; i += INSERT_BATCH) {
          const batch = people.slice(i, i + INSERT_BATCH).map((userId) => ({ waveId: wave.id, userId }));
          await orm(db).insert(inv).values(batch);
        }
        const cells = ['', ...[...row.areas].sort()].flatMap((area) =>
          SCORES.map((score) => ({ waveId: wave.id, area, score, count: 0 })),
        );
        await orm(db).insert(tallies).values(cells);
        await orm(db).insert(commentSets).values({ waveId: wave.id, comments: [] });
        return wave;
      }).catch((error: unknown) => {
        if (anotherWaveOpened(error)) return null;
        throw error;
      }),
    /** Claims the one try of a put-off scheduled start (survey, slot): true for the one caller that won. */
    claimPutOffStart: async (surveyId: string, slot: Date): Promise<boolean> =>
      (
        await returningAll(
          orm(db)
            .insert(putOffStarts)
            .values({ surveyId, slot })
            .onConflictDoNothing()
            .returning({ surveyId: putOffStarts.surveyId }),
        )
      ).length === 1,

    // ---------- the DM queue ----------

    /** People whose DM has not been claimed yet, in user-id order. */
    pendingRecipients: async (waveId: number): Promise<string[]> =>
      (
        await orm(db)
          .select({ userId: inv.userId })
          .from(inv)
          .where(and(eq(inv.waveId, waveId), eq(inv.delivery, 'pending')))
          .orderBy(asc(inv.userId))
      ).map((r) => r.userId),
    /** pending → sending, just before the Slack call, while the wave is open: true for the one caller that won. */
    claimDelivery: async (waveId: number, userId: string): Promise<boolean> =>
      isOneRow(
        returningAll(
          orm(db)
            .update(inv)
            .set({ delivery: 'sending' })
            .where(and(eq(inv.waveId, waveId), eq(inv.userId, userId), eq(inv.delivery, 'pending'), waveOpen(waveId)))
            .returning({ userId: inv.userId }),
        ),
      ),
    /** sending → sent | failed (or back to pending when the send never started). */
    settleDelivery: async (
      waveId: number,
      userId: string,
      delivery: Exclude<Delivery, 'sending'>,
      dm: { channel: string; ts: string } | null = null,
    ): Promise<boolean> =>
      isOneRow(
        returningAll(
          orm(db)
            .update(inv)
            .set({ delivery, ...(dm ? { dmChannel: dm.channel, dmTs: dm.ts } : {}) })
            .where(and(eq(inv.waveId, waveId), eq(inv.userId, userId), eq(inv.delivery, 'sending')))
            .returning({ userId: inv.userId }),
        ),
      ),
    deliveryCounts: async (waveId: number): Promise<Record<Delivery, number>> => {
      const rows = await orm(db)
        .select({ delivery: inv.delivery, n: sql<number>`count(*)` })
        .from(inv)
        .where(eq(inv.waveId, waveId))
        .groupBy(inv.delivery);
      const out: Record<Delivery, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
      for (const r of rows) out[r.delivery] = Number(r.n);
      return out;
    },
    invitation: async (waveId: number, userId: string): Promise<InvitationRow | null> =>
      firstOrNull(
        orm(db)
          .select()
          .from(inv)
          .where(and(eq(inv.waveId, waveId), eq(inv.userId, userId)))
          .limit(1),
      ),

    // ---------- reminders ----------

    /** Moves the wave's reminder count from `from` to `to`: true for the one caller that won. */
    claimReminderRound: async (waveId: number, from: number, to: number): Promise<boolean> =>
      isOneRow(
        returningAll(
          orm(db)
            .update(waves)
            .set({ remindersSent: to })
            .where(and(eq(waves.id, waveId), eq(waves.remindersSent, from)))
            .returning({ id: waves.id }),
        ),
      ),
    /** Invited, not answered, not opted out, not yet reminded `round` times (with how many they had); by user id. */
    reminderRecipients: async (waveId: number, round: number): Promise<{ userId: string; reminded: number }[]> =>
      orm(db)
        .select({ userId: inv.userId, reminded: inv.reminded })
        .from(inv)
        .where(
          and(
            eq(inv.waveId, waveId),
            eq(inv.answered, false),
            lt(inv.reminded, round),
            notInArray(inv.userId, orm(db).select({ userId: optOuts.userId }).from(optOuts)),
          ),
        )
        .orderBy(asc(inv.userId)),
    claimReminder: async (waveId: number, userId: string, round: number): Promise<boolean> =>
      isOneRow(
        returningAll(
          orm(db)
            .update(inv)
            .set({ reminded: round })
            .where(
              and(
                eq(inv.waveId, waveId),
                eq(inv.userId, userId),
                lt(inv.reminded, round),
                eq(inv.answered, false),
                waveOpen(waveId),
              ),
            )
            .returning({ userId: inv.userId }),
        ),
      ),

    /** Gives back a reminder claimed and never sent (the process stopped first): `round` → `back`. */
    unclaimReminder: async (waveId: number, userId: string, round: number, back: number): Promise<void> => {
      await orm(db)
        .update(inv)
        .set({ reminded: back })
        .where(and(eq(inv.waveId, waveId), eq(inv.userId, userId), eq(inv.reminded, round)));
    },

    // ---------- answers ----------

    /** answered false → true: false when already answered (or never invited). */
    markAnswered: async (waveId: number, userId: string): Promise<boolean> =>
      isOneRow(
        returningAll(
          orm(db)
            .update(inv)
            .set({ answered: true })
            .where(and(eq(inv.waveId, waveId), eq(inv.userId, userId), eq(inv.answered, false)))
            .returning({ userId: inv.userId }),
        ),
      ),
    /**
     * Adds `add` (0 or 1) to the one cell (area, score) and 0 to every other cell of the wave, in one statement:
     * every cell then carries the same, latest, row version (docs/surveys.md, "survey_tallies").
     */
    bumpTallies: async (waveId: number, area: string, score: number, add: 0 | 1): Promise<void> => {
      await orm(db)
        .update(tallies)
        .set({
          count: sql`${tallies.count} + (case when ${tallies.area} = ${area} and ${tallies.score} = ${score} then ${sql.raw(String(add))} else 0 end)`,
        })
        .where(eq(tallies.waveId, waveId));
    },
    comments: async (waveId: number): Promise<string[]> =>
      (await orm(db).select().from(commentSets).where(eq(commentSets.waveId, waveId)).limit(1))[0]?.comments ?? [],
    writeComments: async (waveId: number, comments: string[]): Promise<void> => {
      await orm(db).update(commentSets).set({ comments }).where(eq(commentSets.waveId, waveId));
    },
    tallies: (waveId: number) =>
      orm(db)
        .select({ area: tallies.area, score: tallies.score, count: tallies.count })
        .from(tallies)
        .where(eq(tallies.waveId, waveId)),
    identifiedAnswer: async (waveId: number, userId: string): Promise<IdentifiedAnswerRow | null> =>
      firstOrNull(
        orm(db)
          .select()
          .from(identified)
          .where(and(eq(identified.waveId, waveId), eq(identified.userId, userId)))
          .limit(1),
      ),
    identifiedAnswers: (waveId: number): Promise<IdentifiedAnswerRow[]> =>
      orm(db).select().from(identified).where(eq(identified.waveId, waveId)).orderBy(asc(identified.userId)),
    saveIdentifiedAnswer: async (row: IdentifiedAnswerRow): Promise<void> => {
      const { waveId: _w, userId: _u, ...rest } = row;
      await orm(db)
        .insert(identified)
        .values(row)
        .onConflictDoUpdate({ target: [identified.waveId, identified.userId], set: rest });
    },

    // ---------- close, results, follow-up ----------

    /** Closes the wave once: the row, or null when it was closed already. */
    closeWave: (id: number, at: Date): Promise<WaveRow | null> =>
      one(
        orm(db)
          .update(waves)
          .set({ closedAt: at })
          .where(and(eq(waves.id, id), isNull(waves.closedAt)))
          .returning(),
      ),
    /** Records where the results were posted, once. */
    setResults: async (id: number, channel: string, ts: string): Promise<boolean> =>
      isOneRow(
        returningAll(
          orm(db)
            .update(waves)
            .set({ resultsChannel: channel, resultsTs: ts, resultsProblem: null })
            .where(and(eq(waves.id, id), isNull(waves.resultsTs)))
            .returning({ id: waves.id }),
        ),
      ),
    /** Records why the results could not be posted: true only when that is news (another cause, or the first). */
    setResultsProblem: async (id: number, problem: string): Promise<boolean> =>
      isOneRow(
        returningAll(
          orm(db)
            .update(waves)
            .set({ resultsProblem: problem })
            .where(
              and(
                eq(waves.id, id),
                isNull(waves.resultsTs),
                or(isNull(waves.resultsProblem), ne(waves.resultsProblem, problem)),
              ),
            )
            .returning({ id: waves.id }),
        ),
      ),
    /** Closed waves whose results are not posted yet (refused, failed, or the poster died in between). */
    unpostedResults: (): Promise<WaveRow[]> =>
      orm(db)
        .select()
        .from(waves)
        .where(and(sql`${waves.closedAt} is not null`, isNull(waves.resultsTs)))
        .orderBy(asc(waves.id)),
    /** The trend chart's Slack file, uploaded with the results (the admins' Home tab shows it). */
    setChartFile: async (id: number, fileId: string): Promise<void> => {
      await orm(db).update(waves).set({ chartFileId: fileId }).where(eq(waves.id, id));
    },
    setFollowUp: (id: number, text: string, at: Date): Promise<WaveRow | null> =>
      one(orm(db).update(waves).set({ followUp: text, followUpAt: at }).where(eq(waves.id, id)).returning()),
    /** The survey's wave number `number`, or null. */
    waveNumber: async (surveyId: string, number: number): Promise<WaveRow | null> =>
      firstOrNull(
        orm(db)
          .select()
          .from(waves)
          .where(and(eq(waves.surveyId, surveyId), eq(waves.number, number)))
          .limit(1),
      ),

    // ---------- micro-pulse (micro-repo.ts) ----------

    ...createMicroPulseRepo(db),

    // ---------- opt-outs and the Home tab ----------

    optOut: async (userId: string): Promise<boolean> =>
      isOneRow(returningAll(orm(db).insert(optOuts).values({ userId }).onConflictDoNothing().returning())),
    optIn: async (userId: string): Promise<boolean> =>
      isOneRow(returningAll(orm(db).delete(optOuts).where(eq(optOuts.userId, userId)).returning())),
    isOptedOut: async (userId: string): Promise<boolean> =>
      isOneRow(orm(db).select().from(optOuts).where(eq(optOuts.userId, userId)).limit(1)),
    optedOutAmong: async (userIds: readonly string[]): Promise<Set<string>> => {
      const found = new Set<string>();
      for (let i = 0; i < userIds.length; i += INSERT_BATCH) {
        const batch = userIds.slice(i, i + INSERT_BATCH);
        const rows = await orm(db).select().from(optOuts).where(inArray(optOuts.userId, batch));
        for (const r of rows) found.add(r.userId);
      }
      return found;
    },
    /** Open waves this person was invited to and has not answered. */
    owedBy: async (userId: string): Promise<WaveRow[]> =>
      (
        await orm(db)
          .select({ wave: waves })
          .from(waves)
          .innerJoin(inv, eq(inv.waveId, waves.id))
          .where(and(isNull(waves.closedAt), eq(inv.userId, userId), eq(inv.answered, false)))
          .orderBy(asc(waves.id))
      ).map((r) => r.wave),
  };
}

export type SurveysRepo = ReturnType<typeof createSurveysRepo>;
