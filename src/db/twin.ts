import type { Database } from './database.js';

/**
 * The table a repo queries on this database: the SQLite declaration itself, or its PostgreSQL twin (built from that
 * declaration once and cached, typed as the declaration so repo code is the same on both backends).
 */
export function twin<T extends object>(db: Pick<Database, 'dialect'>, table: T): T {
  if (db.dialect !== 'postgres') return table;
  if (!pgTwinOf) throw new Error('twin(): PostgreSQL tables asked for before src/db/pg-tables.ts was loaded');
  return pgTwinOf(table);
}

/**
 * Set by src/db/pg-tables.ts when it loads (postgres.ts imports it). On SQLite it is never loaded, and neither is
 * drizzle's pg-core: twin() then only ever returns the declaration.
 */
let pgTwinOf: (<T extends object>(table: T) => T) | undefined;

export function registerPgTwins(fn: <T extends object>(table: T) => T): void {
  pgTwinOf = fn;
}
