import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { backupDatabase, defaultBackupDir, ensurePrivateFile } from '../ops/backup.js';
import { createSqliteDatabase, type SqliteDatabase } from './sqlite.js';
import { isBusyError } from './write.js';

/** Migrations live at the repo root, next to src/ (and next to dist/ in the container). */
export const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

export interface OpenDbOptions {
  /** Where the copy taken before applying new migrations goes; default `backups/` beside the file; false: none. */
  backupDir?: string | false;
  /** Told about the pre-migration backup (main logs it). */
  onBackup?: (file: string, pending: string[]) => void;
  now?: () => Date;
  /** How often ping() may write (default 1 s). */
  healthProbeEveryMs?: number;
}

/**
 * Opens (creating folders as needed) a SQLite file or `:memory:`, with WAL and foreign keys on, and migrates it.
 * The file (and so its -wal/-shm) is created 0600. An existing database that is about to get new migrations is
 * backed up first, so a release can be rolled back (migrations only go forward). Migrations are applied here,
 * synchronously, on the raw connection; the Database then runs every query (src/db/sqlite.ts).
 */
export function openDb(
  path: string,
  migrationsFolder = MIGRATIONS_FOLDER,
  options: OpenDbOptions = {},
): SqliteDatabase {
  const onDisk = path !== ':memory:' && path !== '';
  const existed = onDisk && existsSync(path);
  if (onDisk) ensurePrivateFile(path);
  const sqlite = new Database(path);
  if (onDisk) {
    sqlite.pragma('journal_mode = WAL');
    // In WAL mode NORMAL syncs at checkpoints, not on every commit: a commit no longer blocks the event loop on an
    // fsync (~6 ms each, measured). A commit survives a process crash (kill -9); only an OS crash or power loss
    // can drop the last commits (docs/operations.md).
    sqlite.pragma('synchronous = NORMAL');
  }
  sqlite.pragma('foreign_keys = ON');
  // Freed pages are zeroed, not left in the file: replaced survey tallies must not be recoverable (docs/surveys.md).
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('busy_timeout = 5000');
  const backupDir = options.backupDir ?? (onDisk ? defaultBackupDir(path) : false);
  if (existed && backupDir !== false) {
    const pending = pendingMigrations(sqlite, migrationsFolder);
    if (pending.length > 0 && hasAppliedMigrations(sqlite)) {
      const { file } = backupDatabase(sqlite, {
        dir: backupDir,
        now: options.now?.() ?? new Date(),
        reason: 'pre-migration',
        keep: Number.MAX_SAFE_INTEGER,
      });
      options.onBackup?.(file, pending);
    }
  }
  // The synchronous better-sqlite3 migrator on the raw connection, before anything else runs on it. Two processes
  // starting together on a new file both find the migrations pending; the second waits (busy_timeout) for the
  // first's transaction, then fails on a table the first created, and its own transaction rolls back. Nothing is
  // then left to apply: that is the outcome wanted, not an error (CI saw it with two replicas on one file).
  // A write that meets another process's commit may also be refused at once (SQLITE_BUSY, "database is locked": the
  // migrator's transaction reads the schema before it writes, and once another process has committed since, SQLite
  // refuses the write without waiting). Each process's own `create table if not exists __drizzle_migrations` is such
  // a commit, so with several starting together the quick tries could all be spent before the one migrating
  // committed (CI, loaded: 1 open in 16 failed). After a pause it is tried again and reads what the other applied;
  // busy tries go on for up to MIGRATE_BUSY_MS.
  const busyUntil = Date.now() + MIGRATE_BUSY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      migrate(drizzle(sqlite), { migrationsFolder });
      break;
    } catch (error) {
      if (hasAppliedMigrations(sqlite) && pendingMigrations(sqlite, migrationsFolder).length === 0) break;
      if (attempt >= 5 && !(isBusyError(error) && Date.now() < busyUntil)) throw error;
      pauseSync(Math.min(25 * attempt, 250));
    }
  }
  return createSqliteDatabase(sqlite, {
    ...(options.healthProbeEveryMs !== undefined ? { healthProbeEveryMs: options.healthProbeEveryMs } : {}),
  });
}

/**
 * How long opening a SQLite file keeps trying a migration another process's lock refuses (checked between tries; a
 * try itself can wait up to the 5 s busy_timeout).
 */
const MIGRATE_BUSY_MS = 30_000;

/** Blocks the thread for `ms` (openDb is synchronous); it only pauses while another process holds the file busy. */
function pauseSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The tags of migrations in the folder's journal that drizzle has not applied to this database yet. */
export function pendingMigrations(sqlite: Database.Database, migrationsFolder = MIGRATIONS_FOLDER): string[] {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  let last = -1;
  if (hasAppliedMigrations(sqlite)) {
    const row = sqlite.prepare('select max(created_at) as last from __drizzle_migrations').get() as {
      last: number | null;
    };
    last = Number(row.last ?? -1);
  }
  // drizzle applies every journal entry newer than the newest one recorded (its `when` is stored as created_at).
  return journal.entries.filter((entry) => entry.when > last).map((entry) => entry.tag);
}

function hasAppliedMigrations(sqlite: Database.Database): boolean {
  const table = sqlite
    .prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'")
    .get();
  return (
    table !== undefined &&
    (sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number }).n > 0
  );
}
