import { eq } from 'drizzle-orm';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { approvalsTable } from '../../src/approvals/schema.js';
import { APPROVAL_IDS } from '../../src/approvals/slack/ids.js';
import { twin } from '../../src/db/twin.js';
import { deployLocksTable, deploysTable } from '../../src/deploys/schema.js';
import { DEPLOY_IDS } from '../../src/deploys/slack/ids.js';
import { requestsTable } from '../../src/requests/schema.js';
import { IDS } from '../../src/requests/slack/ids.js';
import { signBody } from '../../src/webhooks/signing.js';
import { DEPLOYS_CHANNEL, deployRow, settle, startDeploysApp, WEBHOOK_SECRET } from '../deploys/support.js';
import {
  ALERT_SECRET,
  APPROVER,
  HOOKS,
  QUEUE,
  requestRows,
  startRequestsApp,
  submitForm,
  text,
  validDatabase,
  waitForRow,
} from '../requests/support.js';
import { ackBody, ENGINEER, PLATFORM_ENGINEER, type TestApp } from '../support/harness.js';
import { messageButton } from '../support/payloads.js';
import { eventually, settled } from '../support/wait.js';

/**
 * A button, a modal or a callback URL made for one item never acts on another item that has the same id (a row
 * lost and its id given again, or any id reuse): references carry the item's nonce (src/item-ref.ts). Each case
 * takes the reference from what groundcrew really sent (the posted message, the webhook's callbackUrl), then puts a
 * newer item under that id, and uses the old reference. References without a nonce, which messages posted before
 * nonces carry, still work for items from before (nonce null).
 */
const GONE = 'This button belongs to an item that no longer exists.';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
  nock.cleanAll();
});

const TABLES = { approvals: approvalsTable, deploys: deploysTable, requests: requestsTable, locks: deployLocksTable };

/** Deletes row `id` and inserts a newer item under the same id (a copy, given a nonce of its own at insert). */
async function newerItemUnderSameId(a: TestApp, kind: keyof typeof TABLES, id: number) {
  // One code path for the three tables: typed as one of them, which is all these calls need.
  const { db } = a.groundcrew.services;
  const table = twin(db, TABLES[kind] as unknown as typeof deploysTable);
  const { orm } = db;
  const [row] = await orm.select().from(table).where(eq(table.id, id)).limit(1);
  await orm.delete(table).where(eq(table.id, id));
  const { nonce: _old, ...copy } = row!;
  await orm.insert(table).values(copy);
}

/** An item from before nonces: its row has none. */
async function withoutNonce(a: TestApp, kind: keyof typeof TABLES, id: number) {
  const { db } = a.groundcrew.services;
  const table = twin(db, TABLES[kind] as unknown as typeof deploysTable);
  await db.orm.update(table).set({ nonce: null }).where(eq(table.id, id));
}

interface Element {
  action_id?: string;
  value?: string;
}
/** The value of the last posted button `actionId` (in any chat.postMessage / chat.update to `channel`). */
function postedValue(a: TestApp, channel: string, actionId: string): string {
  const calls = [...a.slack.callsTo('chat.postMessage'), ...a.slack.callsTo('chat.update')].filter(
    (c) => c.args.channel === channel,
  );
  for (const call of calls.reverse()) {
    const blocks = (call.args.blocks ?? []) as { elements?: Element[] }[];
    for (const block of blocks) {
      const button = block.elements?.find((e) => e.action_id === actionId);
      if (button?.value) return button.value;
    }
  }
  throw new Error(`no ${actionId} button posted to ${channel}`);
}

const ephemerals = (a: TestApp) => a.slack.callsTo('response_url').map((c) => String(c.args.text));

const click = (a: TestApp, userId: string, actionId: string, value: string, channelId: string) =>
  a.interact(messageButton({ userId, actionId, value, channelId, messageTs: '1767225600.000001' }));

async function signedPost(a: TestApp, url: string, body: unknown, secret: string) {
  const raw = JSON.stringify(body);
  const response = await fetch(`${a.baseUrl}${new URL(url, 'http://x').pathname}`, {
    method: 'POST',
    body: raw,
    headers: { 'content-type': 'application/json', 'x-groundcrew-signature': signBody(secret, raw) },
  });
  await response.arrayBuffer();
  return response.status;
}

