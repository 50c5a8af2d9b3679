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

let template: Promise<string> | undefined;

/** Builds this run's template once (per run, whichever worker comes first); the others wait on the lock. */
export function ensureTemplate(serverUrl: string, prefix: string, run: string): Promise<string> {
  template ??= withAdmin(serverUrl, async (admin) => {
    const name = templateName(prefix, run);
    await admin.query('select pg_advisory_lock(hashtext($1))', [name]);
    try {
      const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
      if (found.rowCount === 0) {
        await admin.query(`create database ${quoteIdent(name)}`);
        // Migrated by the same code the app runs at start; the pool is closed again, since CREATE DATABASE …
        // TEMPLATE refuses a template anyone is connected to.
        const db = await openPostgres(urlForDatabase(serverUrl, name), {
          poolSize: 1,
          migrationsFolder: PG_MIGRATIONS_FOLDER,
        });
        await db.close();
      }
    } finally {
      await admin.query('select pg_advisory_unlock(hashtext($1))', [name]);
    }
    return name;
  }).catch((error: unknown) => {
    template = undefined;
    throw error;
  });
  return template;
}

let counter = 0;

export interface TestPostgres {
  /** postgres://… of a fresh database with every migration applied. */
  url: string;
  /** Drops it (connections still open to it are ended first). */
  drop(): Promise<void>;
}

/** A fresh, migrated database on the GROUNDCREW_TEST_PG server (`empty`: no tables, no migrations). */
export async function createTestPostgres(options: { empty?: boolean } = {}): Promise<TestPostgres> {
  const server = testPostgresServer();
  if (!server) throw new Error('createTestPostgres needs GROUNDCREW_TEST_PG=postgres://user:password@host:port/db');
  const prefix = testDbPrefix();
  const run = testRunId();
  const source = options.empty ? 'template1' : await ensureTemplate(server, prefix, run);
  const name = `${prefix}_${run}_${process.pid}_${++counter}`;
  await withAdmin(server, (admin) => admin.query(`create database ${quoteIdent(name)} template ${quoteIdent(source)}`));
  let dropped = false;
  return {
    url: urlForDatabase(server, name),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin(server, (admin) => admin.query(`drop database if exists ${quoteIdent(name)} with (force)`));
    },
  };
}
