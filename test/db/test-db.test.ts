import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_MIGRATIONS_FOLDER } from '../../src/db/postgres.js';
import {
  createTestPostgres,
  NO_TEST_PG,
  newRunId,
  runStartedAt,
  type TestPostgres,
  testBackend,
} from '../support/test-db.js';

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('test database names', () => {
  it('carry the start time of their run, so a later run can drop what a killed one left', () => {
    const run = newRunId('abc123', Date.parse('2026-11-23T10:00:00Z'));
    expect(runStartedAt(`groundcrew_test_${run}_4711_3`, 'groundcrew_test')).toBe(Date.parse('2026-11-23T10:00:00Z'));
    expect(runStartedAt(`groundcrew_test_${run}_template`, 'groundcrew_test')).toBe(Date.parse('2026-11-23T10:00:00Z'));
    expect(runStartedAt('groundcrew_production', 'groundcrew_test')).toBeUndefined();
    expect(runStartedAt('postgres', 'groundcrew_test')).toBeUndefined();
  });

  it('GROUNDCREW_TEST_BACKEND is sqlite or postgres', () => {
    expect(testBackend({})).toBe('sqlite');
    expect(testBackend({ GROUNDCREW_TEST_BACKEND: 'postgres' })).toBe('postgres');
    expect(() => testBackend({ GROUNDCREW_TEST_BACKEND: 'mysql' })).toThrow(/sqlite or postgres/);
  });
});

// Needs a PostgreSQL server: set GROUNDCREW_TEST_PG (CI does).
describe.skipIf(NO_TEST_PG)('createTestPostgres (GROUNDCREW_TEST_PG)', () => {
  const made: TestPostgres[] = [];
  afterAll(async () => {
    await Promise.all(made.map((db) => db.drop()));
  });

  it('gives each caller its own migrated database, several at once', async () => {
    const dbs = await Promise.all([createTestPostgres(), createTestPostgres(), createTestPostgres()]);
    made.push(...dbs);
    expect(new Set(dbs.map((db) => db.url)).size).toBe(3);
    const journal = JSON.parse(readFileSync(join(PG_MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as {
      entries: unknown[];
    };
    for (const db of dbs) {
      const applied = await query<{ n: string }>(db.url, 'select count(*) as n from drizzle.__drizzle_migrations');
      expect(Number(applied[0]!.n)).toBe(journal.entries.length);
    }
    // Isolated: a row in one is not in another.
    await query(
      dbs[0]!.url,
      "insert into event_inbox (event_id, received_at, type, attempts) values ('Ev1', now(), 'message', 1)",
    );
    expect(await query(dbs[0]!.url, 'select event_id from event_inbox')).toEqual([{ event_id: 'Ev1' }]);
    expect(await query(dbs[1]!.url, 'select event_id from event_inbox')).toEqual([]);
  });

  it('drop() removes an empty database even while a connection is still open', async () => {
    const db = await createTestPostgres({ empty: true });
    const open = new pg.Client({ connectionString: db.url });
    open.on('error', () => undefined);
    await open.connect();
    await db.drop();
    const name = decodeURIComponent(new URL(db.url).pathname.slice(1));
    const server = process.env.GROUNDCREW_TEST_PG!;
    expect(await query(server, `select 1 from pg_database where datname = '${name.replace(/'/g, "''")}'`)).toEqual([]);
    await open.end().catch(() => undefined);
  });

  it('a released database is reused empty: no rows, ids from 1 again, same migrations', async () => {
    const first = await createTestPostgres();
    await query(first.url, "insert into audit_log (at, actor, action, outcome) values (now(), 'U1', 'a', 'ok')");
    await query(first.url, "insert into audit_log (at, actor, action, outcome) values (now(), 'U1', 'b', 'ok')");
    await first.drop();
    const second = await createTestPostgres();
    made.push(second);
    expect(second.url).toBe(first.url);
    expect(await query(second.url, 'select * from audit_log')).toEqual([]);
    const [row] = await query<{ id: string }>(
      second.url,
      "insert into audit_log (at, actor, action, outcome) values (now(), 'U1', 'c', 'ok') returning id",
    );
    expect(Number(row!.id)).toBe(1);
  });

  it('a database whose schema or settings a test changed is dropped, not reused', async () => {
    const changed = await createTestPostgres();
    await query(changed.url, 'alter table audit_log add column extra text');
    await changed.drop();
    const name = decodeURIComponent(new URL(changed.url).pathname.slice(1));
    const server = process.env.GROUNDCREW_TEST_PG!;
    expect(await query(server, `select 1 from pg_database where datname = '${name.replace(/'/g, "''")}'`)).toEqual([]);
    const next = await createTestPostgres();
    made.push(next);
    expect(next.url).not.toBe(changed.url);
  });

  it('is fast: a fresh database from the template in well under a second', async () => {
    await createTestPostgres().then((db) => made.push(db)); // the template exists from here on
    const median = (times: number[]) => times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    const copies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      made.push(await createTestPostgres());
      copies.push(performance.now() - started);
    }
    const reuses: number[] = [];
    const releases: number[] = [];
    for (let i = 0; i < 5; i++) {
      let started = performance.now();
      const db = await createTestPostgres();
      reuses.push(performance.now() - started);
      await query(
        db.url,
        "insert into event_inbox (event_id, received_at, type, attempts) values ('Ev1', now(), 'message', 1)",
      );
      started = performance.now();
      await db.drop();
      releases.push(performance.now() - started);
    }
    console.log(
      `createTestPostgres: copy of the template median ${median(copies).toFixed(0)} ms; reused ${median(reuses).toFixed(0)} ms; drop() emptying for reuse ${median(releases).toFixed(0)} ms`,
    );
    expect(median(copies)).toBeLessThan(1000);
    expect(median(reuses)).toBeLessThan(median(copies));
  });
});
