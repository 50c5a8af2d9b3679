import { DomainError } from '../errors.js';
import { contendedAttempts, isPostgresUnavailableError, isSerializationFailure } from './pg-errors.js';

/** What the person is told when the database refused a write (full disk, read-only file, I/O error). */
export const WRITE_FAILED_MESSAGE =
  'That could not be saved: the database cannot write right now, so nothing was done. Try again in a few minutes.';

/**
 * The database was busy, not broken: PostgreSQL gave up a transaction that kept colliding with other writes
 * (SERIALIZABLE, retried `attempts` times), or SQLite's write lock stayed taken past its busy timeout.
 */
export function busyMessage(attempts?: number): string {
  const tried = attempts === undefined ? '' : ` (tried ${attempts} times)`;
  return `That could not be saved: the database was busy with many changes at the same moment${tried}, so nothing was done. Try again in a moment.`;
}

/** Busy with other writes (a lost race PostgreSQL gave up on, SQLite's lock held too long), not unable to store. */
export function isBusyError(error: unknown): boolean {
  if (isSerializationFailure(error)) return true;
  for (const e of causes(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code)) return true;
  }
  return false;
}

/** What to tell the person whose write the database refused: busy (and how often it was tried), or cannot write. */
export function writeFailedMessage(error: unknown): string {
  return isBusyError(error) ? busyMessage(contendedAttempts(error)) : WRITE_FAILED_MESSAGE;
}

/** For the log line of a refused write: busy (with the tries), or refused. */
export function writeFailureSummary(error: unknown): string {
  if (!isBusyError(error)) return 'the database refused a write';
  const attempts = contendedAttempts(error);
  const tried = attempts === undefined ? '' : `; the transaction was tried ${attempts} times`;
  return `the database was busy: many writes at the same moment, this one kept colliding${tried}`;
}

/** A write the database refused. A DomainError, so every adapter already tells the person instead of claiming success. */
export class WriteFailedError extends DomainError {
  constructor(readonly cause: unknown) {
    super('unavailable', writeFailedMessage(cause));
    this.name = 'WriteFailedError';
  }
}

/** SQLite result codes that mean "the database could not store this", not "this statement is wrong". */
const STORAGE_CODES = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|BUSY|LOCKED|PROTOCOL)/;

/** The error and its causes, outermost first (drizzle wraps a driver's error in a DrizzleQueryError). */
function* causes(error: unknown): Generator<unknown> {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}

/** The driver error that says the database could not store something, found through the causes; else undefined. */
function storageCause(error: unknown): unknown {
  for (const e of causes(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && STORAGE_CODES.test(code)) return e;
  }
  return undefined;
}

/** The database could not store this (SQLite: a full disk, I/O; PostgreSQL: src/db/pg-errors.ts), whatever wraps it. */
export function isStorageError(error: unknown): boolean {
  return storageCause(error) !== undefined || isPostgresUnavailableError(error);
}

/** A write the database refused (full, read-only, busy, unreachable), whatever wraps it, or already a WriteFailedError. */
export function isWriteRefusal(error: unknown): boolean {
  return isStorageError(error) || error instanceof WriteFailedError;
}

/** `error` as a WriteFailedError when it (or a cause) is a storage failure; otherwise `error` unchanged. */
export function toWriteError(error: unknown): unknown {
  if (error instanceof WriteFailedError) return error;
  // Given up after its tries: said with the count, not as the inner try's wrapper (which knew no count).
  if (contendedAttempts(error) !== undefined) return new WriteFailedError(error);
  for (const e of causes(error)) if (e instanceof WriteFailedError) return e;
  const cause = storageCause(error) ?? (isPostgresUnavailableError(error) ? error : undefined);
  return cause === undefined ? error : new WriteFailedError(cause);
}

/** Runs a write; a storage failure becomes a WriteFailedError (other errors pass through unchanged). */
export async function write<T>(run: () => PromiseLike<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toWriteError(error);
  }
}

/**
 * The one way to write and read back a row: `await returningOne(orm.insert(t).values(v).returning())`. The query
 * runs to completion (every row read, the autocommit's COMMIT checked), and a storage failure is a WriteFailedError.
 */
export async function returningOne<T>(query: PromiseLike<T[]>): Promise<T | undefined> {
  return (await write(() => query))[0];
}

/** As returningOne, for a write that must have its row (an insert, an update by a known id). */
export async function writtenRow<T>(query: PromiseLike<T[]>): Promise<T> {
  const row = await returningOne(query);
  if (row === undefined) throw new Error('the write returned no row');
  return row;
}

/** Every row a write returned. */
export function returningAll<T>(query: PromiseLike<T[]>): Promise<T[]> {
  return write(() => query);
}

/** What a unique key that refused a write names: its index (PostgreSQL) or its `table.column`s (SQLite's message). */
export interface UniqueViolation {
  index: string | undefined;
  columns: string[];
}

/** The unique key that refused this write (SQLITE_CONSTRAINT_UNIQUE, SQLSTATE 23505), found through wrappers; else null. */
export function uniqueViolation(error: unknown): UniqueViolation | null {
  for (const e of causes(error)) {
    const { code, constraint, message } = e as { code?: unknown; constraint?: unknown; message?: unknown };
    if (code === '23505') return { index: typeof constraint === 'string' ? constraint : undefined, columns: [] };
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      const listed = /constraint failed: (.+)$/.exec(String(message ?? ''))?.[1] ?? '';
      return { index: undefined, columns: listed.split(',').map((c) => c.trim()) };
    }
  }
  return null;
}
