import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { twin } from '../../src/db/twin.js';
import { deploysTable } from '../../src/deploys/schema.js';
import { requestsTable } from '../../src/requests/schema.js';
import { deploysSection } from '../deploys/support.js';
import { requestsSection, submitForm, text, validDatabase } from '../requests/support.js';
import { sqliteOf } from '../support/database.js';
import { ackBody, ENGINEER, startTestApp, type TestApp } from '../support/harness.js';
import { SKIP_ON_POSTGRES, sqliteOnly } from '../support/test-db.js';
import { eventually, settled } from '../support/wait.js';

/**
 * The database's file system fills up while groundcrew runs. A real small file system (tmpfs) is needed: SQLite's
 * behaviour on ENOSPC cannot be faked in-process. Mounting needs root (CI runs as root).
 */
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const reason = 'needs root to mount a small tmpfs for the database (CI runs as root)';

let app: TestApp | undefined;
let mountPoint: string | undefined;
afterEach(async () => {
  await app?.stop().catch(() => {});
  app = undefined;
  if (mountPoint) {
    execFileSync('umount', ['-l', mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
    mountPoint = undefined;
  }
});

function mountTmpfs(size: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'groundcrew-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  return dir;
}

/** Writes a filler file until the file system answers ENOSPC. */
function fillDisk(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

// SQLite only: the disk filled is the one under the database file. On PostgreSQL the database's disk is the server's
// (full, it refuses writes with an error like any other the driver reports): no test here fills it.
describe.skipIf(!isRoot || SKIP_ON_POSTGRES)(
  sqliteOnly(
    `a full disk (${isRoot ? 'tmpfs' : `skipped: ${reason}`})`,
    "the full disk is the one under the SQLite file; PostgreSQL's disk is the server's",
  ),
  () => {
    it('every write is refused to the person; no card, no webhook, no success, and /healthz says so', async () => {
      mountPoint = mountTmpfs('4m');
      const outbound: string[] = [];
      app = await startTestApp({
        sqliteFile: join(mountPoint, 'groundcrew.db'),
        team: { deploys: deploysSection(), requests: requestsSection() },
        fetch: async (input) => {
          outbound.push(String(input));
          return new Response('{}', { status: 500 });
        },
      });
      expect((await app.request('/healthz')).status).toBe(200);
      // Empty the WAL so every new commit needs new blocks, then take every block left.
      sqliteOf(app).sqlite.pragma('wal_checkpoint(TRUNCATE)');
      fillDisk(mountPoint);

      const lock = await ackBody(
        await app.command('lock staging --reason "db migration" --for 2h', { user_id: ENGINEER }),
      );
      expect(lock?.text).toMatch(/could not be saved/);
      expect(lock?.text).not.toMatch(/locked/i);

      await app.command('deploy web production v2.0.0 --reason "launch"', { user_id: ENGINEER });
      await settled(app);
      const replies = app.slack.callsTo('response_url').map((c) => String(c.args.text));
      expect(replies.some((t) => /could not be saved/.test(t))).toBe(true);

      await submitForm(app, 'database', validDatabase());
      await submitForm(app, 'alert', { query: text('rate(errors[5m]) > 1') });
      await settled(app);
      const dms = app.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args.channel === ENGINEER)
        .map((c) => String(c.args.text));
      expect(dms.filter((t) => /could not be saved/.test(t))).toHaveLength(2);

      // Nothing claims success: no approval card, no status message, no webhook, no dispatch.
      const posted = app.slack
        .callsTo('chat.postMessage')
        .filter((c) => !/could not be saved/.test(String(c.args.text)));
      expect(posted.map((c) => `${c.args.channel}: ${c.args.text}`)).toEqual([]);
      expect(outbound).toEqual([]);
      const { db } = app.groundcrew.services;
      expect(await db.orm.select().from(twin(db, deploysTable))).toEqual([]);
      expect(await db.orm.select().from(twin(db, requestsTable))).toEqual([]);

      // /healthz writes (at most once a second): the database is down while it cannot write, and up once it can.
      await eventually(async () => (await app!.request('/healthz')).status === 503, { what: '/healthz 503' });
      rmSync(join(mountPoint, 'filler'));
      await eventually(async () => (await app!.request('/healthz')).status === 200, { what: '/healthz 200 again' });
      const retried = await ackBody(await app.command('lock staging --reason "db migration"', { user_id: ENGINEER }));
      expect(retried?.text).toContain('You hold staging');
    });
  },
);
