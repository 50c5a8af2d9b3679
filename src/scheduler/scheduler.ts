import { performance } from 'node:perf_hooks';
import { and, desc, eq, lte, ne } from 'drizzle-orm';
import cron from 'node-cron';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { createLeases, isLive, type Leases } from '../db/leases.js';
import { jobRunsTable } from '../db/schema.js';
import { orm } from '../db/scope.js';
import { twin } from '../db/twin.js';
import { returningOne, writtenRow } from '../db/write.js';
import { notFound } from '../errors.js';
import { type Logger, runWithLogContext } from '../logger.js';
import { replicaId } from '../replica.js';
import { latestScheduledRun, missedScheduledRun, nextScheduledRun, validateCron } from './cron-times.js';
import type { JobDefinition, JobRunRow, JobStatus, JobTrigger, Scheduler } from './types.js';

export { latestScheduledRun, missedScheduledRun, nextScheduledRun, validateCron };

/** What the scheduler needs from a cron library: start a task that calls `onTick`, and stop it. */
export interface CronTask {
  stop(): void | Promise<void>;
}

export interface CronTaskOptions {
  name: string;
  timezone: string;
  logger: Logger;
}

/** `slot`: the scheduled time the library fired for, when it says; else the tick stands for the clock's time. */
export type CronFactory = (
  expression: string,
  onTick: (slot?: Date) => Promise<void>,
  options: CronTaskOptions,
) => CronTask;

/**
 * node-cron in the team timezone. No `noOverlap`: the scheduler's own guard handles overlap so a blocked tick is
 * recorded as `skipped` instead of only logged. `stop` destroys the task so node-cron's global registry forgets it.
 */
