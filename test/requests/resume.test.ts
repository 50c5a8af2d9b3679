import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { ENGINEER, type TestApp } from '../support/harness.js';
import { eventually } from '../support/wait.js';
import { APPROVER, HOOKS, QUEUE, requestRows, startRequestsApp } from './support.js';

let apps: TestApp[] = [];
afterEach(async () => {
  for (const app of apps) await app.stop();
  apps = [];
});

const AT = Date.parse('2026-11-23T10:00:00Z');

/**
 * The database as a crash leaves it between a request's insert and its first step: rows with nothing asked, tried
 * or queued. Ids 1–4 are such rows (manual, webhook, with approval, approved but not yet sent); id 5 is a webhook
 * waiting out its back-off after a failed try, which is the retry sweep's and must be left alone.
 */
function crashedRows(dbPath: string) {
  const sqlite = new Database(dbPath);
  const insert = sqlite.prepare(
    `insert into requests (type_id, requester, fields, status, mode, submitted_at, updated_at, webhook_attempts,
       next_attempt_at, last_error) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const fields = (values: Record<string, unknown>) => JSON.stringify(values);
  insert.run(
    'secrets-access',
    ENGINEER,
    fields({ path: 'kv/x', why: 'on call' }),
    'submitted',
    'manual',
    AT,
    AT,
    0,
    null,
    null,
  );
  insert.run('alert', ENGINEER, fields({ query: 'up == 0' }), 'submitted', 'webhook', AT, AT, 0, null, null);
  insert.run(
    'database',
    ENGINEER,
    fields({ name: 'billing', purpose: 'ledger', size: 'small', envs: ['staging'], owner: 'U0OWNER001' }),
    'submitted',
    'webhook',
    AT,
    AT,
    0,
    null,
    null,
  );
  insert.run('alert', ENGINEER, fields({ query: 'up == 1' }), 'approved', 'webhook', AT, AT, 0, null, null);
  insert.run(
    'alert',
    ENGINEER,
    fields({ query: 'up == 2' }),
    'submitted',
    'webhook',
    AT,
    AT,
    1,
    AT + 3_600_000,
    'HTTP 500',
  );
  sqlite.close();
}

describe('a request stored but never taken to its first step (a crash right after its insert)', () => {
  it('is taken to that step after the restart: queued, sent once, or asked for approval; nothing twice', async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'groundcrew-resume-')), 'gc.db');
    const clock = createManualClock('2026-11-23T10:01:00Z');
    const first = await startRequestsApp({ dbPath, clock });
    await first.stop();
    crashedRows(dbPath);

    const posts: string[] = [];
    const app = await startRequestsApp({
      dbPath,
      clock,
      fetch: async (input, init) => {
        posts.push(`${String(input)} ${new Headers(init?.headers).get('idempotency-key')}`);
        return new Response('accepted', { status: 202 });
      },
    });
    apps.push(app);
    const { scheduler } = app.groundcrew.services;
    // Every sweep the requests capability has, as a restart's catch-up would run them.
    const sweep = async () => {
      for (const job of (await scheduler.list()).filter((j) => j.name.startsWith('requests.')))
        await scheduler.runNow(job.name);
    };
    await sweep();
    let seen: unknown;
    await eventually(
      async () => {
        const rows = await requestRows(app);
        seen = rows;
        const byId = new Map(rows.map((r) => [r.id, r]));
        return (
          byId.get(1)?.status === 'queued' &&
          byId.get(2)?.status === 'queued' &&
          byId.get(3)?.status === 'awaiting_approval' &&
          byId.get(4)?.status === 'queued'
        );
      },
      { what: 'each request to reach its first step', describe: () => JSON.stringify(seen) },
    );
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === QUEUE);
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === APPROVER);

    await sweep();
    await sweep();
    expect(posts.sort()).toEqual([`${HOOKS}/alert request-2`, `${HOOKS}/alert request-4`]);
    const rows = await requestRows(app);
    expect(rows.map((r) => [r.id, r.status, r.webhookAttempts])).toEqual([
      [1, 'queued', 0],
      [2, 'queued', 1],
      [3, 'awaiting_approval', 0],
      [4, 'queued', 1],
      [5, 'submitted', 1],
    ]);
    expect(rows[2]!.approvalId).not.toBeNull();
    expect(app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === QUEUE)).toHaveLength(1);
    expect(
      app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === APPROVER && Array.isArray(c.args.blocks)),
    ).toHaveLength(1);
  });
});
