import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DatabaseStartupError } from '../../src/db/pg-errors.js';
import {
  isPostgresUrl,
  MIGRATION_LOCK_KEY,
  openPostgres,
  PG_MIGRATIONS_FOLDER,
  type PostgresDatabase,
  poolSizeFrom,
} from '../../src/db/postgres.js';
import { createTestPostgres, NO_TEST_PG, type TestPostgres, testPostgresServer } from '../support/test-db.js';
import { eventually } from '../support/wait.js';

const journal = JSON.parse(readFileSync(join(PG_MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as {
  entries: { tag: string; when: number }[];
};

describe('choosing and sizing PostgreSQL', () => {
  it('postgres:// and postgresql:// select it; anything else is a SQLite path', () => {
    expect(isPostgresUrl('postgres://u:p@db:5432/gc')).toBe(true);
    expect(isPostgresUrl('postgresql://db/gc')).toBe(true);
    expect(isPostgresUrl('  POSTGRES://db/gc')).toBe(true);
    expect(isPostgresUrl('./data/groundcrew.db')).toBe(false);
    expect(isPostgresUrl(':memory:')).toBe(false);
    expect(isPostgresUrl('/var/lib/postgres.db')).toBe(false);
  });

  it('GROUNDCREW_DB_POOL: default 10, a whole number from 1 to 1000, else a startup error', () => {
    expect(poolSizeFrom({})).toBe(10);
    expect(poolSizeFrom({ GROUNDCREW_DB_POOL: ' 25 ' })).toBe(25);
    for (const bad of ['0', '1001', '2.5', 'ten', '-3']) {
      expect(() => poolSizeFrom({ GROUNDCREW_DB_POOL: bad }), bad).toThrow(DatabaseStartupError);
    }
  });
});

/** A 127.0.0.1 port where nothing listens, or a server that accepts connections and never answers. */
async function listen(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, port: (server.address() as { port: number }).port };
}

describe('a database that cannot be used is one readable line at start (no password, no stack)', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
  });

  const expectOneLine = async (url: string, pattern: RegExp, options = {}) => {
    const error = await openPostgres(url, { connectTimeoutMs: 2000, ...options }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseStartupError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).not.toContain('s3cr3t-pw');
    expect(message).toMatch(pattern);
    return message;
  };

  it('nothing listening: connection refused, naming host, port, database and user', async () => {
    const { server, port } = await listen(() => undefined);
    await new Promise((done) => server.close(done));
    const message = await expectOneLine(
      `postgres://gc:s3cr3t-pw@127.0.0.1:${port}/groundcrew`,
      /^cannot connect to PostgreSQL at 127\.0\.0\.1:\d+\/groundcrew as gc: connection refused/,
    );
    expect(message).toContain(`:${port}/`);
  });

  it('a server that never answers: the connection timeout, not a hang', async () => {
    const sockets: Socket[] = [];
    const { server, port } = await listen((socket) => sockets.push(socket));
    servers.push(server);
    await expectOneLine(`postgres://gc:s3cr3t-pw@127.0.0.1:${port}/gc`, /no answer within the connection timeout/, {
      connectTimeoutMs: 300,
    });
    for (const socket of sockets) socket.destroy();
  });

  it.skipIf(NO_TEST_PG)('a wrong password (GROUNDCREW_TEST_PG)', async () => {
    const u = new URL(testPostgresServer()!);
    u.password = 's3cr3t-pw';
    await expectOneLine(u.toString(), /as \S+: password authentication failed \(check the user and password/);
  });

  it.skipIf(NO_TEST_PG)('a database that does not exist (GROUNDCREW_TEST_PG)', async () => {
    const u = new URL(testPostgresServer()!);
    u.pathname = '/groundcrew_no_such_database';
    await expectOneLine(u.toString(), /database "groundcrew_no_such_database" does not exist \(create it first/);
  });

  it.skipIf(NO_TEST_PG)('TLS asked of a server without it (GROUNDCREW_TEST_PG is plain)', async () => {
    const ssl = await pgQuery(testPostgresServer()!, 'show ssl');
    if (ssl[0]?.ssl === 'on') return; // a TLS server cannot show this; postgres-tls.test.ts covers TLS itself
    const u = new URL(testPostgresServer()!);
    u.searchParams.set('sslmode', 'verify-full');
    await expectOneLine(u.toString(), /the server does not accept TLS/);
  });
});

async function pgQuery(url: string, text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

// Needs a PostgreSQL server: set GROUNDCREW_TEST_PG (CI does).
describe.skipIf(NO_TEST_PG)('openPostgres on a real server (GROUNDCREW_TEST_PG)', () => {
  const dbs: TestPostgres[] = [];
  const opened: PostgresDatabase[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
    await Promise.all(dbs.splice(0).map((db) => db.drop()));
  });
  const fresh = async (options: { empty?: boolean } = {}) => {
    const db = await createTestPostgres(options);
    dbs.push(db);
    return db.url;
  };
  const open = async (url: string, options: Parameters<typeof openPostgres>[1] = {}) => {
    const db = await openPostgres(url, options);
    opened.push(db);
    return db;
  };
  const applied = async (url: string) =>
    (await pgQuery(url, 'select created_at from drizzle.__drizzle_migrations order by id')).map((r) =>
      Number(r.created_at),
    );

  it('two replicas starting together on an empty database: both start, each migration is recorded once', async () => {
    const url = await fresh({ empty: true });
    const [a, b, c] = await Promise.all([open(url), open(url), open(url)]);
    expect(await applied(url)).toEqual(journal.entries.map((e) => e.when));
    for (const db of [a!, b!, c!]) expect(await db.ping()).toBe(true);
  });

  it('migrates only while holding the advisory lock: a replica waits for the one that holds it', async () => {
    const url = await fresh({ empty: true });
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    let waited = false;
    let done = false;
    const starting = open(url, { onMigrationLockWait: () => (waited = true) }).then((db) => {
      done = true;
      return db;
    });
    // Blocked on the lock: the server shows its connection waiting for our advisory lock, and nothing is migrated.
    await eventually(async () => {
      const waiting = await pgQuery(
        url,
        "select granted, pid from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())",
      );
      expect(waiting.filter((l) => !l.granted)).toHaveLength(1);
      return true;
    });
    expect(waited).toBe(true);
    expect(done).toBe(false);
    const tables = await pgQuery(url, "select count(*)::int as n from pg_tables where tablename = 'deploys'");
    expect(tables[0]!.n).toBe(0);
    await holder.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    await holder.end();
    const db = await starting;
    expect(await applied(url)).toEqual(journal.entries.map((e) => e.when));
    expect(await db.ping()).toBe(true);
    // Released after migrating: nobody holds it now.
    const held = await pgQuery(url, "select count(*)::int as n from pg_locks where locktype = 'advisory'");
    expect(held[0]!.n).toBe(0);
  });

  it('a second start on a migrated database applies nothing again', async () => {
    const url = await fresh();
    const before = await applied(url);
    await open(url);
    expect(await applied(url)).toEqual(before);
    expect(before).toHaveLength(journal.entries.length);
  });

  it('the pool has GROUNDCREW_DB_POOL connections at most (default 10); close() ends it', async () => {
    const url = await fresh();
    const sized = await open(url, { env: { GROUNDCREW_DB_POOL: '3' } });
    expect(sized.pool.options.max).toBe(3);
    const byDefault = await open(url, { env: {} });
    expect(byDefault.pool.options.max).toBe(10);
    await byDefault.close();
    expect(byDefault.pool.ended).toBe(true);
    await byDefault.close(); // twice is fine
    expect(await byDefault.ping()).toBe(false);
  });

  it('ping() writes the probe row, at most once per interval', async () => {
    const url = await fresh();
    const db = await open(url, { healthProbeEveryMs: 60_000 });
    expect(await Promise.all([db.ping(), db.ping(), db.ping()])).toEqual([true, true, true]);
    const first = await pgQuery(url, 'select checked_at from health_probe');
    expect(first).toHaveLength(1);
    expect(await db.ping()).toBe(true);
    expect(await pgQuery(url, 'select checked_at from health_probe')).toEqual(first);
  });

  it('ping() is false when the database refuses writes (read-only), and when it does not answer in time', async () => {
    const url = await fresh();
    const db = await open(url, { healthProbeEveryMs: 0, healthProbeTimeoutMs: 300 });
    expect(await db.ping()).toBe(true);
    // A table lock held by someone else: the write waits, the probe gives up after its timeout.
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('lock table health_probe in access exclusive mode');
    expect(await db.ping()).toBe(false);
    await blocker.query('rollback');
    await blocker.end();
    await eventually(() => db.ping());
    // Read-only from now on (as a standby or a full-disk emergency setting would be): new sessions cannot write.
    const name = decodeURIComponent(new URL(url).pathname.slice(1));
    await pgQuery(url, `alter database "${name}" set default_transaction_read_only = on`);
    await pgQuery(
      url,
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [name],
    );
    await eventually(async () => !(await db.ping()));
  });
});
