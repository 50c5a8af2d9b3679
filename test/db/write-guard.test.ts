import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { integer, sqliteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import { createSqliteDatabase } from '../../src/db/sqlite.js';
import {
  isWriteRefusal,
  returningOne,
  uniqueViolation,
  WriteFailedError,
  write,
  writtenRow,
} from '../../src/db/write.js';

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

/**
 * The data layer outside src/db is the async Database (docs/architecture.md, "Data layer"): queries are awaited
 * (an array of rows), never run with the synchronous driver's `.get()`, `.all()`, `.run()`, `.prepare()` or
 * `.changes`, which PostgreSQL's builder does not have; and nothing outside src/db opens drizzle's better-sqlite3
 * driver. `.returning().get()` was the original reason: better-sqlite3 returned the row although the COMMIT failed.
 */
const FORBIDDEN: { what: string; pattern: RegExp }[] = [
  { what: '.get() / .all() / .run() on a query', pattern: /\.(get|all|run)\(\s*\)/ },
  { what: '.prepare()', pattern: /\.prepare\(/ },
  // A driver result's `.changes` read off the call (a domain object may have a `changes` field of its own).
  { what: '.changes of a statement', pattern: /\)\s*\.changes\b/ },
  { what: "drizzle's better-sqlite3 driver", pattern: /from ['"]drizzle-orm\/better-sqlite3/ },
];

/** SQLite-only operations on the raw connection, not queries: the online backup (`VACUUM INTO ?`). */
const RAW_SQLITE = new Set(['ops/backup.ts']);

describe('the data layer outside src/db is the async Database', () => {
  const files = sourceFiles(SRC)
    .map((file) => ({ path: relative(SRC, file), text: readFileSync(file, 'utf8') }))
    .filter((file) => !file.path.startsWith('db/'));

  for (const { what, pattern } of FORBIDDEN) {
    it(`no ${what} in src outside src/db`, () => {
      const offenders = files
        .filter((file) => !(RAW_SQLITE.has(file.path) && what === '.prepare()'))
        .filter((file) => pattern.test(file.text))
        .map((file) => file.path);
      expect(offenders).toEqual([]);
    });
  }

  it('the guards see what they are for, across lines', () => {
    const sync = 'db.insert(t)\n  .values(v)\n  .returning()\n  .get()';
    expect(FORBIDDEN[0]!.pattern.test(sync)).toBe(true);
    expect(FORBIDDEN[0]!.pattern.test('db.select().from(t).all( )')).toBe(true);
    expect(FORBIDDEN[0]!.pattern.test("headers.get('x')")).toBe(false);
    expect(FORBIDDEN[1]!.pattern.test('db.select().from(t)\n  .prepare()')).toBe(true);
    expect(FORBIDDEN[2]!.pattern.test('db.delete(t).run().changes')).toBe(true);
    expect(FORBIDDEN[3]!.pattern.test("import { drizzle } from 'drizzle-orm/better-sqlite3';")).toBe(true);
  });
});

describe('write helpers', () => {
  const t = sqliteTable('t', { id: integer('id').primaryKey({ autoIncrement: true }), n: integer('n').notNull() });
  const open = () => {
    const sqlite = new Database(':memory:');
    sqlite.exec('create table t (id integer primary key autoincrement, n integer not null)');
    return Object.assign(createSqliteDatabase(sqlite), { sqlite });
  };

  it('returns the written row, or undefined when no row matched', async () => {
    const { orm } = open();
    expect(await writtenRow(orm.insert(t).values({ n: 1 }).returning())).toEqual({ id: 1, n: 1 });
    expect(await returningOne(orm.update(t).set({ n: 2 }).returning())).toEqual({ id: 1, n: 2 });
    expect(await returningOne(orm.update(t).set({ n: 3 }).where(undefined).returning())).toEqual({ id: 1, n: 3 });
    expect(await returningOne(orm.update(t).set({ n: 4 }).where(eq(t.id, 7)).returning())).toBeUndefined();
  });

  it('names the unique key that refused a write, on either backend', async () => {
    const { orm, sqlite } = open();
    sqlite.exec('create unique index t_n_idx on t (n)');
    await orm.insert(t).values({ n: 1 });
    const refused = await orm
      .insert(t)
      .values({ n: 1 })
      .catch((e: unknown) => e);
    expect(uniqueViolation(refused)).toEqual({ index: undefined, columns: ['t.n'] });
    // node-postgres' error for SQLSTATE 23505 carries the index name; drizzle may wrap it.
    const pg = Object.assign(new Error('duplicate key value violates unique constraint "t_n_idx"'), {
      code: '23505',
      constraint: 't_n_idx',
    });
    expect(uniqueViolation(new Error('Failed query', { cause: pg }))).toEqual({ index: 't_n_idx', columns: [] });
    expect(uniqueViolation(new Error('no'))).toBeNull();
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

  it('isWriteRefusal: a storage failure (wrapped or not) or a WriteFailedError; not a statement that is wrong', () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    expect(isWriteRefusal(full)).toBe(true);
    expect(isWriteRefusal(new Error('Failed query', { cause: full }))).toBe(true);
    expect(isWriteRefusal(new WriteFailedError(full))).toBe(true);
    // Already a WriteFailedError, whatever its cause says (it was judged a refused write where it was thrown).
    expect(isWriteRefusal(new WriteFailedError(new Error('lost the race')))).toBe(true);
    const constraint = Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect(isWriteRefusal(constraint)).toBe(false);
    expect(isWriteRefusal(new Error('boom'))).toBe(false);
  });
});
