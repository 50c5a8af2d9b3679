import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Database, Orm } from './database.js';
import { withDriverErrors } from './driver-errors.js';
// Registers the PostgreSQL twins of the tables with twin(): loaded only by a process that opens PostgreSQL.
import './pg-tables.js';
import {
  DatabaseStartupError,
  isSerializationFailure,
  pgTarget,
  startupError,
  TransactionContended,
  withoutParameters,
} from './pg-errors.js';

/** PostgreSQL migrations (drizzle-kit, drizzle.pg.config.ts) live beside the SQLite ones, in migrations/pg. */
export const PG_MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations/pg');

/**
 * The session advisory lock every replica takes before migrating ('gcmigrat' as a 64-bit number). Two replicas
 * starting together: the first migrates, the second waits, then finds nothing left to apply.
 */
export const MIGRATION_LOCK_KEY = '7449918508075475316';

export const DEFAULT_POOL_SIZE = 10;

export { isPostgresUrl } from './backend.js';

/** GROUNDCREW_DB_POOL: connections each replica may open (default 10). */
export function poolSizeFrom(env: NodeJS.ProcessEnv): number {
  const raw = env.GROUNDCREW_DB_POOL?.trim();
  if (raw === undefined || raw === '') return DEFAULT_POOL_SIZE;
  const size = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(size >= 1 && size <= 1000)) {
    throw new DatabaseStartupError(`GROUNDCREW_DB_POOL must be a whole number from 1 to 1000, not "${raw}"`);
  }
  return size;
}

/**
 * TLS settings libpq reads from the environment, carried into the URL when it does not set them itself:
 * PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY become sslmode, sslrootcert, sslcert, sslkey (node-postgres reads
 * the files). Nothing is added when the URL or PGSSLMODE says `sslmode=disable`.
 */
export function withTlsFromEnv(url: string, env: NodeJS.ProcessEnv): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  const fromEnv: [param: string, variable: string][] = [
    ['sslmode', 'PGSSLMODE'],
    ['sslrootcert', 'PGSSLROOTCERT'],
    ['sslcert', 'PGSSLCERT'],
    ['sslkey', 'PGSSLKEY'],
  ];
  const sslmode = u.searchParams.get('sslmode') ?? env.PGSSLMODE;
  if (sslmode === 'disable') return url;
  let changed = false;
  for (const [param, variable] of fromEnv) {
    const value = env[variable];
    if (value && !u.searchParams.has(param)) {
      u.searchParams.set(param, value);
      changed = true;
    }
  }
  return changed ? u.toString() : url;
}

export interface OpenPostgresOptions {
  migrationsFolder?: string;
  /** Connections in the pool; default GROUNDCREW_DB_POOL, else 10. */
  poolSize?: number;
  /** For GROUNDCREW_DB_POOL and the PGSSL* variables; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for a connection (at start and when the pool is busy); default 10 s. */
  connectTimeoutMs?: number;
  /** How often ping() may write (default 1 s), and how long it waits for the answer (default 2 s). */
  healthProbeEveryMs?: number;
  healthProbeTimeoutMs?: number;
  /** Told when another replica holds the migration lock and this one waits for it. */
  onMigrationLockWait?: () => void;
  /** An idle connection that failed (server restart, network): the pool drops it and opens another when needed. */
  onPoolError?: (error: Error) => void;
  /**
   * `serializable` (default): a transaction that raced another one is retried from the start (SQLSTATE 40001/40P01),
   * so read-then-write inside `transaction()` is as safe as on SQLite, where transactions never overlap.
   */
  isolation?: 'serializable' | 'read committed';
  /**
   * Tries of one transaction before its serialization failure is thrown (default 30). Between tries it waits a random
   * time up to 2, 4, 8 … ms, at most 250 ms (`retryDelayMs`): a few seconds in all before it gives up.
   */
  transactionAttempts?: number;
}

export interface PostgresDatabase extends Database {
  readonly dialect: 'postgres';
  /** The node-postgres pool (bench, tests, operations); repos use `orm`. */
  readonly pool: pg.Pool;
  readonly poolSize: number;
}

/**
 * Connects to PostgreSQL, applies the migrations in `migrations/pg` under an advisory lock, and returns the
 * Database every repo uses. A server that cannot be reached, a refused login or a failed migration throws a
 * DatabaseStartupError whose message is one line naming the host (never the password).
 */
