import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTeamConfig } from '../../src/config.js';
import { MIGRATIONS_FOLDER, openDb, pendingMigrations } from '../../src/db/client.js';
import { applyRetention, BACKUP_JOB, backupFileName, listBackups, registerBackupJob } from '../../src/ops/backup.js';
import { sqliteOf } from '../support/database.js';
import { ENGINEER, startTestApp, type TestApp } from '../support/harness.js';
import { reactionAdded } from '../support/payloads.js';
import { SKIP_ON_POSTGRES, sqliteOnly } from '../support/test-db.js';
import { eventually } from '../support/wait.js';
import { ROOT, tempDir } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const mode = (path: string) => statSync(path).mode & 0o777;

/** Runs `npm run backup`'s script (node --import tsx src/ops/backup-cli.ts) as a real process. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/ops/backup-cli.ts'), ...args],
    {
      cwd: tempDir(),
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

const eventIds = (path: string): string[] => {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('select event_id from event_inbox order by event_id').all() as { event_id: string }[]).map(
      (r) => r.event_id,
    );
  } finally {
    db.close();
  }
};

// SQLite only: npm run backup / restore and the ops.backup job copy the SQLite file; on PostgreSQL backups are
// pg_dump's job (docs/postgresql.md, "Backups and restore").
describe.skipIf(SKIP_ON_POSTGRES)(
  sqliteOnly('backups', "on PostgreSQL backups are pg_dump's job (docs/postgresql.md, Backups and restore)"),
  () => {
    it('npm run backup copies the live database online; after the file is lost, npm run restore brings the rows back', async () => {
      const dir = tempDir();
      const dbPath = join(dir, 'data', 'gc.db');
      const backups = join(dir, 'backups');
      app = await startTestApp({ sqliteFile: dbPath });
      for (const eventId of ['Ev0BACKUP1', 'Ev0BACKUP2']) {
        await app.event(reactionAdded(ENGINEER), { eventId });
      }
      // An event is marked processed once its listeners have finished.
      await eventually(() => eventIds(dbPath).length === 2, { what: 'both events marked processed' });
      expect(eventIds(dbPath)).toEqual(['Ev0BACKUP1', 'Ev0BACKUP2']);
      // The database and its WAL files are the owner's only.
      for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) expect(mode(file), file).toBe(0o600);

      const env = { GROUNDCREW_DB: dbPath, GROUNDCREW_BACKUP_DIR: backups };
      const backup = await cli([], env);
      expect(backup.output).toContain('backup written');
      expect(backup.code).toBe(0);
      const [file] = listBackups(backups);
      expect(basename(file!)).toMatch(/^groundcrew-\d{8}T\d{6}Z\.db$/);
      expect(mode(file!)).toBe(0o600);
      expect(mode(backups)).toBe(0o700);

      // A row written after the backup is not in it; the database is then lost.
      await app.event(reactionAdded(ENGINEER), { eventId: 'Ev0BACKUP3' });
      await eventually(() => eventIds(dbPath).length === 3, { what: 'the third event marked processed' });
      await app.stop();
      app = undefined;
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });
      writeFileSync(dbPath, 'not a database');

      const restore = await cli(['restore', file!], env);
      expect(restore.output).toContain(`restored ${file} to ${dbPath}`);
      expect(restore.code).toBe(0);
      expect(readFileSync(`${dbPath}.before-restore`, 'utf8')).toBe('not a database');
      expect(mode(dbPath)).toBe(0o600);
      expect(eventIds(dbPath)).toEqual(['Ev0BACKUP1', 'Ev0BACKUP2']);
      // And groundcrew starts on the restored file.
      app = await startTestApp({ sqliteFile: dbPath });
      expect(await app.database.ping()).toBe(true);
    }, 90_000);

    it('restore refuses a file that is not a healthy SQLite database and leaves the database alone', async () => {
      const dir = tempDir();
      const dbPath = join(dir, 'gc.db');
      await openDb(dbPath).close();
      const bad = join(dir, 'groundcrew-20261130T000000Z.db');
      writeFileSync(bad, 'garbage');
      const restore = await cli(['restore', bad], { GROUNDCREW_DB: dbPath });
      expect(restore.code).toBe(2);
      expect(restore.output).toMatch(/groundcrew backup: .*(not a database|file is not)/i);
      expect(pendingMigrations(new Database(dbPath, { readonly: true }))).toEqual([]);
    }, 20_000);

    it('the scheduled job backs up and keeps only the newest N', async () => {
      const dir = tempDir();
      const dbPath = join(dir, 'gc.db');
      const backups = join(dir, 'backups');
      app = await startTestApp({ sqliteFile: dbPath });
      const { scheduler, logger } = app.groundcrew.services;
      registerBackupJob(scheduler, { sqlite: sqliteOf(app).sqlite, dir: backups, logger, config: { keep: 2 } });
      for (const at of ['2026-11-20T02:30:00Z', '2026-11-21T02:30:00Z', '2026-11-22T02:30:00Z']) {
        app.clock.set(new Date(at));
        expect((await scheduler.runNow(BACKUP_JOB)).outcome).toBe('ok');
      }
      expect(listBackups(backups).map((f) => basename(f))).toEqual([
        'groundcrew-20261122T023000Z.db',
        'groundcrew-20261121T023000Z.db',
      ]);
    });

    it('retention by age keeps the newest backup even when every backup is older', () => {
      const dir = tempDir();
      for (const day of [1, 2, 3, 10]) {
        writeFileSync(join(dir, backupFileName(new Date(Date.UTC(2026, 10, day, 2, 30)))), '');
      }
      writeFileSync(join(dir, 'notes.txt'), 'not a backup');
      const removed = applyRetention(dir, new Date('2026-11-12T00:00:00Z'), 14, 5);
      expect(removed.map((f) => basename(f)).sort()).toEqual([
        'groundcrew-20261101T023000Z.db',
        'groundcrew-20261102T023000Z.db',
        'groundcrew-20261103T023000Z.db',
      ]);
      applyRetention(dir, new Date('2027-01-01T00:00:00Z'), 14, 5);
      expect(listBackups(dir).map((f) => basename(f))).toEqual(['groundcrew-20261110T023000Z.db']);
      expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
    });
  },
);

describe.skipIf(SKIP_ON_POSTGRES)(
  sqliteOnly(
    'a start that applies new migrations',
    "on PostgreSQL backups are pg_dump's job (docs/postgresql.md, Backups and restore)",
  ),
  () => {
    it('backs the database up first (and only then)', async () => {
      const dir = tempDir();
      const dbPath = join(dir, 'gc.db');
      const backups = join(dir, 'backups');
      // The previous release: every migration but the last.
      const older = join(dir, 'migrations-old');
      cpSync(MIGRATIONS_FOLDER, older, { recursive: true });
      const journalPath = join(older, 'meta/_journal.json');
      const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
      const last = journal.entries.pop()!;
      writeFileSync(journalPath, JSON.stringify(journal));

      // A fresh database gets no backup.
      await openDb(dbPath, older, { backupDir: backups }).close();
      expect(listBackups(backups)).toEqual([]);

      const announced: string[][] = [];
      const handle = openDb(dbPath, MIGRATIONS_FOLDER, {
        backupDir: backups,
        now: () => new Date('2026-11-30T21:00:00Z'),
        onBackup: (_file, pending) => announced.push(pending),
      });
      expect(pendingMigrations(handle.sqlite)).toEqual([]);
      await handle.close();
      expect(announced).toEqual([[last.tag]]);
      const [file] = listBackups(backups);
      expect(basename(file!)).toBe('groundcrew-20261130T210000Z-pre-migration.db');
      expect(mode(file!)).toBe(0o600);
      // The copy is the database as it was: the new migration is still pending in it.
      expect(pendingMigrations(new Database(file!, { readonly: true }))).toEqual([last.tag]);

      // Nothing new to apply: no further backup.
      await openDb(dbPath, MIGRATIONS_FOLDER, { backupDir: backups }).close();
      expect(listBackups(backups)).toHaveLength(1);
    });
  },
);

describe('the backups: section of groundcrew.yml', () => {
  it('is checked like the rest of the file', () => {
    const base = 'timezone: UTC\nadmins: [U0ADMIN01]\nplatformTeam: [U0PLAT001]\n';
    expect(
      parseTeamConfig(`${base}backups:\n  dir: /srv/backups\n  cron: "0 3 * * *"\n  keep: 7\n  keepDays: 30\n`).backups,
    ).toEqual({
      dir: '/srv/backups',
      cron: '0 3 * * *',
      keep: 7,
      keepDays: 30,
    });
    expect(() => parseTeamConfig(`${base}backups:\n  cron: nightly\n  keep: 0\n  keeep: 3\n`)).toThrow(
      expect.objectContaining({
        problems: [
          'groundcrew.yml: backups.cron: expected a cron expression like "30 2 * * *"',
          'groundcrew.yml: backups.keep: Too small: expected number to be >=1',
          'groundcrew.yml: backups: unknown key(s) "keeep" (did you mean "keep"?)',
        ],
      }),
    );
  });
});
