import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { onTestFinished } from 'vitest';
import { openDb } from '../../src/db/client.js';
import type { Database, Dialect } from '../../src/db/database.js';
import { openPostgres } from '../../src/db/postgres.js';
import { createTestPostgres, testBackend } from './test-db.js';

/**
 * A database that outlives the app: for tests that stop (or "crash") the app and start it again on the same rows.
 * It is on the backend GROUNDCREW_TEST_BACKEND names, like every database the harness opens: a SQLite file in a
 * temporary directory, or a PostgreSQL test database (test-db.ts). Pass it to every start
 * (`startTestApp({ database: db })`); each start opens its own connection to it, as a restarted process would.
 *
 * Created inside a test, it is dropped when that test finishes (after its afterEach hooks have stopped the apps).
 */
export interface PersistentDb {
  readonly dialect: Dialect;
  /** GROUNDCREW_DB for it: the SQLite file's path, or the PostgreSQL database's URL. */
  readonly url: string;
  /**
   * Runs `fn` with a handle of its own on the database (closed after), for reading or rewinding rows while no app
   * runs on it: use drizzle with `twin(db, table)` (src/db/twin.ts), which reads and writes the same on both.
   */
  use<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  /** Runs SQL text that means the same on both backends (plain deletes and updates; `;` between statements). */
  exec(text: string): Promise<void>;
  drop(): Promise<void>;
}

export async function persistentDb(): Promise<PersistentDb> {
  const db = testBackend() === 'postgres' ? await persistentPostgres() : persistentSqlite();
  onTestFinished(() => db.drop());
  return db;
}

function persistentSqlite(): PersistentDb {
  const file = join(mkdtempSync(join(tmpdir(), 'groundcrew-persistent-')), 'groundcrew.db');
  return {
    dialect: 'sqlite',
    url: file,
    async use(fn) {
      const db = openDb(file, undefined, { backupDir: false });
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    },
    async exec(text) {
      await this.use(async (db) => {
        db.sqlite!.exec(text);
      });
    },
    async drop() {
      rmSync(dirname(file), { recursive: true, force: true });
    },
  };
}

async function persistentPostgres(): Promise<PersistentDb> {
  const database = await createTestPostgres();
  return {
    dialect: 'postgres',
    url: database.url,
    async use(fn) {
      const db = await openPostgres(database.url, { poolSize: 1 });
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    },
    async exec(text) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query(text);
      } finally {
        await client.end();
      }
    },
    drop: () => database.drop(),
  };
}
