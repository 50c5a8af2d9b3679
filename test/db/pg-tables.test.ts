import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getTableColumns, is, SQL } from 'drizzle-orm';
import { PgDialect, type PgTable, getTableConfig as pgConfig } from 'drizzle-orm/pg-core';
import {
  blob,
  integer,
  getTableConfig as liteConfig,
  numeric,
  type SQLiteColumn,
  SQLiteTable,
  sqliteTable,
  text,
} from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as pgSchema from '../../src/db/pg-schema.js';
import { KNOWN_SQLITE_COLUMN_TYPES, pgTwin } from '../../src/db/pg-tables.js';
import { twin } from '../../src/db/twin.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every table declared in src/db/schema.ts and src/<capability>/schema.ts, found on disk (a new file included). */
async function declaredTables(): Promise<SQLiteTable[]> {
  const files = [join(SRC, 'db/schema.ts')];
  for (const entry of readdirSync(SRC, { withFileTypes: true })) {
    if (entry.isDirectory() && readdirSync(join(SRC, entry.name)).includes('schema.ts')) {
      if (entry.name !== 'db') files.push(join(SRC, entry.name, 'schema.ts'));
    }
  }
  const tables: SQLiteTable[] = [];
  for (const file of files) {
    const module = (await import(file)) as Record<string, unknown>;
    for (const value of Object.values(module)) if (is(value, SQLiteTable)) tables.push(value);
  }
  return tables;
}

const tables = await declaredTables();
const dialect = new PgDialect();
const render = (query: SQL) => dialect.sqlToQuery(query).sql;

/**
 * What each SQLite column type becomes. A column type missing here fails "every column type in use has an expected
 * twin": add the mapping to src/db/pg-tables.ts and its expectation here.
 */
const EXPECTED: Record<string, (column: SQLiteColumn) => string> = {
  SQLiteInteger: () => 'bigint',
  SQLiteTimestamp: () => 'timestamp (3) with time zone',
  SQLiteBoolean: () => 'boolean',
  SQLiteText: () => 'text',
  SQLiteTextJson: () => 'json',
  SQLiteReal: () => 'double precision',
};

