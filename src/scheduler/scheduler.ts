import { performance } from 'node:perf_hooks';
import { CronExpressionParser } from 'cron-parser';
import { and, desc, eq } from 'drizzle-orm';
import cron from 'node-cron';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { jobRunsTable } from '../db/schema.js';
import { orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { writtenRow } from '../db/write.js';
import { notFound } from '../errors.js';
import { type Logger, runWithLogContext } from '../logger.js';
import { cronProblem } from './cron.js';
import type { JobDefinition, JobRunRow, JobStatus, JobTrigger, Scheduler } from './types.js';

/** What the scheduler needs from a cron library: start a task that calls `onTick`, and stop it. */
export interface CronTask {
  stop(): void | Promise<void>;
}

export interface CronTaskOptions {
  name: string;
  timezone: string;
  logger: Logger;
}

export type CronFactory = (expression: string, onTick: () => Promise<void>, options: CronTaskOptions) => CronTask;

/**
 * node-cron in the team timezone. No `noOverlap`: the scheduler's own guard handles overlap so a blocked tick is
 * recorded as `skipped` instead of only logged. `stop` destroys the task so node-cron's global registry forgets it.
 */
export const nodeCronFactory: CronFactory = (expression, onTick, { name, timezone, logger }) => {
  const task = cron.schedule(expression, onTick, {
    name,
    timezone,
    logger: {
      info: (message) => logger.info(`node-cron ${name}: ${message}`),
      warn: (message) => logger.warn(`node-cron ${name}: ${message}`),
      error: (message, err) => logger.error(`node-cron ${name}:`, message, ...(err ? [err] : [])),
      debug: (message, err) => logger.debug(`node-cron ${name}:`, message, ...(err ? [err] : [])),
    },
  });
  return { stop: () => task.destroy() };
};

export interface SchedulerDeps {
  db: Database;
  clock: Clock;
  /** IANA zone the cron expressions are read in, e.g. `Europe/Berlin`. */
  timezone: string;
  logger: Logger;
  /** Defaults to node-cron; tests pass a fake so no real timers run. */
  cronFactory?: CronFactory;
  /** Told about every run when it ends (metrics): outcome and wall-clock seconds. */
  onRun?: (job: string, outcome: 'ok' | 'failed' | 'skipped', seconds: number) => void;
}

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

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { db, clock, timezone, logger } = deps;
  const jobRuns = twin(db, jobRunsTable);
  const cronFactory = deps.cronFactory ?? nodeCronFactory;
  assertTimezone(timezone);

  const jobs = new Map<string, JobDefinition>();
  const running = new Map<string, Promise<JobRunRow>>();
  const tasks = new Map<string, CronTask>();
  let started = false;

  const lastRun = async (name: string): Promise<JobRunRow | null> =>
    (
      await orm(db)
        .select()
        .from(jobRuns)
        .where(eq(jobRuns.job, name))
        .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
        .limit(1)
    )[0] ?? null;

  const schedule = (job: JobDefinition) => {
    const onTick = async () => {
      try {
        await runNow(job.name, 'schedule');
      } catch (error) {
        // Only bookkeeping can land here (the job's own errors are recorded); never let it reach node-cron.
        logger.error(`scheduler: could not run ${job.name} on schedule`, error);
      }
    };
    tasks.set(job.name, cronFactory(job.cron, onTick, { name: job.name, timezone, logger }));
  };

  /** Runs the job for an already-inserted `running` row and closes the row with its outcome. */
  async function execute(job: JobDefinition, runId: number, trigger: JobTrigger, startedAt: Date): Promise<JobRunRow> {
    let outcome: 'ok' | 'failed' = 'ok';
    let message: string | null = null;
    const began = performance.now();
    try {
      await runWithLogContext({ kind: 'job', id: job.name, trigger }, () => job.run({ now: startedAt, trigger }));
    } catch (error) {
      outcome = 'failed';
      message = error instanceof Error ? error.message : String(error);
      logger.error(`scheduler: job ${job.name} (${trigger}) failed`, error);
    }
    deps.onRun?.(job.name, outcome, (performance.now() - began) / 1000);
    return writtenRow(
      orm(db)
        .update(jobRuns)
        .set({ finishedAt: clock.now(), outcome, error: message })
        .where(eq(jobRuns.id, runId))
        .returning(),
    );
  }

  async function runNow(name: string, trigger: JobTrigger = 'manual'): Promise<JobRunRow> {
    const job = jobs.get(name);
    if (!job) throw notFound(`There is no scheduled job "${name}".`);
    const startedAt = clock.now();
    if (running.has(name)) {
      logger.info(`scheduler: ${name} (${trigger}) skipped, the previous run is still going`);
      deps.onRun?.(name, 'skipped', 0);
      return writtenRow(
        orm(db)
          .insert(jobRuns)
          .values({ job: name, trigger, startedAt, finishedAt: startedAt, outcome: 'skipped' })
          .returning(),
      );
    }
    // The slot is claimed before anything is awaited (the run's row is written inside it), so a call arriving
    // meanwhile sees it taken and is recorded as skipped.
    const run = (async () => {
      const row = await writtenRow(
        orm(db).insert(jobRuns).values({ job: name, trigger, startedAt, outcome: 'running' }).returning(),
      );
      return execute(job, row.id, trigger, startedAt);
    })();
    running.set(name, run);
    try {
      return await run;
    } finally {
      running.delete(name);
    }
  }

  async function runMissed(): Promise<JobRunRow[]> {
    const now = clock.now();
    const due: JobDefinition[] = [];
    for (const job of jobs.values()) {
      const last = await lastRun(job.name);
      if (!last) continue; // never ran: nothing was missed, the first tick will run it
      const missed = missedScheduledRun(job.cron, last.startedAt, now, timezone);
      if (!missed) continue;
      logger.info(`scheduler: ${job.name} missed its run at ${missed.toISOString()}, catching up`);
      due.push(job);
    }
    return Promise.all(due.map((job) => runNow(job.name, 'catch-up')));
  }

  /** A `running` row nobody in this process is running was cut off by a stop or crash: close it as failed. */
  async function closeInterruptedRuns() {
    for (const name of jobs.keys()) {
      if (running.has(name)) continue;
      const closed = await orm(db)
        .update(jobRuns)
        .set({ outcome: 'failed', finishedAt: clock.now(), error: 'interrupted: the process stopped mid-run' })
        .where(and(eq(jobRuns.job, name), eq(jobRuns.outcome, 'running')))
        .returning({ id: jobRuns.id });
      if (closed.length > 0) logger.warn(`scheduler: marked ${closed.length} interrupted run(s) of ${name} failed`);
    }
  }

  return {
    register(job) {
      if (jobs.has(job.name)) throw new Error(`Job "${job.name}" is already registered`);
      validateCron(job.name, job.cron, timezone);
      jobs.set(job.name, job);
      if (started) schedule(job);
    },
    has: (name) => jobs.has(name),
    async start() {
      if (started) return;
      started = true;
      await closeInterruptedRuns();
      for (const job of jobs.values()) schedule(job);
      await runMissed();
    },
    async stop(timeoutMs = 10_000) {
      started = false;
      await Promise.all([...tasks.values()].map((task) => task.stop()));
      tasks.clear();
      if (running.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const settled = Promise.allSettled([...running.values()]).then(() => 'done' as const);
      const result = await Promise.race([settled, timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        logger.warn(
          `scheduler: stopped after ${timeoutMs}ms with jobs still running: ${[...running.keys()].join(', ')}`,
        );
      }
    },
    runNow,
    runMissed,
    async list(): Promise<JobStatus[]> {
      const now = clock.now();
      const out: JobStatus[] = [];
      for (const job of jobs.values()) {
        out.push({
          name: job.name,
          cron: job.cron,
          description: job.description,
          running: running.has(job.name),
          lastRun: await lastRun(job.name),
          nextRun: nextScheduledRun(job.cron, now, timezone),
        });
      }
      return out;
    },
    running: () => [...running.keys()],
  };
}

function assertTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new Error(`Scheduler: unknown time zone "${timezone}"`);
  }
}