export const nodeCronFactory: CronFactory = (expression, onTick, { name, timezone, logger }) => {
  const task = cron.schedule(expression, (context) => onTick(context.date), {
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

/**
 * How long a replica's hold on a running job lasts without renewal (renewed every third of it while the job runs).
 * A replica that dies mid-run blocks the job for at most this long; then the next run takes it over.
 */
export const JOB_LEASE_TTL_MS = 30_000;

/** The lease a run holds on its job: one run of a job at a time, across every replica. */
export const jobLeaseKey = (name: string) => `job:${name}`;

const INTERRUPTED = 'interrupted: the process stopped mid-run';

export interface SchedulerDeps {
  db: Database;
  clock: Clock;
  /** IANA zone the cron expressions are read in, e.g. `Europe/Berlin`. */
  timezone: string;
  logger: Logger;
  /** This replica's leases (bootstrap shares core.leases); default: new ones under a fresh replica id. */
  leases?: Leases;
  /** How long a run's hold on its job lasts without renewal (default JOB_LEASE_TTL_MS). */
  jobLeaseTtlMs?: number;
  /** Defaults to node-cron; tests pass a fake so no real timers run. */
  cronFactory?: CronFactory;
  /** Told about every run when it ends (metrics): outcome and wall-clock seconds. */
  onRun?: (job: string, outcome: 'ok' | 'failed' | 'skipped', seconds: number) => void;
}

/**
 * The one job runner, safe with several replicas on one database (docs/postgresql.md, "Several replicas"):
 *
 * - every replica's cron fires every tick; each tick is claimed by inserting its job_runs row, keyed by the job and
 *   the scheduled time it stands for (a unique index): the replica whose insert went in runs it, the others do
 *   nothing. A catch-up after downtime is keyed the same way, so replicas starting together catch up once.
 * - a run holds the lease `job:<name>` while it runs, so a job never overlaps itself, whichever replica started
 *   the earlier run; a tick or manual run that finds it held is recorded `skipped`.
 * - a `running` row whose job lease has expired was cut off (the replica stopped or died): it is closed as failed
 *   at start, and by the next run that takes the lease. A live replica's run is left alone.
 */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { db, clock, timezone, logger } = deps;
  const jobRuns = twin(db, jobRunsTable);
  const cronFactory = deps.cronFactory ?? nodeCronFactory;
  const leases = deps.leases ?? createLeases({ db, clock, holder: replicaId(), logger });
  const replica = leases.holder;
  const jobLeaseTtlMs = deps.jobLeaseTtlMs ?? JOB_LEASE_TTL_MS;
  assertTimezone(timezone);

  const jobs = new Map<string, JobDefinition>();
  /** Runs this replica has started and not finished (stop() waits for them; tests' barrier reads them). */
  const running = new Map<string, Promise<JobRunRow | null>>();
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
    const onTick = async (slot?: Date) => {
      try {
        const scheduledFor = latestScheduledRun(job.cron, slot ?? clock.now(), timezone);
        if (!scheduledFor) return;
        await attempt(job, 'schedule', scheduledFor);
      } catch (error) {
        // Only bookkeeping can land here (the job's own errors are recorded); never let it reach node-cron.
        logger.error(`scheduler: could not run ${job.name} on schedule`, error);
      }
    };
    tasks.set(job.name, cronFactory(job.cron, onTick, { name: job.name, timezone, logger }));
  };

  /**
   * Inserts a run's row. With a scheduled time, only if no replica has a row for that job and time yet: undefined
   * means another replica claimed this tick.
   */
  const insertRun = (values: Omit<typeof jobRunsTable.$inferInsert, 'replica'>) =>
    returningOne(
      orm(db)
        .insert(jobRuns)
        .values({ ...values, replica })
        .onConflictDoNothing()
        .returning(),
    );

  const closeRun = (id: number, values: Partial<typeof jobRunsTable.$inferInsert>) =>
    writtenRow(orm(db).update(jobRuns).set(values).where(eq(jobRuns.id, id)).returning());

  /** Closes `running` rows of `name` started up to `before` (but `except`) as interrupted; returns how many. */
  async function closeInterrupted(name: string, before: Date, except?: number): Promise<number> {
    const closed = await orm(db)
      .update(jobRuns)
      .set({ outcome: 'failed', finishedAt: clock.now(), error: INTERRUPTED })
      .where(
        and(
          eq(jobRuns.job, name),
          eq(jobRuns.outcome, 'running'),
          lte(jobRuns.startedAt, before),
          ...(except === undefined ? [] : [ne(jobRuns.id, except)]),
        ),
      )
      .returning({ id: jobRuns.id });
    if (closed.length > 0) logger.warn(`scheduler: marked ${closed.length} interrupted run(s) of ${name} failed`);
    return closed.length;
  }

  /** Runs the job for its `running` row, holding the job's lease, and closes the row with its outcome. */
  async function execute(job: JobDefinition, row: JobRunRow, signal: AbortSignal): Promise<JobRunRow> {
    const { trigger, startedAt } = row;
    let outcome: 'ok' | 'failed' = 'ok';
    let message: string | null = null;
    const began = performance.now();
    try {
      await runWithLogContext({ kind: 'job', id: job.name, trigger }, () =>
        job.run({ now: startedAt, trigger, signal }),
      );
    } catch (error) {
      outcome = 'failed';
      message = error instanceof Error ? error.message : String(error);
      logger.error(`scheduler: job ${job.name} (${trigger}) failed`, error);
    }
    deps.onRun?.(job.name, outcome, (performance.now() - began) / 1000);
    return closeRun(row.id, { finishedAt: clock.now(), outcome, error: message });
  }

  function skipped(name: string, trigger: JobTrigger, why: string) {
    logger.info(`scheduler: ${name} (${trigger}) skipped, ${why}`);
    deps.onRun?.(name, 'skipped', 0);
  }

  /**
   * One run of `job`: claims the tick (when it stands for a scheduled time), then the job's lease, then runs it.
   * null: another replica claimed this tick (nothing recorded here).
   */
  async function attempt(
    job: JobDefinition,
    trigger: JobTrigger,
    scheduledFor: Date | null,
  ): Promise<JobRunRow | null> {
    const name = job.name;
    const startedAt = clock.now();
    if (running.has(name)) {
      // Already running here: record the skip (if this replica wins the tick) without asking for the lease.
      const row = await insertRun({
        job: name,
        trigger,
        startedAt,
        finishedAt: startedAt,
        outcome: 'skipped',
        scheduledFor,
      });
      if (row) skipped(name, trigger, 'the previous run is still going');
      return row ?? null;
    }
    // The slot is taken before anything is awaited, so a call arriving meanwhile in this process sees it.
    const run = (async (): Promise<JobRunRow | null> => {
      const row = await insertRun({ job: name, trigger, startedAt, outcome: 'running', scheduledFor });
      if (!row) {
        logger.debug(`scheduler: ${name} at ${scheduledFor?.toISOString()} is another replica's run`);
        return null;
      }
      if (trigger === 'catch-up' && scheduledFor) {
        logger.info(`scheduler: ${name} missed its run at ${scheduledFor.toISOString()}, catching up`);
      }
      const held = await leases.hold(jobLeaseKey(name), jobLeaseTtlMs, async (lease) => {
        // Holding the job's lease, nobody else is running it: older `running` rows were cut off.
        await closeInterrupted(name, startedAt, row.id);
        return execute(job, row, lease.signal);
      });
      if (held.claimed) return held.value;
      const holder = (await leases.find(jobLeaseKey(name)))?.holder ?? 'another replica';
      skipped(name, trigger, `the previous run is still going on ${holder}`);
      return closeRun(row.id, { finishedAt: startedAt, outcome: 'skipped' });
    })();
    running.set(name, run);
    try {
      return await run;
    } finally {
      running.delete(name);
    }
  }

  async function runNow(name: string, trigger: JobTrigger = 'manual'): Promise<JobRunRow> {
    const job = jobs.get(name);
    if (!job) throw notFound(`There is no scheduled job "${name}".`);
    // No scheduled time, so nothing to claim against other replicas: the row always goes in.
    return (await attempt(job, trigger, null)) as JobRunRow;
  }

  async function runMissed(): Promise<JobRunRow[]> {
    const now = clock.now();
    const due: { job: JobDefinition; scheduledFor: Date }[] = [];
    for (const job of jobs.values()) {
      const last = await lastRun(job.name);
      if (!last) continue; // never ran: nothing was missed, the first tick will run it
      if (!missedScheduledRun(job.cron, last.startedAt, now, timezone)) continue;
      // Keyed by the latest missed time, which every replica starting now computes alike.
      const scheduledFor = latestScheduledRun(job.cron, now, timezone);
      if (!scheduledFor) continue;
      due.push({ job, scheduledFor });
    }
    const runs = await Promise.all(due.map(({ job, scheduledFor }) => attempt(job, 'catch-up', scheduledFor)));
    return runs.filter((run): run is JobRunRow => run !== null);
  }

  /** A `running` row whose job lease has expired was cut off by a stop or crash: close it as failed. */
  async function closeInterruptedRuns() {
    const now = clock.now();
    for (const name of jobs.keys()) {
      if (running.has(name)) continue;
      if (isLive(await leases.find(jobLeaseKey(name)), now)) continue;
      await closeInterrupted(name, now);
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
        const lease = await leases.find(jobLeaseKey(job.name));
        const runningOn = running.has(job.name) ? replica : isLive(lease, now) ? lease.holder : null;
        out.push({
          name: job.name,
          cron: job.cron,
          description: job.description,
          running: runningOn !== null,
          runningOn,
          lastRun: await lastRun(job.name),
          nextRun: nextScheduledRun(job.cron, now, timezone),
        });
      }
      return out;
    },
    running: () => [...running.keys()],
    async idle(name) {
      await running.get(name)?.catch(() => null);
    },
    replica,
  };
}

function assertTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new Error(`Scheduler: unknown time zone "${timezone}"`);
  }
}
