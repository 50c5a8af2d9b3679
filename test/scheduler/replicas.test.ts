import { asc } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock, MINUTE } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createLeases } from '../../src/db/leases.js';
import { jobRunsTable } from '../../src/db/schema.js';
import { twin } from '../../src/db/twin.js';
import { createSilentLogger } from '../../src/logger.js';
import { type CronFactory, createScheduler, JOB_LEASE_TTL_MS } from '../../src/scheduler/scheduler.js';
import type { JobDefinition, Scheduler } from '../../src/scheduler/types.js';
import { SHARED_BACKENDS, type SharedDatabase } from '../support/shared-db.js';
import { eventually, gate } from '../support/wait.js';

const TZ = 'Europe/Berlin';

/** Records the tasks a scheduler asks for; `fire(slot?)` calls every task's tick, as node-cron would. */
function fakeCron() {
  const ticks: ((slot?: Date) => Promise<void>)[] = [];
  const factory: CronFactory = (_expression, tick) => {
    ticks.push(tick);
    return { stop() {} };
  };
  return { factory, fire: (slot?: Date) => Promise.all(ticks.map((tick) => tick(slot))) };
}

interface TestReplica {
  id: string;
  db: Database;
  scheduler: Scheduler;
  cron: ReturnType<typeof fakeCron>;
  runs: string[];
}

/**
 * Schedulers of several replicas on one database (SQLite file or PostgreSQL), each with its own handle and a fake
 * cron, all reading one manual clock (their cron fires at the same moment, as on hosts with synchronised clocks).
 */
