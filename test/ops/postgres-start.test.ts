import type { Server } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestPostgres, NO_TEST_PG, type TestPostgres } from '../support/test-db.js';
import {
  freePort,
  type Proc,
  runToExit,
  SECRET,
  SPAWN_BUDGET_MS,
  startMain,
  startSlackStub,
  waitForHealth,
  workdir,
} from './support.js';

/** `npm start` with GROUNDCREW_DB=postgres://…: the real process opens PostgreSQL, not a file named like the URL. */
let child: Proc | undefined;
let stub: Server | undefined;
let database: TestPostgres | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await new Promise((r) => (stub ? stub.close(r) : r(null)));
  stub = undefined;
  await database?.drop();
  database = undefined;
});

describe('npm start on PostgreSQL', () => {
  it.skipIf(NO_TEST_PG)(
    'migrates the database, answers /healthz and writes its health probe there (GROUNDCREW_TEST_PG)',
    async () => {
      database = await createTestPostgres({ empty: true });
      const slack = await startSlackStub();
      stub = slack.server;
      const port = await freePort();
      const dir = workdir();
      child = startMain({
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.url,
        PORT: String(port),
        GROUNDCREW_DB: database.url,
        GROUNDCREW_CONFIG: join(dir, 'groundcrew.yml'),
      });
      await waitForHealth(port, child);
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const probe = await client.query('select count(*)::int as n from health_probe');
        expect(probe.rows[0].n).toBe(1);
        const migrations = await client.query('select count(*)::int as n from drizzle.__drizzle_migrations');
        expect(migrations.rows[0].n).toBeGreaterThan(0);
      } finally {
        await client.end();
      }
    },
    SPAWN_BUDGET_MS * 2,
  );

  it(
    'a server that cannot be reached is one readable line and a non-zero exit, without the password',
    async () => {
      const slack = await startSlackStub();
      stub = slack.server;
      const closedPort = await freePort();
      const dir = workdir();
      const result = await runToExit('src/main.ts', {
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.url,
        PORT: String(await freePort()),
        GROUNDCREW_DB: `postgres://groundcrew:hunter2secret@127.0.0.1:${closedPort}/groundcrew`,
        GROUNDCREW_CONFIG: join(dir, 'groundcrew.yml'),
      });
      expect(result.code).not.toBe(0);
      const printed = result.stdout + result.stderr;
      expect(printed).toContain(`127.0.0.1:${closedPort}`);
      expect(printed).not.toContain('hunter2secret');
      expect(printed).not.toMatch(/\n\s+at /);
    },
    SPAWN_BUDGET_MS * 2,
  );
});
