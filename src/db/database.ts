import type Sqlite from 'better-sqlite3';
import type { SqliteRemoteDatabase } from 'drizzle-orm/sqlite-proxy';

/**
 * The data layer every repo is written against, once, for both backends (docs/architecture.md, "Data layer").
 *
 * - `orm` is typed as drizzle's async SQLite query builder. On PostgreSQL the same calls run on drizzle's
 *   node-postgres builder, so repos use only what both share: `await query` (an array of rows), `.limit(1)` and
 *   `[0]` for one row, `.returning(...)` and its length for "how many rows changed" (never `.get()`, `.all()`,
 *   `.run()`, `.prepare()` or `.changes`).
 * - Tables come from `twin(db, table)` (src/db/twin.ts): the SQLite table as declared in `<capability>/schema.ts`,
 *   or its PostgreSQL twin built from that declaration. The schema is written once.
 */
export type Orm = SqliteRemoteDatabase;

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  readonly dialect: Dialect;
  readonly orm: Orm;
  /**
   * Runs `fn` in one transaction: all of its writes are committed, or none. Inside, use `tx` (not `orm`). `fn` awaits
   * nothing but the database — no Slack, no HTTP: on SQLite every other query waits until it ends. On PostgreSQL it
   * runs SERIALIZABLE and is retried on a serialization failure, so `fn` may run more than once: no side effects
   * other than its queries.
   */
  transaction<T>(fn: (tx: Orm) => Promise<T>): Promise<T>;
  /** true when the database answers and can write (used by /healthz); cheap to call often. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /**
   * How many connections queries share: PostgreSQL's pool size (GROUNDCREW_DB_POOL); undefined on SQLite, whose one
   * connection runs statements in turn and never times out waiting. Events handled at once are bounded by it.
   */
  readonly poolSize?: number;
  /** The SQLite connection, for SQLite-only operations (backup, file checks); undefined on PostgreSQL. */
  readonly sqlite?: Sqlite.Database;
}
