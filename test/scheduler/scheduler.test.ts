import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, HOUR, type ManualClock } from '../../src/clock.js';
import { openDb } from '../../src/db/client.js';
import { createLeases } from '../../src/db/leases.js';
import { jobRunsTable } from '../../src/db/schema.js';
import type { SqliteDatabase } from '../../src/db/sqlite.js';
import { createSilentLogger, type Logger } from '../../src/logger.js';
import { type CronFactory, type CronTaskOptions, createScheduler } from '../../src/scheduler/scheduler.js';
import type { JobContext, JobDefinition, Scheduler } from '../../src/scheduler/types.js';
import { eventually, gate } from '../support/wait.js';

const TZ = 'Europe/Berlin';
const handles: SqliteDatabase[] = [];
const schedulers: Scheduler[] = [];

afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop(100);
  for (const h of handles.splice(0)) await h.close();
});

/** Records the tasks the scheduler asks for; a test fires one by calling its `tick`. */
function fakeCron() {
  const tasks: { expression: string; options: CronTaskOptions; tick: () => Promise<void>; stopped: boolean }[] = [];
  const factory: CronFactory = (expression, tick, options) => {
    const task = { expression, options, tick, stopped: false };
    tasks.push(task);
    return {
      stop() {
        task.stopped = true;
      },
    };
  };
  return { tasks, factory };
}

function recordingLogger() {
  const errors: unknown[][] = [];
  const logger: Logger = { ...createSilentLogger(), error: (...msg: unknown[]) => void errors.push(msg) };
  return { logger, errors };
}

function setup(
  options: { at?: string; handle?: SqliteDatabase; logger?: Logger; realCron?: boolean; replica?: string } = {},
) {
  const handle = options.handle ?? openDb(':memory:');
  if (!options.handle) handles.push(handle);
  const clock: ManualClock = createManualClock(options.at ?? '2026-03-02T08:00:00Z');
  const cron = fakeCron();
  const scheduler = createScheduler({
    db: handle,
    clock,
    leases: createLeases({ db: handle, clock, holder: options.replica ?? 'replica-1' }),
    timezone: TZ,
    logger: options.logger ?? createSilentLogger(),
    ...(options.realCron ? {} : { cronFactory: cron.factory }),
  });
  schedulers.push(scheduler);
  const rows = () => handle.orm.select().from(jobRunsTable).orderBy(jobRunsTable.id);
  return { handle, clock, scheduler, rows, cron };
}

function job(name: string, cron: string, run: JobDefinition['run'] = () => {}): JobDefinition {
  return { name, cron, description: `${name} job`, run };
}

/** Local wall time in Berlin with offset, so the expectations below read like a calendar. */
const berlin = (d: Date | null | undefined) => (d ? DateTime.fromJSDate(d, { zone: TZ }).toISO() : null);

describe('recording runs', () => {
  it('records an ok run with the clock times and passes the context', async () => {
    const { scheduler, clock, rows } = setup();
    const seen: JobContext[] = [];
    scheduler.register(
      job('deploys.tidy', '0 9 * * *', (context) => {
        seen.push(context);
        clock.advance(90_000);
      }),
    );
    const run = await scheduler.runNow('deploys.tidy');
    expect(seen).toEqual([
      { now: new Date('2026-03-02T08:00:00Z'), trigger: 'manual', signal: expect.any(AbortSignal) },
    ]);
    expect(seen[0]?.signal.aborted).toBe(false);
    expect(run).toEqual({
      id: 1,
      job: 'deploys.tidy',
      trigger: 'manual',
      startedAt: new Date('2026-03-02T08:00:00Z'),
      finishedAt: new Date('2026-03-02T08:01:30Z'),
      outcome: 'ok',
      error: null,
      scheduledFor: null,
      replica: 'replica-1',
    });
    expect(await rows()).toEqual([run]);
  });

  it('records a failed run with the message, logs it, and does not throw', async () => {
    const { logger, errors } = recordingLogger();
    const { scheduler, rows } = setup({ logger });
    scheduler.register(
      job('support.sla-sweep', '*/5 * * * *', async () => {
        throw new Error('github is down');
      }),
    );
    const run = await scheduler.runNow('support.sla-sweep', 'schedule');
    expect(run).toMatchObject({ outcome: 'failed', error: 'github is down', trigger: 'schedule' });
    expect(run.finishedAt).toEqual(new Date('2026-03-02T08:00:00Z'));
    expect((await rows()).map((r) => r.outcome)).toEqual(['failed']);
    expect(errors).toHaveLength(1);
    expect(String(errors[0]?.[0])).toContain('support.sla-sweep');
  });

  it('throws for an unknown job', async () => {
    const { scheduler } = setup();
    await expect(scheduler.runNow('nope.nothing')).rejects.toThrow(/nope\.nothing/);
  });
});