describe('the PostgreSQL twin of every declared table', () => {
  it('finds the declared tables (guards the discovery above)', () => {
    expect(tables.length).toBeGreaterThanOrEqual(14);
    expect(tables.map((t) => liteConfig(t).name)).toContain('deploys');
  });

  it('every column type in use has an expected twin, and the mapping knows exactly those this test checks', () => {
    const inUse = new Set(tables.flatMap((t) => liteConfig(t).columns.map((c) => c.columnType)));
    for (const type of inUse) expect(Object.keys(EXPECTED), `no PostgreSQL twin expected for ${type}`).toContain(type);
    expect([...KNOWN_SQLITE_COLUMN_TYPES].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('pg-schema.ts (what drizzle-kit reads) exports the twin of every declared table, and nothing else', () => {
    const exported = Object.values(pgSchema);
    for (const table of tables) expect(exported, liteConfig(table).name).toContain(pgTwin(table));
    expect(exported).toHaveLength(tables.length);
  });

  it('is built once: the same table gives the same twin; on SQLite twin() is the declaration itself', () => {
    for (const table of tables) {
      expect(pgTwin(table)).toBe(pgTwin(table));
      expect(twin({ dialect: 'postgres' }, table)).toBe(pgTwin(table));
      expect(twin({ dialect: 'sqlite' }, table)).toBe(table);
    }
  });

  for (const table of tables) {
    const lite = liteConfig(table);
    describe(lite.name, () => {
      const pgTable = pgTwin(table) as unknown as PgTable;
      const pgc = pgConfig(pgTable);

      it('has the same columns under the same keys, with the expected types, nullability and defaults', () => {
        expect(pgc.name).toBe(lite.name);
        const liteColumns = getTableColumns(table);
        const pgColumns = getTableColumns(pgTable);
        expect(Object.keys(pgColumns)).toEqual(Object.keys(liteColumns));
        for (const [key, liteColumn] of Object.entries(liteColumns)) {
          const column = pgColumns[key]!;
          const where = `${lite.name}.${liteColumn.name}`;
          expect(column.name, where).toBe(liteColumn.name);
          expect(column.getSQLType(), where).toBe(EXPECTED[liteColumn.columnType]!(liteColumn as SQLiteColumn));
          expect(column.notNull, where).toBe(liteColumn.notNull);
          expect(column.primary, where).toBe(liteColumn.primary);
          expect(column.default, where).toEqual(liteColumn.default);
          expect(column.enumValues, where).toEqual(liteColumn.enumValues);
          // The rowid (a single integer primary key) is an identity column: omitted on insert, never reused.
          const rowid = liteColumn.primary && liteColumn.columnType === 'SQLiteInteger';
          expect(column.generatedIdentity?.type, where).toBe(rowid ? 'byDefault' : undefined);
        }
      });

      it('has the same indexes (unique, columns, partial condition), keys and foreign keys', () => {
        const indexes = (list: typeof lite.indexes | typeof pgc.indexes) =>
          list.map((i) => ({
            name: i.config.name,
            unique: i.config.unique,
            columns: i.config.columns.map((c) => (is(c, SQL) ? render(c) : (c as { name: string }).name)),
            where: i.config.where ? render(i.config.where) : undefined,
          }));
        expect(indexes(pgc.indexes)).toEqual(indexes(lite.indexes));
        expect(pgc.primaryKeys.map((k) => [k.getName(), k.columns.map((c) => c.name)])).toEqual(
          lite.primaryKeys.map((k) => [k.getName(), k.columns.map((c) => c.name)]),
        );
        expect(pgc.uniqueConstraints.map((u) => [u.getName(), u.columns.map((c) => c.name)])).toEqual(
          lite.uniqueConstraints.map((u) => [u.getName(), u.columns.map((c) => c.name)]),
        );
        const fks = (list: typeof lite.foreignKeys | typeof pgc.foreignKeys) =>
          list.map((fk) => {
            const ref = fk.reference();
            return {
              name: fk.getName(),
              columns: ref.columns.map((c) => c.name),
              foreignColumns: ref.foreignColumns.map((c) => `${c.table === ref.foreignTable}:${c.name}`),
              onDelete: fk.onDelete ?? 'no action',
              onUpdate: fk.onUpdate ?? 'no action',
            };
          });
        expect(fks(pgc.foreignKeys)).toEqual(fks(lite.foreignKeys));
        for (const fk of pgc.foreignKeys) expect(pgConfig(fk.reference().foreignTable).name).toBeDefined();
      });

      it('keeps every name PostgreSQL would otherwise truncate (63 bytes)', () => {
        const names = [
          pgc.name,
          ...pgc.columns.map((c) => c.name),
          ...pgc.indexes.map((i) => i.config.name ?? ''),
          ...pgc.foreignKeys.map((f) => f.getName()),
          ...pgc.primaryKeys.map((k) => k.getName()),
          ...pgc.uniqueConstraints.map((u) => u.getName() ?? ''),
        ];
        for (const name of names) expect(Buffer.byteLength(name), name).toBeLessThanOrEqual(63);
      });
    });
  }
});

describe('what the schema relies on, spelled out', () => {
  it('one deploy in flight per service and environment: a unique partial index on both backends', () => {
    const index = pgConfig(pgSchema.deploys).indexes.find((i) => i.config.name === 'deploys_one_in_flight_idx')!;
    expect(index.config.unique).toBe(true);
    expect(index.config.columns.map((c) => (c as { name: string }).name)).toEqual(['service', 'environment']);
    expect(render(index.config.where!)).toBe(
      "status in ('requested', 'awaiting_approval', 'approved', 'starting', 'running')",
    );
  });

  it('a decision is deleted with its approval (on delete cascade), and counted once per person (unique)', () => {
    const config = pgConfig(pgSchema.approvalDecisions);
    expect(config.foreignKeys.map((fk) => [fk.getName(), fk.onDelete])).toEqual([
      ['approval_decisions_approval_id_approvals_id_fk', 'cascade'],
    ]);
    expect(config.foreignKeys[0]!.reference().foreignTable).toBe(pgSchema.approvals);
    expect(config.indexes.find((i) => i.config.name === 'approval_decisions_approval_user_idx')?.config.unique).toBe(
      true,
    );
  });
});

describe('pgTwin refuses what it cannot translate faithfully', () => {
  it('names the table and column of an unknown column type', () => {
    const withBlob = sqliteTable('with_blob', { id: integer('id').primaryKey(), data: blob('data') });
    expect(() => pgTwin(withBlob)).toThrow(/with_blob\.data: no PostgreSQL twin for the column type SQLiteBlob/);
    const withNumeric = sqliteTable('with_numeric', { amount: numeric('amount') });
    expect(() => pgTwin(withNumeric)).toThrow(/with_numeric\.amount/);
  });

  it('refuses seconds timestamps and SQL defaults (their SQLite meaning has no twin)', () => {
    const seconds = sqliteTable('seconds', { at: integer('at', { mode: 'timestamp' }) });
    expect(() => pgTwin(seconds)).toThrow(/seconds\.at: only timestamp_ms/);
    const sqlDefault = sqliteTable('sql_default', {
      at: integer('at', { mode: 'timestamp_ms' }).defaultNow(),
    });
    expect(() => pgTwin(sqlDefault)).toThrow(/sql_default\.at: an SQL default/);
  });

  it('is only for sqlite-core tables', () => {
    expect(() => pgTwin({ not: 'a table' })).toThrow(/sqlite-core/);
  });

  it('carries composite primary keys, unique constraints, boolean, real and plain defaults', async () => {
    const { primaryKey, unique, real } = await import('drizzle-orm/sqlite-core');
    const parent = sqliteTable('parent', { id: integer('id').primaryKey({ autoIncrement: true }) });
    const child = sqliteTable(
      'child',
      {
        parentId: integer('parent_id')
          .notNull()
          .references(() => parent.id, { onDelete: 'set null', onUpdate: 'cascade' }),
        slot: text('slot').notNull(),
        done: integer('done', { mode: 'boolean' }).notNull().default(false),
        weight: real('weight').default(1.5),
        code: text('code').unique(),
      },
      (t) => [primaryKey({ columns: [t.parentId, t.slot] }), unique('child_weight_code_uq').on(t.weight, t.code)],
    );
    const c = pgConfig(pgTwin(child) as unknown as PgTable);
    expect(c.primaryKeys.map((k) => [k.getName(), k.columns.map((col) => col.name)])).toEqual([
      ['child_parent_id_slot_pk', ['parent_id', 'slot']],
    ]);
    expect(c.uniqueConstraints.map((u) => u.getName())).toEqual(['child_weight_code_uq']);
    const byName = Object.fromEntries(c.columns.map((col) => [col.name, col]));
    expect(byName.done!.getSQLType()).toBe('boolean');
    expect(byName.done!.default).toBe(false);
    expect(byName.weight!.getSQLType()).toBe('double precision');
    expect(byName.code!.isUnique).toBe(true);
    expect(byName.code!.uniqueName).toBe('child_code_unique');
    // A composite key is not an identity: only the rowid is.
    expect(byName.parent_id!.generatedIdentity).toBeUndefined();
    expect(c.foreignKeys.map((fk) => [fk.onDelete, fk.onUpdate])).toEqual([['set null', 'cascade']]);
  });
});
