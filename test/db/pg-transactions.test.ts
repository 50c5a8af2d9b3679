import { type SQL, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type PostgresDatabase, retryDelayMs } from '../../src/db/postgres.js';
import { write } from '../../src/db/write.js';
import { createTestPostgres, NO_TEST_PG, type TestPostgres } from '../support/test-db.js';

/** Raw SQL through drizzle, as a repo's query runs (the Orm type is SQLite's builder, which has no execute). */
const execute = (orm: unknown, query: SQL) =>
  (orm as { execute(q: SQL): Promise<{ rows: Record<string, unknown>[] }> }).execute(query);

/**
 * SERIALIZABLE transactions that collide are run again (src/db/postgres.ts). Many at once on one small table must
 * all get through: with ten tries a few milliseconds apart, 40 of them on one row lost one to five ("could not
 * serialize access"), and on a loaded machine three approvers clicking at once left one told "That could not be
 * saved" (test/approvals/claims.test.ts).
 */
describe.skipIf(NO_TEST_PG)('PostgreSQL: colliding transactions are retried until they get through', () => {
  let testDb: TestPostgres;
  let db: PostgresDatabase;
  beforeAll(async () => {
    testDb = await createTestPostgres();
    const client = new pg.Client({ connectionString: testDb.url });
    await client.connect();
    await client.query(
      'create table counters (id int primary key, n int not null); insert into counters values (1, 0)',
    );
    await client.end();
    db = await openPostgres(testDb.url, { poolSize: 40 });
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('40 read-then-write transactions on one row at once: every one commits, none is lost', async () => {
    const increment = () =>
      db.transaction(async (tx) => {
        const { rows } = await execute(tx, sql`select n from counters where id = 1`);
        await execute(tx, sql`update counters set n = ${Number(rows[0]!.n) + 1} where id = 1`);
      });
    const results = await Promise.allSettled(Array.from({ length: 40 }, increment));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const { rows } = await execute(db.orm, sql`select n from counters where id = 1`);
    expect(Number(rows[0]!.n)).toBe(40);
  });

  it("a statement that lost the race inside a repo's write() (a WriteFailedError around it) is retried too", async () => {
    // The third of three approvers clicking at once was told "That could not be saved": the collision surfaced in
    // the decision's insert, which write() had wrapped, and the wrapper's own code hid the SQLSTATE from the retry.
    let tries = 0;
    const answer = await db.transaction(async (tx) => {
      tries++;
      if (tries === 1) {
        await write(() => execute(tx, sql`do $$ begin raise exception 'collided' using errcode = '40001'; end $$`));
      }
      return 'committed';
    });
    expect([answer, tries]).toEqual(['committed', 2]);
  });
});

describe('the wait between tries of a transaction that collided', () => {
  it('grows at random up to 2, 4, 8 … ms and stays at most 250 ms', () => {
    expect([1, 2, 3, 8].map((attempt) => retryDelayMs(attempt, () => 1))).toEqual([3, 5, 9, 251]);
    expect(retryDelayMs(30, () => 1)).toBe(251);
    expect(retryDelayMs(30, () => 0)).toBe(1);
  });
});
