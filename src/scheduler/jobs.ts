import type { JobContext, JobDefinition } from './types.js';

/** The cron of the sweeps: every minute, each run reading the clock's time (restarts and clock jumps lose nothing). */
export const EVERY_MINUTE = '* * * * *';

/** A job run every minute. */
export function everyMinute(name: string, description: string, run: JobDefinition['run']): JobDefinition {
  return { name, cron: EVERY_MINUTE, description, run };
}

/** A job's run that does `work` and logs `said(count)` only when it did something (a count above zero). */
export function logCount(
  log: (message: string) => void,
  work: (context: JobContext) => Promise<number>,
  said: (count: number) => string,
): JobDefinition['run'] {
  return async (context) => {
    const count = await work(context);
    if (count > 0) log(said(count));
  };
}
