/**
 * Which databases groundcrew is benchmarked on, and the fresh PostgreSQL databases the PostgreSQL runs use.
 *
 * BENCH_BACKENDS (`sqlite`, `postgres` or `sqlite,postgres`) picks them. Unset, it is both when BENCH_PG or
 * GROUNDCREW_TEST_PG names a PostgreSQL server, else SQLite alone (the reason is printed). Each PostgreSQL run gets
 * its own database, created on that server and dropped afterwards.
 */
import pg from 'pg';

export type Backend = 'sqlite' | 'postgres';

export interface BackendPlan {
  backends: Backend[];
  /** The server (and a database on it to connect to for CREATE DATABASE), when PostgreSQL runs. */
  pgServer?: string;
  /** Why PostgreSQL does not run, when it does not. */
  skipped?: string;
}

export function backendPlan(env: NodeJS.ProcessEnv = process.env): BackendPlan {
  const pgServer = env.BENCH_PG?.trim() || env.GROUNDCREW_TEST_PG?.trim() || undefined;
  const raw = env.BENCH_BACKENDS?.trim();
  const wanted = raw ? raw.split(',').map((name) => name.trim()) : pgServer ? ['sqlite', 'postgres'] : ['sqlite'];
  const unknown = wanted.filter((name) => name !== 'sqlite' && name !== 'postgres');
  if (unknown.length > 0 || wanted.length === 0) {
    throw new Error(`BENCH_BACKENDS: sqlite and/or postgres, comma-separated, not ${JSON.stringify(raw)}`);
  }
  const backends = [...new Set(wanted)] as Backend[];
  if (!backends.includes('postgres')) {
    return raw
      ? { backends }
      : { backends, skipped: 'neither BENCH_PG nor GROUNDCREW_TEST_PG names a PostgreSQL server' };
  }
  if (!pgServer) throw new Error('BENCH_BACKENDS names postgres, but neither BENCH_PG nor GROUNDCREW_TEST_PG is set');
  return { backends, pgServer };
}

/** BENCH_PG_PREFIX (default `groundcrew_bench`) starts the name of every database the benchmark creates. */
export function databasePrefix(env: NodeJS.ProcessEnv = process.env): string {
  const prefix = env.BENCH_PG_PREFIX?.trim() || 'groundcrew_bench';
  if (!/^[A-Za-z0-9_-]{1,30}$/.test(prefix)) throw new Error('BENCH_PG_PREFIX: 1–30 letters, digits, _ and -');
  return prefix;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The server URL with another database in its path (user, password and parameters kept). */
export function urlForDatabase(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function withAdmin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: 'groundcrew-bench' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface FreshDatabase {
  name: string;
  url: string;
  /** Drops it, ending any session still connected (PostgreSQL 13+). */
  drop(): Promise<void>;
}

let created = 0;

/** Creates an empty database `<prefix>_<time>_<pid>_<n>` on the server; groundcrew migrates it when it starts. */
export async function createDatabase(serverUrl: string, prefix = databasePrefix()): Promise<FreshDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${process.pid}_${++created}`;
  await withAdmin(serverUrl, (admin) => admin.query(`create database ${quoteIdent(name)}`));
  return {
    name,
    url: urlForDatabase(serverUrl, name),
    drop: () =>
      withAdmin(serverUrl, (admin) => admin.query(`drop database if exists ${quoteIdent(name)} with (force)`)).then(
        () => undefined,
      ),
  };
}

/** The server's version line, for the report. */
export function serverVersion(serverUrl: string): Promise<string> {
  return withAdmin(serverUrl, async (admin) => {
    const { rows } = await admin.query<{ server_version: string }>('show server_version');
    return `PostgreSQL ${rows[0]?.server_version ?? '?'}`;
  });
}
