import { AsyncLocalStorage } from 'node:async_hooks';
import type Sqlite from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/sqlite-proxy';
import type { Database, Orm } from './database.js';
import { withDriverErrors } from './driver-errors.js';
import { toWriteError } from './write.js';

/** The SQLite backend: one better-sqlite3 connection behind drizzle's async (sqlite-proxy) query builder. */
export interface SqliteDatabase extends Database {
  readonly dialect: 'sqlite';
  readonly sqlite: Sqlite.Database;
  /** Statements (and transactions) waiting right now for another transaction to end. */
  waiting(): number;
}

export interface SqliteDatabaseOptions {
  /** How often ping() may write (default 1 s). */
  healthProbeEveryMs?: number;
  /** Prepared statements kept, by SQL text (default 500; the least recently used goes first). */
  statementCacheSize?: number;
}

/** The transaction open on the connection; statements from outside its async context wait for `ended`. */
interface OpenTransaction {
  ended: Promise<void>;
}

type Method = 'run' | 'all' | 'values' | 'get';

/**
 * Wraps an open (and migrated) better-sqlite3 connection as a Database.
 *
 * Statements run synchronously on the one connection, so each is atomic, and a transaction is BEGIN IMMEDIATE …
 * COMMIT on that connection. Because a transaction spans awaits, other work can be scheduled while it is open; any
 * statement that does not belong to it (told apart with AsyncLocalStorage) waits in the proxy callback until it
 * ends, so it can neither join it nor be rolled back with it. Transactions take turns (one at a time).
 */
export function createSqliteDatabase(sqlite: Sqlite.Database, options: SqliteDatabaseOptions = {}): SqliteDatabase {
  const context = new AsyncLocalStorage<OpenTransaction>();
  let open: OpenTransaction | undefined;
  let turn: Promise<void> = Promise.resolve();

  let waiting = 0;
  /** Resolves once no transaction other than the caller's is open (at once in the common case). */
  async function outsideOthers(): Promise<void> {
    if (!open || context.getStore() === open) return;
    waiting++;
    try {
      while (open && context.getStore() !== open) await open.ended;
    } finally {
      waiting--;
    }
  }

  const cacheSize = options.statementCacheSize ?? 500;
  const statements = new Map<string, Sqlite.Statement>();
  function statement(sql: string): Sqlite.Statement {
    let found = statements.get(sql);
    if (found) {
      // Most recently used last: a Map iterates in insertion order, so the first key is the one to drop.
      statements.delete(sql);
    } else {
      found = sqlite.prepare(sql);
      if (statements.size >= cacheSize) statements.delete(statements.keys().next().value as string);
    }
    statements.set(sql, found);
    return found;
  }

  /**
   * Runs one statement to completion. Rows are arrays (drizzle maps them to its fields). `get` reads every row
   * too: better-sqlite3's get() stops after the first, and an autocommit's COMMIT then fails silently (SQLITE_FULL
   * on a full disk) while the row comes back as if stored.
   */
  function execute(sql: string, params: unknown[], method: Method): { rows: unknown[] } {
    const stmt = statement(sql);
    if (!stmt.reader) {
      stmt.run(...params);
      return { rows: [] };
    }
    const rows = stmt.raw(true).all(...params) as unknown[];
    return { rows: method === 'get' ? (rows[0] as unknown[]) : rows };
  }

  const orm: Orm = withDriverErrors(
    drizzle(async (sql, params, method) => {
      await outsideOthers();
      return execute(sql, params, method);
    }),
  );

  async function transaction<T>(fn: (tx: Orm) => Promise<T>): Promise<T> {
    // Inside this connection's open transaction: join it (SQLite has one transaction per connection).
    if (open && context.getStore() === open) return fn(orm);
    const previous = turn;
    let done!: () => void;
    const self: OpenTransaction = {
      ended: new Promise<void>((resolve) => {
        done = resolve;
      }),
    };
    turn = self.ended;
    waiting++;
    try {
      await previous;
    } finally {
      waiting--;
    }
    await outsideOthers();
    open = self;
    try {
      try {
        sqlite.exec('BEGIN IMMEDIATE');
      } catch (error) {
        throw toWriteError(error);
      }
      let result: T;
      try {
        // Awaited inside the context: a query builder returned unawaited runs when awaited, and must be inside too.
        result = await context.run(self, async () => await fn(orm));
      } catch (error) {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        throw toWriteError(error);
      }
      try {
        sqlite.exec('COMMIT');
      } catch (error) {
        // A COMMIT the disk refused must not look like success; SQLite may have rolled back already.
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        throw toWriteError(error);
      }
      return result;
    } finally {
      open = undefined;
      done();
    }
  }

  // A read is not enough: a full disk still answers `select 1`. Rewriting a row needs a new WAL frame (or a
  // journal page), which a full or read-only file system refuses. Prepared on first use: a database opened with an
  // older migrations folder has no health_probe table.
  let probe: Sqlite.Statement | undefined;
  const probeEveryMs = options.healthProbeEveryMs ?? 1000;
  let lastProbe: { at: number; ok: boolean } | undefined;

  return {
    dialect: 'sqlite',
    orm,
    sqlite,
    transaction,
    waiting: () => waiting,
    async ping() {
      const now = Date.now();
      if (lastProbe && now - lastProbe.at < probeEveryMs && now >= lastProbe.at) return lastProbe.ok && sqlite.open;
      // Not inside someone's transaction: the probe's write would commit or roll back with it.
      await outsideOthers();
      let ok = false;
      try {
        probe ??= sqlite.prepare(
          'insert into health_probe (id, checked_at) values (1, ?) on conflict(id) do update set checked_at = excluded.checked_at',
        );
        ok = sqlite.open && probe.run(now).changes === 1;
      } catch {
        ok = false;
      }
      lastProbe = { at: now, ok };
      return ok;
    },
    async close() {
      if (sqlite.open) sqlite.close();
    },
  };
}
