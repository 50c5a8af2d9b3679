import type { jobRunsTable } from '../db/schema.js';

export type JobRunRow = typeof jobRunsTable.$inferSelect;
export type JobTrigger = JobRunRow['trigger'];

export interface JobContext {
  /** The clock's time when the run started (the injected clock, not the wall clock). */
  now: Date;
  trigger: JobTrigger;
  /**
   * Aborted if this run's hold on its job was taken over by another replica (this one stalled past the lease): a
   * long job stops at its next step rather than run alongside the other one.
   */
  signal: AbortSignal;
}

/** A named, scheduled piece of work. Name: `capability.what`, e.g. `deploys.expire-locks`. */
export interface JobDefinition {
  name: string;
  /** 5-field (or 6-field with seconds) cron expression, read in the team timezone. */
  cron: string;
  description: string;
  run(context: JobContext): Promise<void> | void;
}

export interface JobStatus {
  name: string;
  cron: string;
  description: string;
  /** Running now, on this replica or another one. */
  running: boolean;
  /** The replica running it now (holding its lease), or null. */
  runningOn: string | null;
  lastRun: JobRunRow | null;
  nextRun: Date | null;
}

export interface Scheduler {
  register(job: JobDefinition): void;
  has(name: string): boolean;
  /** Starts node-cron tasks for every registered job, then runs once each job whose scheduled run was missed. */
  start(): Promise<void>;
  /** Stops the cron tasks and waits (bounded) for running jobs to finish. */
  stop(timeoutMs?: number): Promise<void>;
  /** Runs a job now. A job never overlaps itself, across replicas: if it is running, the result is `skipped`. */
  runNow(name: string, trigger?: JobTrigger): Promise<JobRunRow>;
  /**
   * Runs once every job whose latest scheduled time (by the clock) is after its last recorded run, unless another
   * replica claimed that catch-up first (its run is not in the result).
   */
  runMissed(): Promise<JobRunRow[]>;
  list(): Promise<JobStatus[]>;
  /** The jobs running in this process right now. */
  running(): string[];
  /** Resolves once this process's run of `name` (if one is going) has finished and been recorded. */
  idle(name: string): Promise<void>;
  /** The replica this scheduler records its runs under (src/replica.ts). */
  readonly replica: string;
}
