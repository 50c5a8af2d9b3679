import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { APPROVAL_IDS, actionsBlockId } from '../../src/approvals/slack/ids.js';
import { IDS } from '../../src/requests/slack/ids.js';
import { verifyBody } from '../../src/webhooks/signing.js';
import { blockText, ENGINEER, PLATFORM_ENGINEER, type TestApp } from '../support/harness.js';
import { messageButton } from '../support/payloads.js';
import { refOf } from '../support/refs.js';
import { eventually, settled } from '../support/wait.js';
import {
  ALERT_SECRET,
  APPROVER,
  callback,
  clickQueue,
  DB_SECRET,
  dmsTo,
  HOOKS,
  QUEUE,
  requestRows,
  startRequestsApp,
  submitForm,
  text,
  VALID_DATABASE_FIELDS,
  validDatabase,
  waitForRow,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

interface Delivery {
  body: string;
  signature: string;
}

/** Answers the webhook with `status` and records what it received. */
function webhookTarget(path: string, status = 202, times = 1): Delivery[] {
  const seen: Delivery[] = [];
  nock(HOOKS)
    .post(path)
    .times(times)
    .reply(function (_uri, body) {
      seen.push({ body: JSON.stringify(body), signature: String(this.req.headers['x-groundcrew-signature']) });
      return [status, status < 300 ? 'accepted' : 'boom'];
    });
  return seen;
}

describe('webhook fulfilment', () => {
  it('asks for approval, then sends the signed webhook, then follows signed status callbacks to done', async () => {
    app = await startRequestsApp();
    const deliveries = webhookTarget('/database');
    await submitForm(app, 'database', validDatabase());
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === ENGINEER, { count: 2 });
    expect((await requestRows(app))[0]).toMatchObject({
      id: 1,
      status: 'awaiting_approval',
      approvalId: expect.any(Number),
    });
    await settled(app);
    expect(deliveries).toEqual([]);
    expect(dmsTo(app, ENGINEER)).toEqual([
      'Your request #1 Postgres database is submitted.',
      'Your request #1 Postgres database is waiting for approval.',
    ]);

    const [approval] = await app.groundcrew.services.approvals.pendingFor(APPROVER);
    expect(approval?.subjectType).toBe('request');
    await app.interact(
      messageButton({
        userId: APPROVER,
        actionId: APPROVAL_IDS.approveButton,
        value: await refOf(app, 'approvals', approval!.id),
        blockId: actionsBlockId(approval!.id),
        channelId: `D${APPROVER.slice(1)}`,
        messageTs: '1767225600.000001',
      }),
    );
    await eventually(() => deliveries.length === 1, { what: 'the webhook' });
    const sent = JSON.parse(deliveries[0]!.body);
    expect(sent).toEqual({
      requestId: 1,
      type: 'database',
      fields: VALID_DATABASE_FIELDS,
      requestedBy: ENGINEER,
      callbackUrl: expect.stringMatching(/^http:\/\/localhost:\d+\/hooks\/requests\/1\.[\w-]{12}$/),
    });
    expect(verifyBody(DB_SECRET, deliveries[0]!.body, deliveries[0]!.signature)).toBe(true);
    await app.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.channel === ENGINEER && /is queued/.test(String(c.args.text)),
    );

    // Everything that is wrong is refused, and nothing changes.
    const before = (await requestRows(app))[0];
    const dmsBefore = dmsTo(app, ENGINEER).length;
    const good = { status: 'in_progress', message: 'Provisioning' };
    expect((await callback(app, 1, good, 'wrong-secret-wrong-secret')).status).toBe(401);
    expect((await callback(app, 1, good, ALERT_SECRET)).status).toBe(401); // another type's secret
    expect((await callback(app, 1, good, DB_SECRET, 'sha256=00')).status).toBe(401);
    expect((await callback(app, 999, good, DB_SECRET)).status).toBe(404);
    expect((await callback(app, 1, '{not json', DB_SECRET)).status).toBe(400);
    const badStatus = await callback(app, 1, { status: 'exploded' }, DB_SECRET);
    expect(badStatus.status).toBe(400);
    expect(await badStatus.json()).toMatchObject({ ok: false, error: expect.stringContaining('status') });
    // A validly signed report that names another request (a replay against this URL) is refused too.
    const replayed = await callback(app, 1, { ...good, requestId: 2 }, DB_SECRET);
    expect(replayed.status).toBe(400);
    expect(await replayed.json()).toMatchObject({ error: 'requestId: 2 in the body, but this is /hooks/requests/1' });
    await settled(app);
    expect((await requestRows(app))[0]).toEqual(before);
    expect(dmsTo(app, ENGINEER).length).toBe(dmsBefore);

    const progress = await callback(app, 1, { ...good, requestId: 1 }, DB_SECRET);
    expect(progress.status).toBe(200);
    expect(await progress.json()).toEqual({ ok: true, status: 'in_progress' });
    const done = await callback(
      app,
      1,
      {
        status: 'done',
        message: 'Ready',
        outputs: { url: 'https://pg.example.com/billing_ledger', region: 'eu-west-1' },
      },
      DB_SECRET,
    );
    expect(done.status).toBe(200);
    expect((await requestRows(app))[0]).toMatchObject({
      status: 'done',
      mode: 'webhook',
      resolvedBy: 'webhook',
      outputs: { url: 'https://pg.example.com/billing_ledger', region: 'eu-west-1' },
      completedAt: app.clock.now(),
    });
    expect((await callback(app, 1, { status: 'in_progress' }, DB_SECRET)).status).toBe(409);

    const dms = app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === ENGINEER);
    expect(dms.map((c) => c.args.text)).toEqual([
      'Your request #1 Postgres database is submitted.',
      'Your request #1 Postgres database is waiting for approval.',
      'Your request #1 Postgres database is approved.',
      'Your request #1 Postgres database is queued.',
      'Your request #1 Postgres database is in progress.',
      'Your request #1 Postgres database is done.',
    ]);
    expect(blockText(dms[2]!.args.blocks)).toContain(`Approved by <@${APPROVER}>`);
    expect(blockText(dms[4]!.args.blocks)).toContain('> Provisioning');
    expect(blockText(dms[5]!.args.blocks)).toContain(
      '• url: <https://pg.example.com/billing_ledger|https://pg.example.com/billing_ledger>',
    );
    const actions = (await app.groundcrew.services.audit.latest(50)).map((r) => `${r.actor} ${r.action} ${r.outcome}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        `${ENGINEER} requests.submit ok`,
        'system requests.approved ok',
        'system requests.webhook ok',
        'webhook:database requests.callback ok',
        'webhook:database requests.callback denied',
        'webhook:unknown requests.callback denied',
      ]),
    );
    // Signed-but-refused reports are recorded; unsigned ones (matching no secret) are refused before any lookup and
    // leave no trace, so nobody can fill the audit log: 401 (another type's secret), 404, 3×400, 409.
    expect(actions.filter((a) => a.endsWith('requests.callback denied'))).toHaveLength(6);
  });

  it('tells the requester when an approver rejects, with the reason, and sends nothing', async () => {
    app = await startRequestsApp();
    const deliveries = webhookTarget('/database');
    await submitForm(app, 'database', validDatabase());
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === APPROVER);
    const [approval] = await app.groundcrew.services.approvals.pendingFor(APPROVER);
    await app.groundcrew.services.approvals.decide(approval!.id, APPROVER, 'reject', 'Use the shared cluster');
    expect((await requestRows(app))[0]).toMatchObject({ status: 'rejected', resolvedBy: APPROVER });
    const last = app.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === ENGINEER)
      .at(-1)!;
    expect(last.args.text).toBe('Your request #1 Postgres database was rejected.');
    expect(blockText(last.args.blocks)).toContain(`Rejected by <@${APPROVER}>: Use the shared cluster`);
    await settled(app);
    expect(deliveries).toEqual([]);
  });

  it('retries a failing webhook with back-off, then hands it to the platform team as manual with the error', async () => {
    app = await startRequestsApp();
    const deliveries = webhookTarget('/alert', 500, 3);
    const start = app.clock.now().getTime();
    await submitForm(app, 'alert', { query: text('rate(http_errors[5m]) > 0.05') });
    await eventually(async () => (await requestRows(app!))[0]?.lastError != null, { what: 'the first try' });
    expect((await requestRows(app))[0]).toMatchObject({
      status: 'submitted',
      mode: 'webhook',
      lastError: 'HTTP 500: boom',
      nextAttemptAt: new Date(start + 60_000),
    });

    const { scheduler } = app.groundcrew.services;
    await scheduler.runNow('requests.retry-webhooks'); // not due yet
    expect(deliveries.length).toBe(1);
    app.clock.advance(60_000);
    await scheduler.runNow('requests.retry-webhooks');
    expect(deliveries.length).toBe(2);
    expect((await requestRows(app))[0]).toMatchObject({
      webhookAttempts: 2,
      nextAttemptAt: new Date(start + 60_000 + 120_000),
    });
    app.clock.advance(119_000);
    await scheduler.runNow('requests.retry-webhooks');
    expect(deliveries.length).toBe(2);
    app.clock.advance(1_000);
    await scheduler.runNow('requests.retry-webhooks');
    expect(deliveries.length).toBe(3);

    expect((await requestRows(app))[0]).toMatchObject({
      status: 'queued',
      mode: 'manual',
      nextAttemptAt: null,
      message: 'Automation failed after 3 tries: HTTP 500: boom',
      queueChannel: QUEUE,
    });
    const [card] = app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === QUEUE);
    expect(blockText(card!.args.blocks)).toContain(
      'Automation could not take it: Automation failed after 3 tries: HTTP 500: boom',
    );
    expect(blockText(card!.args.blocks)).toContain('rate(http_errors[5m]) &gt; 0.05');
    const last = app.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === ENGINEER)
      .at(-1)!;
    expect(blockText(last.args.blocks)).toContain('It is in the platform team’s queue.');
    await scheduler.runNow('requests.retry-webhooks');
    expect(deliveries.length).toBe(3);

    // A late callback from the automation no longer applies; the platform team finishes it.
    expect((await callback(app, 1, { status: 'done' }, ALERT_SECRET)).status).toBe(409);
    const { queueTs } = await waitForRow(app, 1, (r) => r.queueTs !== null);
    await clickQueue(app, PLATFORM_ENGINEER, IDS.done, 1, queueTs!);
    await eventually(async () => (await requestRows(app!))[0]?.status === 'done', { what: 'done' });
    expect((await requestRows(app))[0]).toMatchObject({ mode: 'manual', resolvedBy: PLATFORM_ENGINEER });
  });

  it('moves on when a retry succeeds', async () => {
    app = await startRequestsApp();
    const failed = webhookTarget('/alert', 503);
    const ok = webhookTarget('/alert', 200);
    await submitForm(app, 'alert', { query: text('up == 0') });
    await eventually(async () => failed.length === 1 && (await requestRows(app!))[0]?.lastError != null, {
      what: 'the first try',
    });
    app.clock.advance(60_000);
    await app.groundcrew.services.scheduler.runNow('requests.retry-webhooks');
    expect(ok.length).toBe(1);
    expect((await requestRows(app))[0]).toMatchObject({
      status: 'queued',
      mode: 'webhook',
      webhookAttempts: 2,
      nextAttemptAt: null,
    });
  });
});
