import pg from 'pg';
import { inject } from 'vitest';
import { openPostgres, PG_MIGRATIONS_FOLDER } from '../../src/db/postgres.js';

/**
 * Test databases on a real PostgreSQL server.
 *
 * - `GROUNDCREW_TEST_PG=postgres://user:password@127.0.0.1:5432/postgres` names the server (and a database to
 *   connect to for CREATE DATABASE). Unset: tests that need PostgreSQL are skipped and say so.
 * - `GROUNDCREW_TEST_BACKEND=postgres` makes tests that start the app through the harness use PostgreSQL.
 * - `GROUNDCREW_TEST_PG_PREFIX` (default `groundcrew_test`) starts every database name this creates.
 *
 * Each test gets a fresh database copied from a template that has every migration applied: the template is built
 * once per vitest run (by the first worker that needs it, under an advisory lock, so workers do not race), and
 * `CREATE DATABASE … TEMPLATE` copies it. pg-global-setup.ts names the run and drops its databases at the end.
 */

export type TestBackend = 'sqlite' | 'postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This vitest run's id; every database the run creates is named `<prefix>_<run id>_…`. */
    groundcrewPgRun: string;
  }
}

export function testBackend(env: NodeJS.ProcessEnv = process.env): TestBackend {
  const value = env.GROUNDCREW_TEST_BACKEND?.trim() || 'sqlite';
  if (value !== 'sqlite' && value !== 'postgres') {
    throw new Error(`GROUNDCREW_TEST_BACKEND must be sqlite or postgres, not "${value}"`);
  }
  return value;
}

/** The server URL from GROUNDCREW_TEST_PG, or undefined when tests run without PostgreSQL. */
export function testPostgresServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.GROUNDCREW_TEST_PG?.trim() || undefined;
}

/** Why a PostgreSQL-only test is skipped here (for `describe.skipIf`). */
export const NO_TEST_PG = testPostgresServer() === undefined;

export function testDbPrefix(env: NodeJS.ProcessEnv = process.env): string {
  const prefix = env.GROUNDCREW_TEST_PG_PREFIX?.trim() || 'groundcrew_test';
  if (!/^[A-Za-z0-9_-]{1,30}$/.test(prefix)) throw new Error('GROUNDCREW_TEST_PG_PREFIX: letters, digits, _ and -');
  return prefix;
}

/** The run id pg-global-setup.ts provides; outside it (a script), one per process. */
export function testRunId(): string {
  try {
    return inject('groundcrewPgRun') ?? soloRun;
  } catch {
    return soloRun;
  }
}
const soloRun = newRunId(`s${process.pid}`);

/** `r<start time, base 36>_<tag>`: the start time lets a later run drop what a killed run left behind. */
export function newRunId(tag: string, now = Date.now()): string {
  return `r${now.toString(36)}_${tag}`;
}

/** When the run that created `database` started, or undefined when the name is not one of ours. */
export function runStartedAt(database: string, prefix: string): number | undefined {
  if (!database.startsWith(`${prefix}_r`)) return undefined;
  const match = /^r([0-9a-z]+)_/.exec(database.slice(prefix.length + 1));
  return match ? Number.parseInt(match[1]!, 36) : undefined;
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The same server URL with another database in its path. */
export function urlForDatabase(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export function templateName(prefix: string, run: string): string {
  return `${prefix}_${run}_template`;
}

/** Runs `fn` with a client on the server's own database (the one GROUNDCREW_TEST_PG names). */
export async function withAdmin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: 'groundcrew-tests' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface Template {
  name: string;
  /** FINGERPRINT_SQL of the template, kept as the database's comment (read without connecting to it). */
  fingerprint: string;
}

let template: Promise<Template> | undefined;

/** Builds this run's template once (per run, whichever worker comes first); the others wait on the lock. */
export function ensureTemplate(serverUrl: string, prefix: string, run: string): Promise<Template> {
  template ??= withAdmin(serverUrl, async (admin) => {
    const name = templateName(prefix, run);
    await admin.query('select pg_advisory_lock(hashtext($1))', [name]);
    try {
      const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
      if (found.rowCount === 0) {
        await admin.query(`create database ${quoteIdent(name)}`);
        // Migrated by the same code the app runs at start. Every connection to it is closed again before the lock
        // is released: CREATE DATABASE … TEMPLATE refuses a template anyone is connected to.
        const db = await openPostgres(urlForDatabase(serverUrl, name), {
          poolSize: 1,
          migrationsFolder: PG_MIGRATIONS_FOLDER,
        });
        await db.close();
        const print = await fingerprint(urlForDatabase(serverUrl, name));
        await admin.query(`comment on database ${quoteIdent(name)} is '${print}'`);
      }
      const { rows } = await admin.query<{ fingerprint: string }>(
        "select shobj_description(oid, 'pg_database') as fingerprint from pg_database where datname = $1",
        [name],
      );
      return { name, fingerprint: rows[0]!.fingerprint };
    } finally {
      await admin.query('select pg_advisory_unlock(hashtext($1))', [name]);
    }
  }).catch((error: unknown) => {
    template = undefined;
    throw error;
  });
  return template;
}

let counter = 0;

/** Databases this process used and emptied again, ready for the next test. */
const spares: string[] = [];

/** Tests commit without waiting for the disk (only a server crash could lose a commit; the app is what is tested). */
const TEST_SESSION_OPTIONS = '-c synchronous_commit=off';

export interface TestPostgres {
  /** postgres://… of a database with every migration applied and no rows. */
  url: string;
  /**
   * Ends every connection still open to it and gives it back: emptied (rows deleted, sequences back to 1) for the
   * next test in this process, or dropped when the test changed more than rows (its schema or settings).
   */
  drop(): Promise<void>;
}

/** The schema and settings of a database, as one hash: a used database is reused only if it still matches. */
const FINGERPRINT_SQL = `
  select md5(coalesce(string_agg(x, E'\n' order by x), '')) as fingerprint from (
    select 'c ' || table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
        || ' ' || coalesce(column_default, '') as x
      from information_schema.columns where table_schema not in ('pg_catalog', 'information_schema')
    union all select 'i ' || schemaname || ' ' || indexdef from pg_indexes where schemaname <> 'pg_catalog'
    union all select 'k ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
      from pg_constraint where connamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
    union all select 'f ' || proname from pg_proc where pronamespace = 'public'::regnamespace
    union all select 't ' || tgname from pg_trigger where not tgisinternal
    union all select 's ' || array_to_string(setconfig, ',') from pg_db_role_setting
      where setdatabase = (select oid from pg_database where datname = current_database())
    union all select 'm ' || count(*) from drizzle.__drizzle_migrations
  ) parts`;

async function fingerprint(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ fingerprint: string }>(FINGERPRINT_SQL)).rows[0]!.fingerprint;
  } finally {
    await client.end();
  }
}

