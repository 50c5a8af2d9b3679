import type { ManualClock } from '../clock.js';
import { missedScheduledRun } from '../scheduler/scheduler.js';
import type { JobRunRow, Scheduler } from '../scheduler/types.js';
import { CHANNELS, dmChannelId, PEOPLE } from './ids.js';

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
  const firstRuns = (await scheduler.list()).filter(
    (job) => !ran.has(job.name) && !job.lastRun && missedScheduledRun(job.cron, from, to, timezone),
  );
  runs.push(...(await Promise.all(firstRuns.map((job) => scheduler.runNow(job.name, 'catch-up')))));
  return runs;
}

/**
 * What a time jump did, in people's terms for the page's toast: the messages it posted and where, or nothing.
 * (Job names are internal; the page's activity log still lists the runs.)
 */
export function jumpSummary(
  ms: number,
  posted: readonly { channel: string; visibleTo?: string | undefined }[],
): string {
  const minutes = Math.round(ms / 60_000);
  const jump =
    minutes % 1440 === 0 ? `${minutes / 1440} d` : minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
  if (posted.length === 0) return `${jump} later: nothing happened.`;
  const where = [...new Set(posted.map((m) => placeName(m.channel)))];
  return `${jump} later: ${posted.length} message${posted.length === 1 ? '' : 's'} posted (${where.join(', ')}).`;
}

function placeName(channel: string): string {
  const named = CHANNELS.find((c) => c.id === channel);
  if (named) return `#${named.name}`;
  const person = PEOPLE.find((p) => dmChannelId(p.id) === channel);
  return person ? `DM to ${person.realName}` : 'a DM';
}
