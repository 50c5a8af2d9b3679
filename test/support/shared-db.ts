import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../../src/db/client.js';
import type { Database, Dialect } from '../../src/db/database.js';
import { openPostgres } from '../../src/db/postgres.js';
import { createTestPostgres, NO_TEST_PG } from './test-db.js';

/**
 * One database that several handles open, as several replicas would: on SQLite one file opened by separate
 * connections, on PostgreSQL one test database reached through separate pools. For tests of what replicas claim
 * from each other (leases, scheduler ticks). Each test gets a fresh database.
 *
 * On SQLite, two handles in one process must not run transactions at the same time: the second one's BEGIN waits
 * synchronously (busy_timeout) and so blocks the event loop the first one needs to finish. Separate processes on
 * one file do not have that problem; PostgreSQL handles do not either.
 */
export interface SharedDatabase {
  readonly dialect: Dialect;
  /** Another handle on the same database (closed by `dispose`). */
  open(): Promise<Database>;
  dispose(): Promise<void>;
}

export interface SharedBackend {
  dialect: Dialect;
  /** Why the backend cannot run here (no GROUNDCREW_TEST_PG), for `describe.skipIf`. */
  skip: boolean;
  create(): Promise<SharedDatabase>;
}

async function sharedSqlite(): Promise<SharedDatabase> {
  const file = join(mkdtempSync(join(tmpdir(), 'groundcrew-shared-')), 'groundcrew.db');
  const handles: Database[] = [];
  return {
    dialect: 'sqlite',
    async open() {
      const handle = openDb(file, undefined, { backupDir: false });
      handles.push(handle);
      return handle;
    },
    async dispose() {
      for (const handle of handles.splice(0)) await handle.close();
    },
  };
}

async function sharedPostgres(): Promise<SharedDatabase> {
  const database = await createTestPostgres();
  const handles: Database[] = [];
  return {
    dialect: 'postgres',
    async open() {
      const handle = await openPostgres(database.url, { poolSize: 4 });
      handles.push(handle);
      return handle;
    },
    async dispose() {
      for (const handle of handles.splice(0)) await handle.close();
      await database.drop();
    },
  };
}

/** Both backends; PostgreSQL is skipped (and says so) without GROUNDCREW_TEST_PG. */
export const SHARED_BACKENDS: SharedBackend[] = [
  { dialect: 'sqlite', skip: false, create: sharedSqlite },
  { dialect: 'postgres', skip: NO_TEST_PG, create: sharedPostgres },
];
