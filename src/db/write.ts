import { DomainError } from '../errors.js';

/** What the person is told when the database refused a write (full disk, read-only file, I/O error). */
export const WRITE_FAILED_MESSAGE =
  'That could not be saved: the database cannot write right now, so nothing was done. Try again in a few minutes.';

/** A write the database refused. A DomainError, so every adapter already tells the person instead of claiming success. */
export class WriteFailedError extends DomainError {
  constructor(readonly cause: unknown) {
    super('unavailable', WRITE_FAILED_MESSAGE);
    this.name = 'WriteFailedError';
  }
}

/** SQLite result codes that mean "the database could not store this", not "this statement is wrong". */
const STORAGE_CODES = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|BUSY|LOCKED|PROTOCOL)/;

export function isStorageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_CODES.test(code);
}

/** Runs a write; a storage failure becomes a WriteFailedError (other errors pass through unchanged). */
export function write<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (isStorageError(error)) throw new WriteFailedError(error);
    throw error;
  }
}

/**
 * The one way to write and read back a row: `returningOne(db.insert(t).values(v).returning())`.
 * Runs the statement to completion with `.all()`: better-sqlite3's `.get()` stops after the first row and the
 * autocommit's COMMIT then fails silently (SQLITE_FULL on a full disk) while the row is returned as if stored.
 */
export function returningOne<T>(query: { all(): T[] }): T | undefined {
  return write(() => query.all())[0];
}

/** As returningOne, for a write that must have its row (an insert, an update by a known id). */
export function writtenRow<T>(query: { all(): T[] }): T {
  const row = returningOne(query);
  if (row === undefined) throw new Error('the write returned no row');
  return row;
}

/** Every row a write returned, run to completion. */
export function returningAll<T>(query: { all(): T[] }): T[] {
  return write(() => query.all());
}
