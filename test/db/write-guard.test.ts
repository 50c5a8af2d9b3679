import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { integer, sqliteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import { createSqliteDatabase } from '../../src/db/sqlite.js';
import { returningOne, WriteFailedError, write, writtenRow } from '../../src/db/write.js';

const SRC = join(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('writes go through src/db/write.ts', () => {
  it('no `.returning()…get()` in src: better-sqlite3 would return the row although the COMMIT failed', () => {
    const offenders = sourceFiles(SRC)
      .filter((file) => /\.returning\(\)\s*\.get\(/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file));
    expect(offenders).toEqual([]);
  });

  it('the guard sees the pattern across lines', () => {
    expect(/\.returning\(\)\s*\.get\(/.test('db.insert(t)\n  .values(v)\n  .returning()\n  .get()')).toBe(true);
  });
});

describe('write helpers', () => {
  const t = sqliteTable('t', { id: integer('id').primaryKey({ autoIncrement: true }), n: integer('n').notNull() });
  const open = () => {
    const sqlite = new Database(':memory:');
    sqlite.exec('create table t (id integer primary key autoincrement, n integer not null)');
    return createSqliteDatabase(sqlite);
  };

  it('returns the written row, or undefined when no row matched', async () => {
    const { orm } = open();
    expect(await writtenRow(orm.insert(t).values({ n: 1 }).returning())).toEqual({ id: 1, n: 1 });
    expect(await returningOne(orm.update(t).set({ n: 2 }).returning())).toEqual({ id: 1, n: 2 });
    expect(await returningOne(orm.update(t).set({ n: 3 }).where(undefined).returning())).toEqual({ id: 1, n: 3 });
    expect(await returningOne(orm.update(t).set({ n: 4 }).where(eq(t.id, 7)).returning())).toBeUndefined();
  });

  it('turns a storage failure into a WriteFailedError the person is shown; other errors pass through', async () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    await expect(write(() => Promise.reject(full))).rejects.toThrow(WriteFailedError);
    // Also when a wrapper (drizzle's DrizzleQueryError) carries it as its cause.
    const wrapped = new Error('Failed query', { cause: full });
    await expect(write(() => Promise.reject(wrapped))).rejects.toThrow(WriteFailedError);
    const constraint = Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
    await expect(write(() => Promise.reject(constraint))).rejects.toBe(constraint);
  });
});