describe('no overlap', () => {
  it('skips (and records) a second run while the first is still going', async () => {
    const { scheduler, rows } = setup();
    const held = gate();
    let calls = 0;
    scheduler.register(
      job('surveys.send-wave', '0 * * * *', async () => {
        calls += 1;
        await held.opened;
      }),
    );
    const first = scheduler.runNow('surveys.send-wave', 'schedule');
    const second = await scheduler.runNow('surveys.send-wave', 'manual');
    expect(second).toMatchObject({ outcome: 'skipped', trigger: 'manual', error: null });
    expect((await scheduler.list())[0]?.running).toBe(true);
    held.open();
    expect((await first).outcome).toBe('ok');
    expect(calls).toBe(1);
    expect((await scheduler.list())[0]?.running).toBe(false);
    expect((await rows()).map((r) => [r.trigger, r.outcome])).toEqual([
      ['schedule', 'ok'],
      ['manual', 'skipped'],
    ]);
    // The guard is released once the run finishes.
    expect((await scheduler.runNow('surveys.send-wave')).outcome).toBe('ok');
    expect(calls).toBe(2);
  });
});

describe('catch-up', () => {
  const daily = '0 9 * * *'; // 09:00 Berlin = 08:00Z in March (CET)

  it('runs a daily job exactly once after a restart three days later', async () => {
    const first = setup({ at: '2026-03-02T08:00:00Z' });
    first.scheduler.register(job('requests.remind', daily));
    await first.scheduler.runNow('requests.remind', 'schedule');
    await first.scheduler.stop();

    const later = setup({ at: '2026-03-05T12:00:00Z', handle: first.handle });
    let runs = 0;
    later.scheduler.register(job('requests.remind', daily, () => void runs++));
    await later.scheduler.start();
    expect(later.cron.tasks.map((t) => [t.expression, t.options.timezone, t.options.name])).toEqual([
      [daily, TZ, 'requests.remind'],
    ]);
    expect(runs).toBe(1);
    expect((await later.rows()).map((r) => [r.trigger, r.startedAt.toISOString()])).toEqual([
      ['schedule', '2026-03-02T08:00:00.000Z'],
      ['catch-up', '2026-03-05T12:00:00.000Z'],
    ]);
    expect(await later.scheduler.runMissed()).toEqual([]);
    expect(runs).toBe(1);
  });

  it('does not catch up when the latest tick is not after the last run', async () => {
    const { scheduler, clock } = setup({ at: '2026-03-02T08:00:00Z' });
    scheduler.register(job('requests.remind', daily));
    await scheduler.runNow('requests.remind');
    clock.set('2026-03-03T07:59:59.999Z'); // one millisecond before the next 09:00
    expect(await scheduler.runMissed()).toEqual([]);
    clock.set('2026-03-03T08:00:00Z'); // exactly the next tick: due
    expect((await scheduler.runMissed()).map((r) => r.trigger)).toEqual(['catch-up']);
  });

  it('does not catch up a job that has never run', async () => {
    const { scheduler, rows } = setup({ at: '2026-03-05T12:00:00Z' });
    scheduler.register(job('requests.remind', daily));
    await scheduler.start();
    expect(await scheduler.runMissed()).toEqual([]);
    expect(await rows()).toEqual([]);
  });

  it('catches up the spring-forward day that node-cron skips', async () => {
    // 02:30 does not exist in Berlin on 2026-03-29; node-cron matches wall time and so never fires that day,
    // while cron-parser's next() shifts it to 03:30 CEST (01:30Z). A restart that day therefore catches up.
    const { scheduler, clock } = setup({ at: '2026-03-28T01:30:00Z' });
    scheduler.register(job('core.nightly', '30 2 * * *'));
    await scheduler.runNow('core.nightly', 'schedule');
    clock.set('2026-03-29T12:00:00Z');
    expect((await scheduler.runMissed()).map((r) => r.trigger)).toEqual(['catch-up']);
  });

  it('closes a run left `running` by a previous process as failed on start', async () => {
    const first = setup();
    first.scheduler.register(job('core.hang', daily, () => new Promise<void>(() => {})));
    void first.scheduler.runNow('core.hang');
    const later = setup({ at: '2026-03-02T08:05:00Z', handle: first.handle });
    later.scheduler.register(job('core.hang', daily));
    await later.scheduler.start();
    expect(await later.rows()).toMatchObject([
      {
        outcome: 'failed',
        error: 'interrupted: the process stopped mid-run',
        finishedAt: new Date('2026-03-02T08:05:00Z'),
      },
    ]);
  });
});

