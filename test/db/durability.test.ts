import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/client.js';
import type { SqliteDatabase } from '../../src/db/sqlite.js';

let dir: string | undefined;
let handle: SqliteDatabase | undefined;
afterEach(async () => {
  await handle?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  handle = undefined;
  dir = undefined;
});

describe('the database file', () => {
  it('is WAL with synchronous=NORMAL: a commit is durable across a process crash without an fsync each', () => {
    dir = mkdtempSync(join(tmpdir(), 'groundcrew-db-'));
    handle = openDb(join(dir, 'groundcrew.db'), undefined, { backupDir: false });
    expect(handle.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(handle.sqlite.pragma('synchronous', { simple: true })).toBe(1);
  });

  it('answers /healthz with a write, at most once per probe interval', async () => {
    dir = mkdtempSync(join(tmpdir(), 'groundcrew-db-'));
    handle = openDb(join(dir, 'groundcrew.db'), undefined, { backupDir: false, healthProbeEveryMs: 60_000 });
    const changes = () => handle!.sqlite.prepare('select total_changes() as n').get() as { n: number };
    const before = changes().n;
    expect(await handle.ping()).toBe(true);
    expect(await handle.ping()).toBe(true);
    expect(changes().n - before).toBe(1);
    expect(handle.sqlite.prepare('select count(*) as n from health_probe').get()).toEqual({ n: 1 });
  });

  it('gives every table with a numeric id AUTOINCREMENT, so an id is never given twice', () => {
    handle = openDb(':memory:');
    const singleRow = ['health_probe', 'deploy_freeze_sweeps'];
    const tables = handle.sqlite
      .prepare("select name, sql from sqlite_master where type = 'table' and sql like '%`id` integer PRIMARY KEY%'")
      .all() as { name: string; sql: string }[];
    expect(tables.length).toBeGreaterThan(5);
    const without = tables.filter((t) => !singleRow.includes(t.name) && !/AUTOINCREMENT/.test(t.sql));
    expect(without.map((t) => t.name)).toEqual([]);
  });
});
