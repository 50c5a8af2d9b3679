import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { parseDocument } from 'yaml';
import { type BackupsConfig, formatIssues, zBackupsConfig } from '../config.js';
import { backupDatabase, DEFAULT_BACKUPS, defaultBackupDir, listBackups, restoreBackup } from './backup.js';

/**
 * `npm run backup` — an online backup of the database (safe while groundcrew runs), with retention.
 * `npm run backup -- list` — the backups, newest first.
 * `npm run restore -- <file>` — puts a backup in place of the database; stop groundcrew first.
 * Reads GROUNDCREW_DB, GROUNDCREW_BACKUP_DIR and the `backups:` section of GROUNDCREW_CONFIG (and a .env).
 */
function fail(message: string): never {
  process.stderr.write(`groundcrew backup: ${message}\n`);
  process.exit(2);
}

function backupsSection(configPath: string): BackupsConfig {
  if (!existsSync(configPath)) return {};
  const doc = parseDocument(readFileSync(configPath, 'utf8'));
  const result = zBackupsConfig.optional().safeParse((doc.toJS() as { backups?: unknown } | null)?.backups);
  if (!result.success) fail(formatIssues(result.error.issues, ['backups']).join('; '));
  return result.data ?? {};
}

function main(argv: string[]): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = process.env;
  const dbPath = env.GROUNDCREW_DB?.trim() || './data/groundcrew.db';
  const config = backupsSection(env.GROUNDCREW_CONFIG?.trim() || './groundcrew.yml');
  const dir = env.GROUNDCREW_BACKUP_DIR?.trim() || config.dir || defaultBackupDir(dbPath);
  const [command = 'backup', arg] = argv;
  if (command === 'list') {
    for (const file of listBackups(dir)) process.stdout.write(`${file}\n`);
    return;
  }
  if (command === 'restore') {
    if (!arg) fail('name the backup file: npm run restore -- <file>');
    const { previous } = restoreBackup(arg, dbPath);
    process.stdout.write(
      `restored ${arg} to ${dbPath}${previous ? ` (the previous database is kept as ${previous})` : ''}\n`,
    );
    return;
  }
  if (command !== 'backup') fail(`unknown command "${command}" (backup, list, restore <file>)`);
  if (!existsSync(dbPath)) fail(`no database at ${dbPath} (set GROUNDCREW_DB)`);
  const sqlite = new Database(dbPath, { fileMustExist: true });
  try {
    sqlite.pragma('busy_timeout = 5000');
    const result = backupDatabase(sqlite, {
      dir,
      now: new Date(),
      keep: config.keep ?? DEFAULT_BACKUPS.keep,
      ...(config.keepDays !== undefined ? { keepDays: config.keepDays } : {}),
    });
    process.stdout.write(`backup written: ${result.file} (${result.bytes} bytes)\n`);
    for (const file of result.removed) process.stdout.write(`removed by retention: ${file}\n`);
  } finally {
    sqlite.close();
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  fail((error as Error).message);
}