describe('next run', () => {
  it('moves across the spring-forward and fall-back changes in Berlin', async () => {
    const { scheduler, clock } = setup({ at: '2026-03-27T12:00:00Z' });
    scheduler.register(job('core.nightly', '30 2 * * *'));
    const next = async () => (await scheduler.list())[0]?.nextRun ?? null;

    // The night before the change: ordinary 02:30 CET (UTC+1).
    expect((await next())?.toISOString()).toBe('2026-03-28T01:30:00.000Z');
    // 2026-03-29: clocks jump 02:00 -> 03:00, so 02:30 never happens. cron-parser shifts it by the gap to
    // 03:30 CEST = 01:30Z (node-cron, by contrast, skips that day; see the catch-up test).
    clock.set('2026-03-28T12:00:00Z');
    expect((await next())?.toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(berlin(await next())).toBe('2026-03-29T03:30:00.000+02:00');
    // The day after: back to 02:30, now CEST (UTC+2) = 00:30Z.
    clock.set('2026-03-29T12:00:00Z');
    expect(berlin(await next())).toBe('2026-03-30T02:30:00.000+02:00');

    // 2026-10-25: clocks fall back 03:00 -> 02:00, so 02:30 happens twice (00:30Z CEST, then 01:30Z CET).
    // cron-parser picks the first; from that instant the next run is the following day, so it runs once.
    clock.set('2026-10-24T12:00:00Z');
    expect((await next())?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(berlin(await next())).toBe('2026-10-25T02:30:00.000+02:00');
    clock.set('2026-10-25T00:30:00Z');
    expect((await next())?.toISOString()).toBe('2026-10-26T01:30:00.000Z');
    expect(berlin(await next())).toBe('2026-10-26T02:30:00.000+01:00');
  });

  it('skips the weekend for a weekday-only job', async () => {
    // Friday 2026-03-06 19:00 Berlin.
    const { scheduler } = setup({ at: '2026-03-06T18:00:00Z' });
    scheduler.register(job('support.standup', '0 9 * * 1-5'));
    expect(berlin((await scheduler.list())[0]?.nextRun)).toBe('2026-03-09T09:00:00.000+01:00');
  });
});

describe('register', () => {
  it('rejects an invalid cron expression naming the job and the expression', () => {
    const { scheduler } = setup();
    expect(() => scheduler.register(job('deploys.bad', '61 * * * *'))).toThrow(/deploys\.bad.*"61 \* \* \* \*"/);
    expect(() => scheduler.register(job('deploys.short', '* * * *'))).toThrow(/deploys\.short.*5 or 6 fields/);
    expect(() => scheduler.register(job('deploys.both', '0 9 1 * 1'))).toThrow(/deploys\.both.*not both/);
    expect(scheduler.has('deploys.bad')).toBe(false);
  });

  it('rejects a duplicate name', () => {
    const { scheduler } = setup();
    scheduler.register(job('deploys.tidy', '0 9 * * *'));
    expect(() => scheduler.register(job('deploys.tidy', '0 10 * * *'))).toThrow(/deploys\.tidy.*already registered/);
  });

  it('rejects an unknown time zone', () => {
    const { handle } = setup();
    const deps = { db: handle, clock: createManualClock('2026-03-02T08:00:00Z'), logger: createSilentLogger() };
    expect(() => createScheduler({ ...deps, timezone: 'Mars/Olympus' })).toThrow(/Mars\/Olympus/);
  });
});

describe('list', () => {
  it('shows each job with its last run and next run', async () => {
    const { scheduler, clock } = setup({ at: '2026-03-02T08:00:00Z' });
    scheduler.register(job('deploys.tidy', '0 9 * * *'));
    scheduler.register(job('support.sweep', '*/15 * * * *'));
    await scheduler.runNow('deploys.tidy');
    clock.advance(HOUR);
    const second = await scheduler.runNow('deploys.tidy');
    expect(await scheduler.list()).toEqual([
      {
        name: 'deploys.tidy',
        cron: '0 9 * * *',
        description: 'deploys.tidy job',
        running: false,
        runningOn: null,
        lastRun: second,
        nextRun: new Date('2026-03-03T08:00:00Z'),
      },
      {
        name: 'support.sweep',
        cron: '*/15 * * * *',
        description: 'support.sweep job',
        running: false,
        runningOn: null,
        lastRun: null,
        nextRun: new Date('2026-03-02T09:15:00Z'),
      },
    ]);
  });
});

describe('start and stop', () => {
  it('runs a tick as a schedule run and stops the tasks', async () => {
    const { scheduler, cron, rows } = setup();
    scheduler.register(job('core.prune', '17 3 * * *'));
    await scheduler.start();
    await cron.tasks[0]?.tick();
    expect((await rows()).map((r) => [r.job, r.trigger, r.outcome])).toEqual([['core.prune', 'schedule', 'ok']]);
    await scheduler.stop();
    expect(cron.tasks.map((t) => t.stopped)).toEqual([true]);
  });

  it('waits for a running job, but no longer than the timeout', async () => {
    const { scheduler } = setup();
    const held = gate();
    scheduler.register(job('core.slow', '0 * * * *', () => held.opened));
    scheduler.register(job('core.hang', '0 * * * *', () => new Promise<void>(() => {})));
    const slow = scheduler.runNow('core.slow');
    // stop() is already waiting when the job finishes.
    const stopping = scheduler.stop(5_000);
    held.open();
    await stopping;
    expect((await slow).outcome).toBe('ok');

    void scheduler.runNow('core.hang');
    const before = performance.now();
    await scheduler.stop(50);
    expect(performance.now() - before).toBeLessThan(1_000);
    expect((await scheduler.list()).find((j) => j.name === 'core.hang')?.running).toBe(true);
  });

  it('fires on real node-cron every second', async () => {
    const { scheduler, rows } = setup({ realCron: true });
    scheduler.register(job('core.heartbeat', '* * * * * *'));
    await scheduler.start();
    await eventually(async () => (await rows()).some((r) => r.outcome === 'ok'), { what: 'a heartbeat run' });
    await scheduler.stop();
    expect((await rows()).length).toBeGreaterThanOrEqual(1);
    expect((await rows())[0]).toMatchObject({ job: 'core.heartbeat', trigger: 'schedule', outcome: 'ok' });
  });
});
