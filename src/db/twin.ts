import type { Database } from './database.js';
import { pgTwin } from './pg-tables.js';

/**
 * The table a repo queries on this database: the SQLite declaration itself, or its PostgreSQL twin (built from that
 * declaration once and cached, typed as the declaration so repo code is the same on both backends).
 */
export function twin<T extends object>(db: Pick<Database, 'dialect'>, table: T): T {
  return db.dialect === 'postgres' ? pgTwin(table) : table;
}
