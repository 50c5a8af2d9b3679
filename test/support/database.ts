import type { Database } from '../../src/db/database.js';
import type { SqliteDatabase } from '../../src/db/sqlite.js';
import { eventually, gate } from './wait.js';

/** The SQLite backend under a test that needs it (its file, its connection, `waiting()`); throws on another one. */
export function sqliteOf(test: { database: Database }): SqliteDatabase {
  const { database } = test;
  if (database.dialect !== 'sqlite') {
    throw new Error('this test needs the SQLite backend: it reaches into the database file or its one connection');
  }
  return database as SqliteDatabase;
}

/**
 * Sends `requests` so that they meet in the database. On SQLite an open transaction holds its one connection until
 * every request waits for it, then all go on together and their reads and writes interleave. On PostgreSQL they
 * are simply sent at once: each has its own connection from the pool, and the server interleaves them. What stays
 * right then (one winner, one message) is decided by a transaction or a compare-and-set, not by the order handlers
 * happen to run in.
 */
export async function together<T>(test: { database: Database }, requests: (() => Promise<T>)[]): Promise<T[]> {
  if (test.database.dialect !== 'sqlite') return Promise.all(requests.map((request) => request()));
  const database = sqliteOf(test);
  const release = gate();
  const held = database.transaction(() => release.opened);
  const answers = Promise.all(requests.map((request) => request()));
  await eventually(() => database.waiting() === requests.length, { what: 'every request to reach the database' });
  release.open();
  await held;
  return answers;
}