export async function openPostgres(url: string, options: OpenPostgresOptions = {}): Promise<PostgresDatabase> {
  const env = options.env ?? process.env;
  const poolSize = options.poolSize ?? poolSizeFrom(env);
  const pool = new pg.Pool({
    connectionString: withTlsFromEnv(url, env),
    max: poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'groundcrew',
  });
  // Without a listener an idle client's error (the server restarted) would crash the process.
  pool.on('error', (error) => options.onPoolError?.(error));
  try {
    await migrateUnderLock(pool, url, options);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }

  // A failing statement throws pg's own error with the parameters taken out (driver-errors.ts, pg-errors.ts).
  const orm = withDriverErrors(drizzle({ client: pool }), withoutParameters);
  const attempts = options.transactionAttempts ?? 30;
  const isolationLevel = options.isolation ?? 'serializable';
  const probeEveryMs = options.healthProbeEveryMs ?? 1000;
  const probeTimeoutMs = options.healthProbeTimeoutMs ?? 2000;
  let lastProbe: { at: number; ok: boolean } | undefined;
  let probing: Promise<boolean> | undefined;
  let closed = false;

  const probe = async (now: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((done) => {
      timer = setTimeout(() => done(false), probeTimeoutMs);
    });
    // A read is not enough: a full disk or a read-only standby still answers `select 1`.
    const write = pool
      .query(
        'insert into health_probe (id, checked_at) values (1, $1) on conflict (id) do update set checked_at = excluded.checked_at',
        [new Date(now)],
      )
      .then(
        (result) => result.rowCount === 1,
        () => false,
      );
    try {
      return await Promise.race([write, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    dialect: 'postgres',
    orm: orm as unknown as Orm,
    pool,
    poolSize,
    async transaction<T>(fn: (tx: Orm) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await orm.transaction((tx) => fn(withDriverErrors(tx, withoutParameters) as unknown as Orm), {
            isolationLevel,
          });
        } catch (error) {
          if (!isSerializationFailure(error)) throw error;
          if (attempt >= attempts) throw new TransactionContended(attempt, error);
          await sleep(retryDelayMs(attempt));
        }
      }
    },
    async ping(): Promise<boolean> {
      if (closed) return false;
      const now = Date.now();
      if (lastProbe && now - lastProbe.at < probeEveryMs && now >= lastProbe.at) return lastProbe.ok;
      // Health checks that arrive together share one write.
      probing ??= probe(now).then((ok) => {
        lastProbe = { at: now, ok };
        probing = undefined;
        return ok;
      });
      return (await probing) && !closed;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/**
 * How long a transaction that collided waits before its next try: at random up to twice as long as the time before
 * (2, 4, 8 … ms), at most 250 ms. Colliders retrying together would collide again; spread out, they get through one
 * after the other. Ten tries at a few milliseconds each were not enough for three approvers clicking at once on a
 * loaded machine (on a small table PostgreSQL's predicate locks make unrelated writes collide too).
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(250, 2 ** attempt)) + 1;
}

/**
 * Applies the pending migrations on one dedicated connection holding `pg_advisory_lock(MIGRATION_LOCK_KEY)`. The
 * lock is a session lock: it is released at the end, or by the server if this process dies while holding it.
 */
async function migrateUnderLock(pool: pg.Pool, url: string, options: OpenPostgresOptions): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw startupError(url, error);
  }
  let broken: Error | undefined;
  try {
    const first = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [
      MIGRATION_LOCK_KEY,
    ]);
    if (!first.rows[0]?.locked) {
      options.onMigrationLockWait?.();
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    }
    try {
      await migrate(drizzle({ client }), { migrationsFolder: options.migrationsFolder ?? PG_MIGRATIONS_FOLDER });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    broken = error as Error;
    const cause = (error as { cause?: { message?: string } }).cause;
    const why = (cause?.message ?? (error as Error).message ?? String(error)).replace(/\s*\n\s*/g, ' ');
    const target = pgTarget(url);
    throw new DatabaseStartupError(
      `cannot apply the PostgreSQL migrations at ${target.host}:${target.port}/${target.database}: ${why}`,
      { cause: error },
    );
  } finally {
    // A connection that failed mid-migration is closed rather than reused.
    client.release(broken);
  }
}
