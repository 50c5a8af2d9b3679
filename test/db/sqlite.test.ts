import Sqlite from 'better-sqlite3';
import { count, eq } from 'drizzle-orm';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { afterEach, describe, expect, it } from 'vitest';
import { inTransaction, orm } from '../../src/db/scope.js';
import { createSqliteDatabase, type SqliteDatabase } from '../../src/db/sqlite.js';
import { WriteFailedError } from '../../src/db/write.js';
import { eventually, gate } from '../support/wait.js';

const notes = sqliteTable('notes', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  body: text('body').notNull(),
});

const opened: SqliteDatabase[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
});

function open(options: { cacheSize?: number } = {}): SqliteDatabase {
  const sqlite = new Sqlite(':memory:');
  sqlite.exec('create table notes (id integer primary key autoincrement, body text not null)');
  sqlite.exec('create table health_probe (id integer primary key, checked_at integer not null)');
  const db = createSqliteDatabase(sqlite, {
    ...(options.cacheSize !== undefined ? { statementCacheSize: options.cacheSize } : {}),
  });
  opened.push(db);
  return db;
}

const bodies = async (db: SqliteDatabase) =>
  (await db.orm.select({ body: notes.body }).from(notes).orderBy(notes.id)).map((r) => r.body);

describe('the SQLite Database: queries', () => {
  it('answers every shape drizzle asks for: rows, one row, values, counts, returning', async () => {
    const db = open();
    const inserted = await db.orm.insert(notes).values({ body: 'a' }).returning();
    expect(inserted).toEqual([{ id: 1, body: 'a' }]);
    await db.orm.insert(notes).values([{ body: 'b' }, { body: 'c' }]);
    expect(await bodies(db)).toEqual(['a', 'b', 'c']);
    expect((await db.orm.select().from(notes).where(eq(notes.id, 2)).limit(1))[0]).toEqual({ id: 2, body: 'b' });
    expect(await db.orm.select().from(notes).where(eq(notes.id, 9)).limit(1)).toEqual([]);
    expect(await db.orm.select({ n: count() }).from(notes)).toEqual([{ n: 3 }]);
    const changed = await db.orm.update(notes).set({ body: 'x' }).returning({ id: notes.id });
    expect(changed).toHaveLength(3);
    expect(await db.orm.delete(notes).where(eq(notes.id, 1)).returning({ id: notes.id })).toEqual([{ id: 1 }]);
  });

  it('keeps working when its statement cache is full (least recently used statements are dropped)', async () => {
    const db = open({ cacheSize: 2 });
    for (let i = 0; i < 5; i++) {
      await db.orm.insert(notes).values({ body: `n${i}` });
      await db.orm
        .select()
        .from(notes)
        .where(eq(notes.id, i + 1));
      await db.orm.select({ n: count() }).from(notes);
    }
    expect(await bodies(db)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
  });

  it("throws the driver's own error (its code, no statement parameters in the message)", async () => {
    const db = open();
    await db.orm.insert(notes).values({ id: 1, body: 'private words' });
    const error = await db.orm
      .insert(notes)
      .values({ id: 1, body: 'private words' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect((error as Error).message).not.toContain('private words');
  });

  it('turns a write the database cannot store into a WriteFailedError (found through the wrapping error)', async () => {
    const db = open();
    await db.orm.insert(notes).values({ body: 'first' });
    // The file may not grow: the next page it needs is refused with SQLITE_FULL.
    const pages = db.sqlite.pragma('page_count', { simple: true }) as number;
    db.sqlite.pragma(`max_page_count = ${pages}`);
    const big = 'x'.repeat(64 * 1024);
    const failed = await inTransaction(db, () => orm(db).insert(notes).values({ body: big })).catch((e) => e);
    expect(failed).toBeInstanceOf(WriteFailedError);
    expect((failed as WriteFailedError).cause).toMatchObject({ code: 'SQLITE_FULL' });
    expect(db.sqlite.inTransaction).toBe(false);
    expect(await bodies(db)).toEqual(['first']);
  });
});

describe('the SQLite Database: transactions on its one connection', () => {
  it('commits every write of a transaction, or none when it throws', async () => {
    const db = open();
    await db.transaction(async (tx) => {
      await tx.insert(notes).values({ body: 'kept 1' });
      await tx.insert(notes).values({ body: 'kept 2' });
    });
    const boom = new Error('boom');
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(notes).values({ body: 'lost 1' });
        await tx.insert(notes).values({ body: 'lost 2' });
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await bodies(db)).toEqual(['kept 1', 'kept 2']);
    expect(db.sqlite.inTransaction).toBe(false);
  });

  it('a write from outside an open transaction waits for it, and is not rolled back with it', async () => {
    const db = open();
    const inside = gate();
    const release = gate();
    const rolledBack = db
      .transaction(async (tx) => {
        await tx.insert(notes).values({ body: 'in the transaction' });
        inside.open();
        await release.opened;
        throw new Error('changed my mind');
      })
      .catch((e: Error) => e.message);
    await inside.opened;
    // Another handler writes while the transaction is open: it must neither join nor be lost.
    let outsideDone = false;
    const outside = db.orm
      .insert(notes)
      .values({ body: 'from outside' })
      .then(() => {
        outsideDone = true;
      });
    // It is waiting (the transaction holds the connection), not written into the transaction.
    await eventually(() => db.waiting() === 1, { what: 'the outside write to wait' });
    expect(outsideDone).toBe(false);
    expect(db.sqlite.prepare('select count(*) as n from notes').get()).toEqual({ n: 1 });
    release.open();
    expect(await rolledBack).toBe('changed my mind');
    await outside;
    expect(await bodies(db)).toEqual(['from outside']);
  });

  it('a read from outside sees no uncommitted row (it waits for the transaction, which then rolls back)', async () => {
    const db = open();
    const inside = gate();
    const release = gate();
    const tx = db
      .transaction(async (t) => {
        await t.insert(notes).values({ body: 'uncommitted' });
        inside.open();
        await release.opened;
        throw new Error('rolled back');
      })
      .catch(() => {});
    await inside.opened;
    const read = bodies(db);
    await eventually(() => db.waiting() === 1, { what: 'the read to wait' });
    release.open();
    await tx;
    expect(await read).toEqual([]);
  });

  it('two concurrent transactions take turns: each reads and writes with no other in between', async () => {
    const db = open();
    await db.orm.insert(notes).values({ body: '0' });
    const order: string[] = [];
    const hold = gate();
    // Read, wait, write: interleaved, all three would read 0 and two increments would be lost.
    const increment = (name: string) =>
      db.transaction(async (tx) => {
        order.push(`${name} begins`);
        const [row] = await tx.select().from(notes).where(eq(notes.id, 1)).limit(1);
        await hold.opened;
        await tx
          .update(notes)
          .set({ body: String(Number(row!.body) + 1) })
          .where(eq(notes.id, 1));
        order.push(`${name} ends`);
      });
    const all = Promise.all([increment('a'), increment('b'), increment('c')]);
    await eventually(() => order.length === 1 && db.waiting() === 2, { what: 'b and c to wait for a' });
    hold.open();
    await all;
    expect(await bodies(db)).toEqual(['3']);
    expect(order).toEqual(['a begins', 'a ends', 'b begins', 'b ends', 'c begins', 'c ends']);
  });

  it('a transaction opened inside one joins it (through inTransaction and orm(db))', async () => {
    const db = open();
    await expect(
      inTransaction(db, async () => {
        await orm(db).insert(notes).values({ body: 'outer' });
        await inTransaction(db, async () => {
          await orm(db).insert(notes).values({ body: 'inner' });
        });
        throw new Error('abort all');
      }),
    ).rejects.toThrow('abort all');
    expect(await bodies(db)).toEqual([]);
    await inTransaction(db, async () => {
      await orm(db).insert(notes).values({ body: 'outer' });
      await db.transaction((tx) => tx.insert(notes).values({ body: 'inner' }));
    });
    expect(await bodies(db)).toEqual(['outer', 'inner']);
  });

  it('ping waits for an open transaction, so its write is not rolled back with it', async () => {
    const db = open();
    const inside = gate();
    const release = gate();
    const tx = db
      .transaction(async (t) => {
        await t.insert(notes).values({ body: 'x' });
        inside.open();
        await release.opened;
        throw new Error('rolled back');
      })
      .catch(() => {});
    await inside.opened;
    const ping = db.ping();
    release.open();
    await tx;
    expect(await ping).toBe(true);
    expect(db.sqlite.prepare('select count(*) as n from health_probe').get()).toEqual({ n: 1 });
  });
});
