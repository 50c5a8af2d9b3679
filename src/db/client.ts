import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';

export type Db = BetterSQLite3Database;

export interface DbHandle {
  db: Db;
  sqlite: Database.Database;
  /** true when a trivial query answers; used by /healthz. */
  ping(): boolean;
  close(): void;
}

/** Migrations live at the repo root, next to src/ (and next to dist/ in the container). */
export const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** Opens (creating folders as needed) a SQLite file or `:memory:`, with WAL and foreign keys on, and migrates it. */
export function openDb(path: string, migrationsFolder = MIGRATIONS_FOLDER): DbHandle {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  if (path !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite);
  migrate(db, { migrationsFolder });
  const pingStatement = sqlite.prepare('select 1 as ok');
  return {
    db,
    sqlite,
    ping() {
      try {
        return sqlite.open && (pingStatement.get() as { ok: number }).ok === 1;
      } catch {
        return false;
      }
    },
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
}
