import { and, lt, max, ne, notInArray } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { jobRunsTable } from '../db/schema.js';
import { orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { write } from '../db/write.js';

/**
 * Forgets finished job runs that started before `before`, except each job's latest run, which catch-up after
 * downtime reads (scheduler.ts `lastRun`). Each tick is one row, whichever replica ran it: with every capability
 * configured about 17,600 rows a day (12 every-minute jobs), forever without this. A `running` row is the scheduler's.
 */
export async function pruneJobRuns(db: Database, before: Date): Promise<number> {
  const t = twin(db, jobRunsTable);
  const latest = orm(db)
    .select({ id: max(t.id) })
    .from(t)
    .groupBy(t.job);
  const removed = await write(() =>
    orm(db)
      .delete(t)
      .where(and(lt(t.startedAt, before), ne(t.outcome, 'running'), notInArray(t.id, latest)))
      .returning({ id: t.id }),
  );
  return removed.length;
}
