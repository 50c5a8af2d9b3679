import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { BackupsConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Scheduler } from '../scheduler/types.js';

/** Database files and backups are readable by the owner only (they hold audit trails and request data). */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Backups are `groundcrew-YYYYMMDDTHHMMSSZ[-reason].db`: sorting the names sorts them by time. */
const NAME = /^groundcrew-(\d{8}T\d{6}Z)(?:-([a-z-]+))?\.db$/;

export const DEFAULT_BACKUPS: Required<Omit<BackupsConfig, 'dir' | 'keepDays'>> = { cron: '30 2 * * *', keep: 14 };

/** Where backups go unless configured: `backups/` beside the database file. */
export function defaultBackupDir(dbPath: string): string {
  return join(dirname(resolve(dbPath)), 'backups');
}

export function backupFileName(now: Date, reason?: string): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `groundcrew-${stamp}${reason ? `-${reason}` : ''}.db`;
}

/** Creates an empty file only the owner can read (or tightens an existing one): SQLite keeps the mode for -wal/-shm. */
export function ensurePrivateFile(path: string): void {
  mkdirSync(dirname(resolve(path)), { recursive: true, mode: DIR_MODE });
  closeSync(openSync(path, 'a', FILE_MODE));
  chmodSync(path, FILE_MODE);
}

export interface BackupResult {
  file: string;
  bytes: number;
  removed: string[];
}

/**
 * An online, consistent copy of the open database (`VACUUM INTO` reads one snapshot while the app keeps writing),
 * into `dir` as a 0600 file named by its UTC time, then retention. `reason` marks e.g. pre-migration copies.
 */
export function backupDatabase(
  sqlite: Database.Database,
  options: { dir: string; now: Date; keep?: number; keepDays?: number; reason?: string },
): BackupResult {
  mkdirSync(options.dir, { recursive: true, mode: DIR_MODE });
  let file = join(options.dir, backupFileName(options.now, options.reason));
  // Two backups within one second (a manual one beside the scheduled one): never overwrite.
  for (let n = 2; existsSync(file); n++) file = file.replace(/(-\d+)?\.db$/, `-${n}.db`);
  // VACUUM INTO accepts an empty file; creating it first gives it its mode before any data is written.
  closeSync(openSync(file, 'wx', FILE_MODE));
  sqlite.prepare('VACUUM INTO ?').run(file);
  chmodSync(file, FILE_MODE);
  const removed = applyRetention(options.dir, options.now, options.keep ?? DEFAULT_BACKUPS.keep, options.keepDays);
  return { file, bytes: statSync(file).size, removed };
}

/** Backup files in `dir`, newest first. */
export function listBackups(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => NAME.test(name))
    .sort()
    .reverse()
    .map((name) => join(dir, name));
}

/** Keeps the newest `keep` backups and, with `keepDays`, drops older ones beyond that age; never the newest. */
export function applyRetention(dir: string, now: Date, keep: number, keepDays?: number): string[] {
  const removed: string[] = [];
  listBackups(dir).forEach((file, index) => {
    const stamp = NAME.exec(basename(file))?.[1] ?? '';
    const takenAt = Date.parse(
      `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
    );
    const tooOld = keepDays !== undefined && now.getTime() - takenAt > keepDays * 86_400_000;
    if (index > 0 && (index >= keep || tooOld)) {
      rmSync(file, { force: true });
      removed.push(file);
    }
  });
  return removed;
}

/**
 * Puts a backup in place of the database at `dbPath`. groundcrew must be stopped. The current file (if any) is kept
 * beside it as `<db>.before-restore`; stale -wal/-shm files are removed so SQLite does not replay them.
 */
export function restoreBackup(file: string, dbPath: string): { previous: string | null } {
  const check = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const result = check.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new Error(`${file} failed the integrity check: ${String(result)}`);
  } finally {
    check.close();
  }
  mkdirSync(dirname(resolve(dbPath)), { recursive: true, mode: DIR_MODE });
  let previous: string | null = null;
  if (existsSync(dbPath)) {
    previous = `${dbPath}.before-restore`;
    copyFileSync(dbPath, previous);
    chmodSync(previous, FILE_MODE);
  }
  for (const suffix of ['-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });
  copyFileSync(file, dbPath);
  chmodSync(dbPath, FILE_MODE);
  return { previous };
}

export const BACKUP_JOB = 'ops.backup';

/** The scheduled backup job; register it once, next to the other jobs. */
export function registerBackupJob(
  scheduler: Scheduler,
  deps: { sqlite: Database.Database; dir: string; logger: Logger; config?: BackupsConfig },
): void {
  const config = { ...DEFAULT_BACKUPS, ...deps.config };
  scheduler.register({
    name: BACKUP_JOB,
    cron: config.cron,
    description: `back up the SQLite database to ${deps.dir} (keeps ${config.keep}${config.keepDays ? `, at most ${config.keepDays} days` : ''})`,
    run: ({ now }) => {
      const result = backupDatabase(deps.sqlite, {
        dir: deps.dir,
        now,
        keep: config.keep,
        ...(config.keepDays !== undefined ? { keepDays: config.keepDays } : {}),
      });
      deps.logger.info(`backup: wrote ${result.file} (${result.bytes} bytes), removed ${result.removed.length} old`);
    },
  });
}
