import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database, Orm } from './database.js';

/** The transaction `inTransaction` opened, per database, for the code it runs (and everything that code awaits). */
const scope = new AsyncLocalStorage<{ db: Database; tx: Orm }>();

/**
 * The orm to query `db` with here: inside `inTransaction(db, …)` the transaction's, else `db.orm`. Repos ask for it
 * on every query (`orm(db).select()…`), so a repo method called inside a transaction is part of it, on either
 * backend, without being handed the transaction.
 */
export function orm(db: Database): Orm {
  const open = scope.getStore();
  return open !== undefined && open.db === db ? open.tx : db.orm;
}

/**
 * Runs `fn` in one transaction on `db`: every query made through `orm(db)` while it runs is committed with the
 * others, or none is (`fn` throws). A transaction opened inside one joins it (no savepoint: an error inside
 * aborts the whole). `fn` awaits the database only — no Slack, no HTTP (docs/architecture.md, "Data layer").
 *
 * A transaction makes writes all-or-nothing. On PostgreSQL it runs SERIALIZABLE by default and is retried when it
 * loses a race, so it may run more than once and may in the end fail under heavy contention; for a claim, still
 * write a compare-and-set (`update … where <expected state> returning`, and count the rows): it holds whatever the
 * isolation level.
 */
export function inTransaction<T>(db: Database, fn: () => Promise<T>): Promise<T> {
  const open = scope.getStore();
  if (open !== undefined && open.db === db) return fn();
  return db.transaction((tx) => scope.run({ db, tx }, async () => await fn()));
}
