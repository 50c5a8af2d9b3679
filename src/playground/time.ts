import type { ManualClock } from '../clock.js';
import { missedScheduledRun } from '../scheduler/scheduler.js';
import type { JobRunRow, Scheduler } from '../scheduler/types.js';

/**
 * The page's time controls: move the manual clock, then run what fell due, as a process that had been running
 * through that time would have. `runMissed` catches up jobs that ran before; a job that never ran yet (a fresh
 * playground) runs too when one of its scheduled times falls inside the jump.
 */
export async function advanceTime(
  clock: ManualClock,
  scheduler: Scheduler,
  timezone: string,
  ms: number,
): Promise<JobRunRow[]> {
  const from = clock.now();
  const to = clock.advance(ms);
  const runs = await scheduler.runMissed();
  const ran = new Set(runs.map((run) => run.job));
  const firstRuns = scheduler
    .list()
    .filter((job) => !ran.has(job.name) && !job.lastRun && missedScheduledRun(job.cron, from, to, timezone));
  runs.push(...(await Promise.all(firstRuns.map((job) => scheduler.runNow(job.name, 'catch-up')))));
  return runs;
}