for (const backend of SHARED_BACKENDS) {
  describe.skipIf(backend.skip)(`the scheduler with several replicas on ${backend.dialect}`, () => {
    let shared: SharedDatabase | undefined;
    const schedulers: Scheduler[] = [];
    afterEach(async () => {
      for (const s of schedulers.splice(0)) await s.stop(100);
      await shared?.dispose();
      shared = undefined;
    });

    async function replicas(
      count: number,
      at: string,
      jobs: (runs: string[], id: string) => JobDefinition[],
      jobLeaseTtlMs = JOB_LEASE_TTL_MS,
    ): Promise<{
      clock: ManualClock;
      replicas: TestReplica[];
      rows: () => Promise<(typeof jobRunsTable.$inferSelect)[]>;
    }> {
      shared ??= await backend.create();
      const clock = createManualClock(at);
      const out: TestReplica[] = [];
      for (let i = 1; i <= count; i++) {
        const id = `replica-${i}`;
        const db = await shared.open();
        const cron = fakeCron();
        const scheduler = createScheduler({
          db,
          clock,
          timezone: TZ,
          logger: createSilentLogger(),
          leases: createLeases({ db, clock, holder: id }),
          cronFactory: cron.factory,
          jobLeaseTtlMs,
        });
        schedulers.push(scheduler);
        const runs: string[] = [];
        for (const job of jobs(runs, id)) scheduler.register(job);
        out.push({ id, db, scheduler, cron, runs });
      }
      const observer = await shared.open(); // what the test reads through, alive when a replica's handle is not
      const t = twin(observer, jobRunsTable);
      return { clock, replicas: out, rows: () => observer.orm.select().from(t).orderBy(asc(t.id)) };
    }

    const job = (name: string, cron: string, run: JobDefinition['run']): JobDefinition => ({
      name,
      cron,
      description: name,
      run,
    });

    it('every tick fired on both replicas runs once, on one of them, and says which', async () => {
      const {
        clock,
        replicas: all,
        rows,
      } = await replicas(2, '2026-03-02T08:00:00Z', (runs, id) => [
        job('core.sweep', '*/5 * * * *', () => void runs.push(id)),
      ]);
      for (const r of all) await r.scheduler.start();
      for (let tick = 0; tick < 12; tick++) {
        await Promise.all(all.map((r) => r.cron.fire()));
        clock.advance(5 * MINUTE);
      }
      const recorded = await rows();
      expect(recorded).toHaveLength(12);
      expect(recorded.map((r) => r.scheduledFor?.toISOString())).toEqual(
        Array.from({ length: 12 }, (_, i) =>
          new Date(Date.parse('2026-03-02T08:00:00Z') + i * 5 * MINUTE).toISOString(),
        ),
      );
      for (const row of recorded) expect(row).toMatchObject({ job: 'core.sweep', trigger: 'schedule', outcome: 'ok' });
      expect(recorded.map((r) => r.replica).sort()).toEqual([...all[0]!.runs, ...all[1]!.runs].sort());
      expect(all[0]!.runs.length + all[1]!.runs.length).toBe(12);
    });

    it('two replicas starting together after downtime catch up once', async () => {
      const {
        clock,
        replicas: all,
        rows,
      } = await replicas(2, '2026-03-02T08:00:00Z', (runs, id) => [
        job('requests.remind', '0 9 * * *', () => void runs.push(id)),
      ]);
      await all[0]!.scheduler.runNow('requests.remind', 'schedule');
      all[0]!.runs.length = 0;
      clock.set('2026-03-05T12:00:00Z');
      await Promise.all(all.map((r) => r.scheduler.start()));
      expect(all[0]!.runs.length + all[1]!.runs.length).toBe(1);
      const catchUps = (await rows()).filter((r) => r.trigger === 'catch-up');
      expect(catchUps).toHaveLength(1);
      // Keyed by the latest missed 09:00 (Berlin, CET), which both computed alike.
      expect(catchUps[0]!.scheduledFor).toEqual(new Date('2026-03-05T08:00:00Z'));
      // Neither runs it again.
      expect(await Promise.all(all.map((r) => r.scheduler.runMissed()))).toEqual([[], []]);
    });

    it('a job running on one replica is skipped by a tick and a manual run on the other, which shows where', async () => {
      const held = gate();
      const {
        clock,
        replicas: all,
        rows,
      } = await replicas(2, '2026-03-02T08:00:00Z', (runs, id) => [
        job('surveys.send-wave', '*/10 * * * * *', async () => {
          runs.push(id);
          if (id === 'replica-1') await held.opened;
        }),
      ]);
      const [one, two] = all as [TestReplica, TestReplica];
      for (const r of all) await r.scheduler.start();
      const first = one.scheduler.runNow('surveys.send-wave', 'manual');
      await eventually(() => one.runs.length === 1, { what: 'replica-1 to start the job' });
      // The next tick, well within replica-1's lease (it renews on a real-time timer; the manual clock jumps).
      clock.advance(10_000);
      await two.cron.fire();
      expect((await two.scheduler.runNow('surveys.send-wave')).outcome).toBe('skipped');
      expect((await two.scheduler.list())[0]).toMatchObject({ running: true, runningOn: 'replica-1' });
      expect(two.runs).toEqual([]);
      held.open();
      expect((await first).outcome).toBe('ok');
      expect((await rows()).map((r) => [r.replica, r.trigger, r.outcome])).toEqual([
        ['replica-1', 'manual', 'ok'],
        ['replica-2', 'schedule', 'skipped'],
        ['replica-2', 'manual', 'skipped'],
      ]);
      expect((await two.scheduler.list())[0]).toMatchObject({ running: false, runningOn: null });
    });

    it("a dead replica's run is left alone while its lease lives, then closed and taken over", async () => {
      const {
        clock,
        replicas: all,
        rows,
      } = await replicas(2, '2026-03-02T08:00:00Z', (runs, id) => [
        job('core.nightly', '*/5 * * * *', async () => {
          runs.push(id);
          if (id === 'replica-1') await new Promise<void>(() => {}); // dies mid-run
        }),
      ]);
      const [one, two] = all as [TestReplica, TestReplica];
      void one.scheduler.runNow('core.nightly', 'manual');
      await eventually(() => one.runs.length === 1, { what: 'replica-1 to start the job' });
      await one.db.close(); // replica-1 is gone: nothing of it renews its lease any more

      clock.advance(JOB_LEASE_TTL_MS - 1);
      await two.scheduler.start();
      expect((await rows()).map((r) => [r.replica, r.outcome])).toEqual([['replica-1', 'running']]);
      expect((await two.scheduler.list())[0]?.runningOn).toBe('replica-1');

      clock.advance(1);
      expect((await two.scheduler.list())[0]?.runningOn).toBeNull();
      clock.set('2026-03-02T08:05:00Z');
      await two.cron.fire();
      expect(two.runs).toEqual(['replica-2']);
      expect((await rows()).map((r) => [r.replica, r.outcome, r.error])).toEqual([
        ['replica-1', 'failed', 'interrupted: the process stopped mid-run'],
        ['replica-2', 'ok', null],
      ]);
    });

    it('a run that stalled past its lease is told, through its signal, that another replica took the job over', async () => {
      const ttl = 300; // real milliseconds: replica-1 renews every 100 ms
      const { clock, replicas: all } = await replicas(
        2,
        '2026-03-02T08:00:00Z',
        (runs, id) => [
          job('surveys.send-wave', '0 9 * * 1', async ({ signal }) => {
            runs.push(id);
            if (id !== 'replica-1') return;
            // Stalls: its renewals (real time) find the lease gone once the clock jumped and replica-2 took it.
            await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
            runs.push('replica-1 stopped');
          }),
        ],
        ttl,
      );
      const [one, two] = all as [TestReplica, TestReplica];
      const first = one.scheduler.runNow('surveys.send-wave');
      await eventually(() => one.runs.length === 1, { what: 'replica-1 to start' });
      // The clock jumps past the lease; replica-2 takes the job (again if a renewal slipped in between).
      await eventually(
        async () => {
          clock.advance(ttl);
          return (await two.scheduler.runNow('surveys.send-wave')).outcome === 'ok';
        },
        { what: 'replica-2 to take the job over' },
      );
      await eventually(() => one.runs.includes('replica-1 stopped'), { what: 'replica-1 to stop at its next renewal' });
      expect((await first).outcome).toBe('ok');
    });

    it('closes at start only the interrupted runs whose lease has expired', async () => {
      const held = gate();
      const {
        clock,
        replicas: all,
        rows,
      } = await replicas(3, '2026-03-02T08:00:00Z', (runs, id) => [
        job('core.a', '0 3 * * *', async () => {
          runs.push(id);
          await (id === 'replica-1' ? new Promise<void>(() => {}) : held.opened);
        }),
      ]);
      const [one, two, three] = all as [TestReplica, TestReplica, TestReplica];
      void one.scheduler.runNow('core.a');
      await eventually(() => one.runs.length === 1, { what: 'replica-1 to start' });
      await one.db.close();
      clock.advance(JOB_LEASE_TTL_MS);
      // replica-2 starts core.a again (replica-1's lease expired) and is alive; replica-3 then starts.
      const live = two.scheduler.runNow('core.a');
      await eventually(() => two.runs.length === 1, { what: 'replica-2 to start' });
      await three.scheduler.start();
      expect((await rows()).map((r) => [r.replica, r.outcome])).toEqual([
        ['replica-1', 'failed'],
        ['replica-2', 'running'],
      ]);
      held.open();
      expect((await live).outcome).toBe('ok');
    });
  });
}

describe('one run per scheduled time on one replica', () => {
  it('node-cron firing twice in the repeated hour of the autumn change runs the job once', async () => {
    const backend = SHARED_BACKENDS[0]!;
    const shared = await backend.create();
    try {
      const db = await shared.open();
      const clock = createManualClock('2026-10-25T00:30:00Z');
      const cron = fakeCron();
      const scheduler = createScheduler({
        db,
        clock,
        timezone: TZ,
        logger: createSilentLogger(),
        leases: createLeases({ db, clock, holder: 'replica-1' }),
        cronFactory: cron.factory,
      });
      let runs = 0;
      scheduler.register({ name: 'core.nightly', cron: '30 2 * * *', description: 'nightly', run: () => void runs++ });
      await scheduler.start();
      // 02:30 CEST (00:30Z), then 02:30 again an hour later, CET (01:30Z).
      await cron.fire(new Date('2026-10-25T00:30:00Z'));
      clock.set('2026-10-25T01:30:00Z');
      await cron.fire(new Date('2026-10-25T01:30:00Z'));
      expect(runs).toBe(1);
      await scheduler.stop();
    } finally {
      await shared.dispose();
    }
  });
});
