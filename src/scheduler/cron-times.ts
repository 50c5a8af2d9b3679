import { CronExpressionParser } from 'cron-parser';
import { cronProblem } from './cron.js';

/** Cron arithmetic in the team's time zone: node-cron fires the ticks; cron-parser computes the times. */

/** Throws unless node-cron and cron-parser read the expression the same way (see cronProblem in cron.ts). */
export function validateCron(jobName: string, expression: string, timezone: string): void {
  const why = cronProblem(expression, timezone);
  if (why) throw new Error(`Job "${jobName}": invalid cron expression "${expression}": ${why}`);
}

/** The first scheduled time strictly after `after`, in `timezone`. */
export function nextScheduledRun(expression: string, after: Date, timezone: string): Date {
  return CronExpressionParser.parse(expression, { currentDate: after, tz: timezone }).next().toDate();
}

/**
 * The first scheduled time after the last run started, if it is already due (<= now); else null.
 * This is "the latest scheduled time <= now is after the last run" asked forwards: cron-parser's `prev()` drops
 * the shifted tick on a spring-forward day (see the DST tests), `next()` does not, so we only walk forwards.
 */
export function missedScheduledRun(expression: string, lastStartedAt: Date, now: Date, timezone: string): Date | null {
  const next = nextScheduledRun(expression, lastStartedAt, timezone);
  return next.getTime() <= now.getTime() ? next : null;
}

/**
 * The latest scheduled time <= `at`: the time a tick stands for, and the key replicas claim it by (job_runs'
 * unique (job, scheduled_for)). Found walking forwards from two of cron-parser's `prev()` steps back, since `prev()`
 * drops a tick shifted by a spring-forward change and `next()` does not; null when the expression has no earlier time.
 */
export function latestScheduledRun(expression: string, at: Date, timezone: string): Date | null {
  let cursor: Date;
  try {
    const back = CronExpressionParser.parse(expression, { currentDate: new Date(at.getTime() + 1), tz: timezone });
    back.prev();
    cursor = new Date(back.prev().toDate().getTime() - 1);
  } catch {
    return null;
  }
  let latest: Date | null = null;
  for (;;) {
    const next = nextScheduledRun(expression, cursor, timezone);
    if (next.getTime() > at.getTime()) return latest;
    latest = next;
    cursor = next;
  }
}
