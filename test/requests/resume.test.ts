import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { orm } from '../../src/db/scope.js';
import { twin } from '../../src/db/twin.js';
import type { FieldValues } from '../../src/requests/model.js';
import { requestsTable } from '../../src/requests/schema.js';
import { ENGINEER, type TestApp } from '../support/harness.js';
import { type PersistentDb, persistentDb } from '../support/persistent-db.js';
import { eventually, settled } from '../support/wait.js';
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
async function crashedRows(database: PersistentDb) {
  const at = new Date(AT);
  const row = (typeId: string, fields: Record<string, unknown>, status: 'submitted' | 'approved') => ({
    typeId,
    requester: ENGINEER,
    fields: fields as FieldValues,
    status,
    mode: 'webhook' as const,
    submittedAt: at,
    updatedAt: at,
    webhookAttempts: 0,
    nextAttemptAt: null,
    lastError: null,
  });
  await database.use(async (db) => {
    await orm(db)
      .insert(twin(db, requestsTable))
      .values([
        { ...row('secrets-access', { path: 'kv/x', why: 'on call' }, 'submitted'), mode: 'manual' },
        row('alert', { query: 'up == 0' }, 'submitted'),
        row(
          'database',
          { name: 'billing', purpose: 'ledger', size: 'small', envs: ['staging'], owner: 'U0OWNER001' },
          'submitted',
        ),
        row('alert', { query: 'up == 1' }, 'approved'),
        {
          ...row('alert', { query: 'up == 2' }, 'submitted'),
          webhookAttempts: 1,
          nextAttemptAt: new Date(AT + 3_600_000),
          lastError: 'HTTP 500',
        },
      ]);
  });
}

describe('a request stored but never taken to its first step (a crash right after its insert)', () => {
  it('is taken to that step after the restart: queued, sent once, or asked for approval; nothing twice', async () => {
    const database = await persistentDb();
    const clock = createManualClock('2026-11-23T10:01:00Z');
    const first = await startRequestsApp({ database, clock });
    await first.stop();
    await crashedRows(database);

    const posts: string[] = [];
    const app = await startRequestsApp({
      database,
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
    await settled(app);
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
