import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import {
  ensureTemplate,
  newRunId,
  quoteIdent,
  runStartedAt,
  testBackend,
  testDbPrefix,
  testPostgresServer,
  withAdmin,
} from './test-db.js';

/** Databases of a run that started this long ago were left by a run that was killed: dropped at the next start. */
const LEFTOVER_AFTER_MS = 6 * 60 * 60 * 1000;

async function dropWhere(server: string, keep: (name: string) => boolean): Promise<void> {
  await withAdmin(server, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where not datistemplate');
    for (const { datname } of rows) {
      if (!keep(datname)) await admin.query(`drop database if exists ${quoteIdent(datname)} with (force)`);
    }
  });
}

/**
 * Once per vitest run: names the run (test-db.ts names every database after it), drops what killed runs left behind,
 * builds the migrated template up front when the whole suite runs on PostgreSQL, and drops this run's databases at
 * the end. Without GROUNDCREW_TEST_PG it does nothing.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const backend = testBackend();
  const server = testPostgresServer();
  if (!server) {
    if (backend === 'postgres') {
      throw new Error(
        'GROUNDCREW_TEST_BACKEND=postgres needs GROUNDCREW_TEST_PG=postgres://user:password@host:port/db',
      );
    }
    return undefined;
  }
  const prefix = testDbPrefix();
  const run = newRunId(randomBytes(3).toString('hex'));
  project.provide('groundcrewPgRun', run);
  const now = Date.now();
  await dropWhere(server, (name) => {
    const started = runStartedAt(name, prefix);
    return started === undefined || now - started < LEFTOVER_AFTER_MS;
  });
  if (backend === 'postgres') await ensureTemplate(server, prefix, run);
  return async () => {
    await dropWhere(server, (name) => !name.startsWith(`${prefix}_${run}_`));
  };
}
