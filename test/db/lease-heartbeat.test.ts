import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { createLeases } from '../../src/db/leases.js';
import { openPostgres, type PostgresDatabase } from '../../src/db/postgres.js';
import { createTestPostgres, NO_TEST_PG, type TestPostgres } from '../support/test-db.js';
import { eventually } from '../support/wait.js';

/**
 * A lease's heartbeat on a database that is slow to answer: one renewal at a time. PostgreSQL only: a row lock held
 * by another connection makes the renewal wait there, which a SQLite handle in this process cannot do without
 * blocking the event loop the heartbeat runs on.
 */
describe.skipIf(NO_TEST_PG)('a lease heartbeat on a slow database (PostgreSQL)', () => {
  let server: TestPostgres | undefined;
  let db: PostgresDatabase | undefined;
  let locker: pg.Client | undefined;
  afterEach(async () => {
    await locker?.end().catch(() => {});
    await db?.close();
    await server?.drop();
    locker = db = server = undefined;
  });

  it('does not queue renewals behind one that waits: one UPDATE waits, the pool stays free', async () => {
    server = await createTestPostgres();
    db = await openPostgres(server.url, { poolSize: 4 });
    const clock = createManualClock('2026-11-23T10:00:00Z');
    const everyMs = 2;
    const leases = createLeases({ db, clock, holder: 'replica-1', renewEveryMs: everyMs });
    const lease = await leases.acquire('job:slow', 30_000);
    expect(lease).not.toBeNull();

    // Another connection locks the lease row: every renewal now waits for it.
    locker = new pg.Client({ connectionString: server.url });
    await locker.connect();
    await locker.query('begin');
    await locker.query(`select * from leases where key = 'job:slow' for update`);
    const waiting = async () =>
      Number(
        (
          await locker!.query(
            `select count(*) as n from pg_stat_activity
             where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'
               and query ilike 'update "leases"%'`,
          )
        ).rows[0].n,
      );
    await eventually(async () => (await waiting()) >= 1, { what: 'a renewal waiting on the row lock' });
    // Let at least 50 more heartbeat ticks pass (an interval of the same period, started later, fires after it).
    await new Promise<void>((resolve) => {
      let ticks = 0;
      const counter = setInterval(() => {
        if (++ticks < 50) return;
        clearInterval(counter);
        resolve();
      }, everyMs);
    });
    // Before: each tick sent its own UPDATE: all 4 pool connections waited on the lock, and 58-63 more queries
    // queued in the pool for a connection (3 of 3 runs).
    expect(await waiting()).toBe(1);
    expect(db.pool.waitingCount).toBe(0);
    // The lock goes: the renewal lands, and a query of the app's own still gets a connection at once.
    await locker.query('commit');
    expect((await db.pool.query('select 1 as one')).rows[0].one).toBe(1);
    await lease!.release();
    expect(await leases.find('job:slow')).toBeNull();
  });

  it('tells the holder its lease is lost when a renewal has had no answer for a whole ttl', async () => {
    server = await createTestPostgres();
    db = await openPostgres(server.url, { poolSize: 4 });
    const clock = createManualClock('2026-11-23T10:00:00Z');
    const leases = createLeases({ db, clock, holder: 'replica-1', renewEveryMs: 5 });
    const lease = await leases.acquire('job:hung', 300);
    locker = new pg.Client({ connectionString: server.url });
    await locker.connect();
    await locker.query('begin');
    await locker.query(`select * from leases where key = 'job:hung' for update`);
    // The renewal waits on the row lock and never returns while it is held; after 300 ms of it the lease is lost.
    await eventually(() => lease!.signal.aborted, { what: 'the lease to be given up' });
    expect(String(lease!.signal.reason)).toContain('renewal unanswered');
    await locker.query('commit');
    await lease!.release();
  });
});