describe('approvals: a stale Approve never decides a newer approval', () => {
  it('the card made for approval #1 is refused once #1 is another approval; a bare id works for an old approval', async () => {
    app = await startRequestsApp();
    const posts: string[] = [];
    nock(HOOKS)
      .persist()
      .post('/database')
      .reply(() => {
        posts.push('database');
        return [202, 'accepted'];
      });
    await submitForm(app, 'database', validDatabase());
    await waitForRow(app, 1, (r) => r.status === 'awaiting_approval');
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === APPROVER && Array.isArray(c.args.blocks));
    const value = postedValue(app, APPROVER, APPROVAL_IDS.approveButton);
    expect(value).toMatch(/^1\.[\w-]{12}$/);

    await newerItemUnderSameId(app, 'approvals', 1);
    await click(app, APPROVER, APPROVAL_IDS.approveButton, value, 'D0APPROVE1');
    await eventually(() => ephemerals(app!).includes(GONE), { what: 'the refusal' });
    await click(app, APPROVER, APPROVAL_IDS.rejectButton, value, 'D0APPROVE1');
    await eventually(() => ephemerals(app!).filter((t) => t === GONE).length === 2, { what: 'the second refusal' });
    // A bare id is no reference to an approval that has a nonce either.
    await click(app, APPROVER, APPROVAL_IDS.approveButton, '1', 'D0APPROVE1');
    await eventually(() => ephemerals(app!).filter((t) => t === GONE).length === 3, { what: 'the third refusal' });
    await settled(app);
    expect((await app.groundcrew.services.approvals.get(1))?.status).toBe('pending');
    expect((await app.groundcrew.services.approvals.get(1))?.decisions).toEqual([]);
    expect(app.slack.callsTo('views.open')).toEqual([]);

    // An approval from before nonces: its old cards carry the bare id, and they still work.
    await withoutNonce(app, 'approvals', 1);
    await click(app, APPROVER, APPROVAL_IDS.approveButton, '1', 'D0APPROVE1');
    await eventually(async () => (await app!.groundcrew.services.approvals.get(1))?.status === 'approved', {
      what: 'approved',
    });
    await waitForRow(app, 1, (r) => r.status === 'queued');
    expect(posts).toEqual(['database']);
  });
});

describe('requests: a stale queue button or callback URL never acts on a newer request', () => {
  it('Claim from the card made for request #1 is refused once #1 is another request; a bare id works for an old one', async () => {
    app = await startRequestsApp();
    await submitForm(app, 'secrets-access', { path: text('kv/app'), why: text('on call') });
    await waitForRow(app, 1, (r) => r.queueTs !== null);
    const value = postedValue(app, QUEUE, IDS.claim);
    expect(value).toMatch(/^1\.[\w-]{12}$/);

    await newerItemUnderSameId(app, 'requests', 1);
    await click(app, PLATFORM_ENGINEER, IDS.claim, value, QUEUE);
    await eventually(() => ephemerals(app!).includes(`:no_entry: ${GONE}`), { what: 'the refusal' });
    await click(app, PLATFORM_ENGINEER, IDS.claim, '1', QUEUE);
    await eventually(() => ephemerals(app!).filter((t) => t === `:no_entry: ${GONE}`).length === 2, {
      what: 'the bare id refused',
    });
    await settled(app);
    expect((await requestRows(app))[0]).toMatchObject({ status: 'queued', claimedBy: null });

    await withoutNonce(app, 'requests', 1);
    await click(app, PLATFORM_ENGINEER, IDS.claim, '1', QUEUE);
    await waitForRow(app, 1, (r) => r.status === 'claimed' && r.claimedBy === PLATFORM_ENGINEER);
  });

  it('a signed callback to the URL made for request #1 is 404 once #1 is another request; a bare id works for an old one', async () => {
    app = await startRequestsApp();
    let callbackUrl = '';
    nock(HOOKS)
      .post('/alert')
      .reply((_uri, body) => {
        callbackUrl = String((body as { callbackUrl: string }).callbackUrl);
        return [202, 'accepted'];
      });
    await submitForm(app, 'alert', { query: text('up == 0') });
    await waitForRow(app, 1, (r) => r.status === 'queued');
    expect(callbackUrl).toMatch(/\/hooks\/requests\/1\.[\w-]{12}$/);

    await newerItemUnderSameId(app, 'requests', 1);
    expect(await signedPost(app, callbackUrl, { status: 'done' }, ALERT_SECRET)).toBe(404);
    expect(await signedPost(app, '/hooks/requests/1', { status: 'done' }, ALERT_SECRET)).toBe(404);
    expect((await requestRows(app))[0]?.status).toBe('queued');

    await withoutNonce(app, 'requests', 1);
    expect(await signedPost(app, '/hooks/requests/1', { status: 'done' }, ALERT_SECRET)).toBe(200);
    expect((await requestRows(app))[0]?.status).toBe('done');
  });
});

