/** Builds the PostgreSQL twin of a SQLite table declaration (columns, keys, indexes). Cached per table. */
export function pgTwin<T extends object>(_table: T): T {
  throw new Error('the PostgreSQL backend is not built yet');
}
