import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { inTransaction, orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { returningAll } from '../db/write.js';
import { surveyMicroAsksTable, surveyMicroTalliesTable } from './schema.js';

const MICRO_SCORES = [1, 2, 3, 4, 5];

/**
 * Drizzle queries of the micro-pulse (micro-pulse.ts): who was asked when (the 30-day limit) and the answers as
 * counts per survey and month. Part of the surveys repo (repo.ts spreads it in); no rules here.
 */
export function createMicroPulseRepo(db: Database) {
  const microAsks = twin(db, surveyMicroAsksTable);
  const microTallies = twin(db, surveyMicroTalliesTable);
  return {
    /** When this person was last asked the survey's micro-pulse question (null: never). */
    microAskedAt: async (surveyId: string, userId: string): Promise<Date | null> =>
      (
        await orm(db)
          .select({ askedAt: microAsks.askedAt })
          .from(microAsks)
          .where(and(eq(microAsks.surveyId, surveyId), eq(microAsks.userId, userId)))
          .limit(1)
      )[0]?.askedAt ?? null,
    /**
     * Records an ask unless one was made after `notBefore` (the 30-day limit), and creates the period's five tally
     * cells if they are new, in one transaction: true for the one caller that may send the question.
     */
    claimMicroAsk: (surveyId: string, userId: string, at: Date, period: string, notBefore: Date): Promise<boolean> =>
      inTransaction(db, async () => {
        const last = (
          await orm(db)
            .select({ askedAt: microAsks.askedAt })
            .from(microAsks)
            .where(and(eq(microAsks.surveyId, surveyId), eq(microAsks.userId, userId)))
            .limit(1)
        )[0];
        if (last && last.askedAt.getTime() > notBefore.getTime()) return false;
        await orm(db)
          .insert(microAsks)
          .values({ surveyId, userId, askedAt: at, period, pending: true })
          .onConflictDoUpdate({
            target: [microAsks.surveyId, microAsks.userId],
            set: { askedAt: at, period, pending: true },
          });
        await orm(db)
          .insert(microTallies)
          .values(MICRO_SCORES.map((score) => ({ surveyId, period, score, count: 0 })))
          .onConflictDoNothing();
        return true;
      }),
    /**
     * Counts a 1–5 answer once: clears the person's `pending` flag (compare-and-set) and rewrites all five cells of
     * the period asked in, adding 1 to one of them. False when there was no question waiting for them.
     */
    answerMicro: (surveyId: string, userId: string, score: number): Promise<boolean> =>
      inTransaction(db, async () => {
        const claimed = await returningAll(
          orm(db)
            .update(microAsks)
            .set({ pending: false })
            .where(and(eq(microAsks.surveyId, surveyId), eq(microAsks.userId, userId), eq(microAsks.pending, true)))
            .returning({ period: microAsks.period }),
        );
        const period = claimed[0]?.period;
        if (period === undefined) return false;
        await orm(db)
          .update(microTallies)
          .set({
            count: sql`${microTallies.count} + (case when ${microTallies.score} = ${score} then 1 else 0 end)`,
          })
          .where(and(eq(microTallies.surveyId, surveyId), eq(microTallies.period, period)));
        return true;
      }),
    /** A survey's micro-pulse counts: per period, the count of each score 1–5 (index 0 = score 1), oldest first. */
    microCounts: async (surveyId: string): Promise<{ period: string; counts: number[] }[]> => {
      const rows = await orm(db)
        .select()
        .from(microTallies)
        .where(eq(microTallies.surveyId, surveyId))
        .orderBy(asc(microTallies.period), asc(microTallies.score));
      const byPeriod = new Map<string, number[]>();
      for (const r of rows) {
        const counts = byPeriod.get(r.period) ?? [0, 0, 0, 0, 0];
        if (r.score >= 1 && r.score <= 5) counts[r.score - 1] = Number(r.count);
        byPeriod.set(r.period, counts);
      }
      return [...byPeriod.entries()].map(([period, counts]) => ({ period, counts }));
    },
  };
}
