import { toWriteError } from './write.js';

/** @deprecated The synchronous helpers, for code not yet moved to the async Database (removed once it is). */
export function write<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw toWriteError(error);
  }
}

/** @deprecated See write.ts returningOne. */
export function returningOne<T>(query: { all(): T[] }): T | undefined {
  return write(() => query.all())[0];
}

/** @deprecated See write.ts writtenRow. */
export function writtenRow<T>(query: { all(): T[] }): T {
  const row = returningOne(query);
  if (row === undefined) throw new Error('the write returned no row');
  return row;
}
