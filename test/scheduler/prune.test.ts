import { afterEach, describe, expect, it } from 'vitest';
import { DAY } from '../../src/clock.js';
import { jobRunsTable } from '../../src/db/schema.js';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import { pruneJobRuns } from '../../src/scheduler/prune.js';
import { SHARED_BACKENDS, type SharedDatabase } from '../support/shared-db.js';

const NOW = new Date('2026-05-04T03:17:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

/** job_runs pruning (core.prune-events) on both backends: old finished runs go, each job's latest stays. */
for (const backend of SHARED_BACKENDS) {
  describe.skipIf(backend.skip)(`pruneJobRuns on ${backend.dialect}`, () => {
    let shared: SharedDatabase | undefined;
    afterEach(async () => {
      await shared?.dispose();
      shared = undefined;
    });

    it('removes finished runs older than the cut, keeps newer ones, each job’s latest run and running rows', async () => {
      shared = await backend.create();
      const db = await shared.open();
      const t = twin(db, jobRunsTable);
      const run = (job: string, days: number, outcome: 'ok' | 'failed' | 'running' = 'ok') => ({
        job,
        trigger: 'schedule' as const,
        startedAt: ago(days),
        finishedAt: outcome === 'running' ? null : ago(days),
        outcome,
        scheduledFor: ago(days),
        replica: 'replica-a',
      });
      await orm(db)
        .insert(t)
        .values([
          run('every-minute', 40),
          run('every-minute', 31, 'failed'),
          run('every-minute', 29),
          run('every-minute', 1),
          // A monthly job whose only runs are old: its latest stays, so catch-up still knows when it last ran.
          run('monthly', 90),
          run('monthly', 60),
          // Cut off long ago and never closed: the scheduler closes it when it takes the job's lease, not pruning.
          run('stuck', 50, 'running'),
          run('stuck', 45),
        ]);

      expect(await pruneJobRuns(db, ago(30))).toBe(3);

      const left = await orm(db).select({ job: t.job, startedAt: t.startedAt }).from(t).orderBy(t.job, t.startedAt);
      expect(left.map((r) => `${r.job} ${Math.round((NOW.getTime() - r.startedAt.getTime()) / DAY)}d`)).toEqual([
        'every-minute 29d',
        'every-minute 1d',
        'monthly 60d',
        'stuck 50d',
        'stuck 45d',
      ]);
      // Nothing more to remove: a second prune changes nothing.
      expect(await pruneJobRuns(db, ago(30))).toBe(0);
    });
  });
}