describe('deploys: a stale Cancel or callback URL never acts on a newer deploy', () => {
  it('Cancel and the executor callback made for deploy #1 are refused once #1 is another deploy; bare ids work for an old one', async () => {
    app = await startDeploysApp();
    let callbackUrl = '';
    nock('http://deployer.test')
      .post('/hooks/groundcrew')
      .reply((_uri, body) => {
        callbackUrl = String((body as { callbackUrl: string }).callbackUrl);
        return [202, {}];
      });
    await app.command('deploy worker staging', { user_id: ENGINEER });
    await settle(app, 1, 'running');
    const value = postedValue(app, DEPLOYS_CHANNEL, DEPLOY_IDS.cancelButton);
    expect(value).toMatch(/^1\.[\w-]{12}$/);
    expect(callbackUrl).toMatch(/\/hooks\/deploys\/1\.[\w-]{12}$/);

    await newerItemUnderSameId(app, 'deploys', 1);
    const cancels = nock('http://deployer.test').post('/hooks/groundcrew').reply(200, {});
    await click(app, ENGINEER, DEPLOY_IDS.cancelButton, value, DEPLOYS_CHANNEL);
    await eventually(() => ephemerals(app!).includes(`:warning: ${GONE}`), { what: 'the refusal' });
    await click(app, ENGINEER, DEPLOY_IDS.cancelButton, '1', DEPLOYS_CHANNEL);
    await eventually(() => ephemerals(app!).filter((t) => t === `:warning: ${GONE}`).length === 2, {
      what: 'the bare id refused',
    });
    expect(await signedPost(app, callbackUrl, { status: 'succeeded' }, WEBHOOK_SECRET)).toBe(404);
    expect(await signedPost(app, '/hooks/deploys/1', { status: 'succeeded' }, WEBHOOK_SECRET)).toBe(404);
    await settled(app);
    expect((await deployRow(app, 1)).status).toBe('running');
    expect(cancels.isDone()).toBe(false);

    await withoutNonce(app, 'deploys', 1);
    expect(await signedPost(app, '/hooks/deploys/1', { status: 'in_progress' }, WEBHOOK_SECRET)).toBe(200);
    await click(app, ENGINEER, DEPLOY_IDS.cancelButton, '1', DEPLOYS_CHANNEL);
    await settle(app, 1, 'cancelled');
    expect(cancels.isDone()).toBe(true);
  });
});

describe('deploys: a stale "Notify me when free" never watches a newer lock', () => {
  it('the button made for lock #1 is refused once #1 is another lock; a bare id works for an old lock', async () => {
    app = await startDeploysApp();
    await app.command('lock staging --reason "db migration" --for 2h', { user_id: ENGINEER });
    // Both surfaces offer the button: the blocked deploy's answer and /platform locks.
    const blocked = await ackBody(await app.command('deploy web staging', { user_id: PLATFORM_ENGINEER }));
    const listed = await ackBody(await app.command('locks', { user_id: PLATFORM_ENGINEER }));
    const values = [blocked, listed].map((body) => {
      const found: string[] = [];
      JSON.stringify(body?.blocks, (_k, v: { action_id?: string; value?: string } | null) => {
        if (v?.action_id === DEPLOY_IDS.notifyWhenFree && v.value) found.push(v.value);
        return v;
      });
      return found;
    });
    expect(values).toEqual([[expect.stringMatching(/^1\.[\w-]{12}$/)], [expect.stringMatching(/^1\.[\w-]{12}$/)]]);
    const value = values[1]![0]!;

    await newerItemUnderSameId(app, 'locks', 1);
    await click(app, PLATFORM_ENGINEER, DEPLOY_IDS.notifyWhenFree, value, DEPLOYS_CHANNEL);
    await eventually(() => ephemerals(app!).includes(`:information_source: ${GONE}`), { what: 'the refusal' });
    await click(app, PLATFORM_ENGINEER, DEPLOY_IDS.notifyWhenFree, '1', DEPLOYS_CHANNEL);
    await eventually(() => ephemerals(app!).filter((t) => t === `:information_source: ${GONE}`).length === 2, {
      what: 'the bare id refused',
    });
    await settled(app);
    const watchers = async () =>
      (await app!.groundcrew.services.audit.latest(50)).filter((r) => r.action === 'deploys.watch-lock');
    expect(await watchers()).toEqual([]);

    await withoutNonce(app, 'locks', 1);
    await click(app, PLATFORM_ENGINEER, DEPLOY_IDS.notifyWhenFree, '1', DEPLOYS_CHANNEL);
    await eventually(() => ephemerals(app!).some((t) => t.includes("I'll DM you")), { what: 'watching' });
    expect(await watchers()).toHaveLength(1);
  });
});