/**
 * Over one connection to the database: ends every other connection to it (an app the test did not stop), checks the
 * schema is still the template's, then deletes every row (children before parents) and restarts every sequence, in
 * one round trip. False when the schema or settings were changed (or a reference cycle): the caller drops it then.
 */
async function empty(server: string, name: string, expected: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: urlForDatabase(server, name), options: TEST_SESSION_OPTIONS });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    const print = (await client.query<{ fingerprint: string }>(FINGERPRINT_SQL)).rows[0]!.fingerprint;
    if (print !== expected) return false;
    const { rows } = await client.query<{ name: string; children: string[] }>(
      `select c.oid::regclass::text as name,
              array(select k.conrelid::regclass::text from pg_constraint k
                    where k.contype = 'f' and k.confrelid = c.oid and k.conrelid <> c.oid) as children
         from pg_class c where c.relkind in ('r', 'p') and c.relnamespace = 'public'::regnamespace`,
    );
    const order: string[] = [];
    const left = new Map(rows.map((r) => [r.name, r.children]));
    while (left.size > 0) {
      const next = [...left].find(([, children]) => !children.some((child) => left.has(child)))?.[0];
      if (next === undefined) return false;
      order.push(next);
      left.delete(next);
    }
    await client.query(
      [
        'begin',
        ...order.map((table) => `delete from ${table}`),
        "select setval(oid, 1, false) from pg_class where relkind = 'S' and relnamespace = 'public'::regnamespace",
        'commit',
      ].join(';\n'),
    );
    return true;
  } finally {
    await client.end();
  }
}

/**
 * A migrated database with no rows on the GROUNDCREW_TEST_PG server, for one test (`empty`: no tables and no
 * migrations at all, never reused): a copy of the template, or one an earlier test in this worker released and
 * drop() emptied. Emptying takes one connection; DROP DATABASE waits for a checkpoint.
 */
export async function createTestPostgres(options: { empty?: boolean } = {}): Promise<TestPostgres> {
  const server = testPostgresServer();
  if (!server) throw new Error('createTestPostgres needs GROUNDCREW_TEST_PG=postgres://user:password@host:port/db');
  const prefix = testDbPrefix();
  const run = testRunId();
  let name = options.empty ? undefined : spares.pop();
  if (name === undefined) {
    const source = options.empty ? 'template1' : (await ensureTemplate(server, prefix, run)).name;
    name = `${prefix}_${run}_${process.pid}_${++counter}`;
    const created = name;
    await withAdmin(server, (admin) =>
      admin.query(`create database ${quoteIdent(created)} template ${quoteIdent(source)}`),
    );
  }
  const own = name;
  const url = new URL(urlForDatabase(server, own));
  url.searchParams.set('options', TEST_SESSION_OPTIONS);
  let released = false;
  return {
    url: url.toString(),
    async drop() {
      if (released) return;
      released = true;
      if (!options.empty) {
        const { fingerprint: expected } = await ensureTemplate(server, prefix, run);
        if (await empty(server, own, expected).catch(() => false)) {
          spares.push(own);
          return;
        }
      }
      await withAdmin(server, (admin) => admin.query(`drop database if exists ${quoteIdent(own)} with (force)`));
    },
  };
}

/** True in the PostgreSQL run (GROUNDCREW_TEST_BACKEND=postgres): a SQLite-only test skips itself there. */
export const SKIP_ON_POSTGRES = testBackend() === 'postgres';

/**
 * The title of a describe that only makes sense on SQLite (`describe.skipIf(SKIP_ON_POSTGRES)(sqliteOnly(…), …)`):
 * in the PostgreSQL run the skip says why, and names the test that covers the same on PostgreSQL if there is one.
 */
export function sqliteOnly(title: string, why: string): string {
  return SKIP_ON_POSTGRES ? `${title} (SQLite only, skipped on PostgreSQL: ${why})` : title;
}
