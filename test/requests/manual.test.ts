import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { IDS } from '../../src/requests/slack/ids.js';
import { ackBody, blockText, ENGINEER, PLATFORM_ENGINEER, type TestApp } from '../support/harness.js';
import { appHomeOpened, viewSubmission } from '../support/payloads.js';
import { settled } from '../support/wait.js';
import {
  clickQueue,
  dmsTo,
  HOOKS,
  QUEUE,
  requestRows,
  startRequestsApp,
  submitForm,
  text,
  waitForRow,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const secrets = (path = 'secret/data/billing') => ({
  path: text(path),
  why: text('Rotate the <billing> keys & check'),
});

const ephemerals = (t: TestApp) => t.slack.callsTo('response_url').map((c) => String(c.args.text));
const cardUpdates = (t: TestApp) => t.slack.callsTo('chat.update').filter((c) => c.args.channel === QUEUE);

describe('manual fulfilment: the queue card', () => {
  it('posts the answers with Claim / Done / Reject; only the platform team may claim and finish', async () => {
    app = await startRequestsApp();
    await submitForm(app, 'secrets-access', secrets());
    const [card] = await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === QUEUE);
    const cardText = blockText(card!.args.blocks);
    expect(cardText).toContain('Request #1: Secrets access');
    expect(cardText).toContain(`Requested by <@${ENGINEER}>`);
    expect(cardText).toContain('*Vault path*\nsecret/data/billing');
    expect(cardText).toContain('*Why*\nRotate the &lt;billing&gt; keys &amp; check');
    const actions = (card!.args.blocks as { type: string; elements?: { action_id: string }[] }[]).find(
      (b) => b.type === 'actions',
    );
    expect(actions?.elements?.map((e) => e.action_id)).toEqual([IDS.claim, IDS.done, IDS.reject]);
    const { queueTs } = await waitForRow(app, 1, (r) => r.queueTs !== null);
    expect((await requestRows(app))[0]).toMatchObject({ queueChannel: QUEUE, status: 'queued', mode: 'manual' });

    await clickQueue(app, ENGINEER, IDS.claim, 1, queueTs!);
    await settled(app);
    expect(ephemerals(app)).toEqual([':no_entry: Only the platform team can work the request queue.']);
    expect((await requestRows(app))[0]!.status).toBe('queued');
    expect(cardUpdates(app)).toEqual([]);

    await clickQueue(app, PLATFORM_ENGINEER, IDS.claim, 1, queueTs!);
    const [claimed] = await app.slack.waitFor('chat.update', (c) => c.args.channel === QUEUE);
    expect(claimed!.args.ts).toBe(queueTs);
    expect(blockText(claimed!.args.blocks)).toContain(`*claimed* by <@${PLATFORM_ENGINEER}>`);
    expect((await requestRows(app))[0]).toMatchObject({ status: 'claimed', claimedBy: PLATFORM_ENGINEER });

    await clickQueue(app, PLATFORM_ENGINEER, IDS.claim, 1, queueTs!);
    await settled(app);
    expect(ephemerals(app).at(-1)).toBe(':no_entry: Request #1 is claimed; it cannot become claimed.');

    app.clock.advance(90 * 60_000);
    await clickQueue(app, PLATFORM_ENGINEER, IDS.done, 1, queueTs!);
    await app.slack.waitFor('chat.update', (c) => c.args.channel === QUEUE, { count: 2 });
    const done = cardUpdates(app).at(-1)!;
    expect(blockText(done.args.blocks)).toContain(`*done* by <@${PLATFORM_ENGINEER}>`);
    expect((done.args.blocks as { type: string }[]).some((b) => b.type === 'actions')).toBe(false);
    expect((await requestRows(app))[0]).toMatchObject({
      status: 'done',
      resolvedBy: PLATFORM_ENGINEER,
      completedAt: app.clock.now(),
    });
    await settled(app);
    expect(dmsTo(app, ENGINEER)).toEqual([
      'Your request #1 Secrets access is submitted.',
      'Your request #1 Secrets access is queued.',
      'Your request #1 Secrets access is being worked on.',
      'Your request #1 Secrets access is done.',
    ]);
    const audit = (await app.groundcrew.services.audit.latest(20)).map((r) => `${r.actor} ${r.action} ${r.outcome}`);
    expect(audit).toEqual(
      expect.arrayContaining([
        `${ENGINEER} requests.claim denied`,
        `${PLATFORM_ENGINEER} requests.claim ok`,
        `${PLATFORM_ENGINEER} requests.done ok`,
      ]),
    );
  });

  it('rejects with a reason from a modal; the requester sees the reason', async () => {
    app = await startRequestsApp();
    await submitForm(app, 'secrets-access', secrets());
    const { queueTs } = await waitForRow(app, 1, (r) => r.queueTs !== null);

    await clickQueue(app, ENGINEER, IDS.reject, 1, queueTs!);
    await settled(app);
    expect(app.slack.callsTo('views.open')).toEqual([]);
    expect(ephemerals(app)).toEqual([':no_entry: Only the platform team can work the request queue.']);

    await clickQueue(app, PLATFORM_ENGINEER, IDS.reject, 1, queueTs!);
    const [open] = await app.slack.waitFor('views.open');
    const modal = open!.args.view as { callback_id: string; private_metadata: string };
    expect(modal.callback_id).toBe(IDS.rejectView);

    const submitReason = (reason: string) =>
      app!.interact(
        viewSubmission({
          userId: PLATFORM_ENGINEER,
          callbackId: IDS.rejectView,
          privateMetadata: modal.private_metadata,
          values: {
            [IDS.rejectReasonBlock]: { [IDS.rejectReasonAction]: { type: 'plain_text_input', value: reason } },
          },
        }),
      );
    expect(await (await submitReason('  ')).json()).toEqual({
      response_action: 'errors',
      errors: { [IDS.rejectReasonBlock]: 'Give a reason: the requester will see it.' },
    });
    expect((await requestRows(app))[0]!.status).toBe('queued');

    await submitReason('Use the billing-readers group instead');
    await app.slack.waitFor('chat.update', (c) => c.args.channel === QUEUE);
    expect((await requestRows(app))[0]).toMatchObject({
      status: 'rejected',
      resolvedBy: PLATFORM_ENGINEER,
      message: 'Use the billing-readers group instead',
    });
    expect(blockText(cardUpdates(app).at(-1)!.args.blocks)).toContain(
      '*Reason:* Use the billing-readers group instead',
    );
    await settled(app);
    const last = app.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === ENGINEER)
      .at(-1)!;
    expect(last.args.text).toBe('Your request #1 Secrets access was rejected.');
    expect(blockText(last.args.blocks)).toContain(
      `Rejected by <@${PLATFORM_ENGINEER}>: Use the billing-readers group instead`,
    );
    // A closed request cannot be rejected again.
    expect(await (await submitReason('again')).json()).toEqual({
      response_action: 'errors',
      errors: { [IDS.rejectReasonBlock]: 'Request #1 is already closed.' },
    });
  });
});

describe('SLA and listings', () => {
  it('flags a manual request past its SLA once, lists it first in the queue and on Home', async () => {
    app = await startRequestsApp();
    nock(HOOKS).post('/alert').reply(202);
    await submitForm(app, 'alert', { query: text('up == 0') }); // older, open, but no SLA
    await app.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.channel === ENGINEER && /queued/.test(String(c.args.text)),
    );
    app.clock.advance(60_000);
    await submitForm(app, 'secrets-access', secrets()); // SLA 4h
    const { queueTs } = await waitForRow(app, 2, (r) => r.queueTs !== null);
    const { scheduler } = app.groundcrew.services;
    const slaPosts = () =>
      app!.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === QUEUE && c.args.thread_ts);

    app.clock.advance(4 * 3_600_000);
    await scheduler.runNow('requests.sla-sweep'); // exactly 4h old: not past it yet
    await settled(app);
    expect(slaPosts()).toEqual([]);
    app.clock.advance(60_000);
    await scheduler.runNow('requests.sla-sweep');
    expect(slaPosts()).toHaveLength(1);
    expect(slaPosts()[0]!.args).toMatchObject({ thread_ts: queueTs, reply_broadcast: 'true' });
    expect(String(slaPosts()[0]!.args.text)).toContain('*#2 Secrets access*');
    expect(String(slaPosts()[0]!.args.text)).toContain('is past its SLA (4h; queued, unclaimed)');
    expect(blockText(cardUpdates(app).at(-1)!.args.blocks)).toContain('Past its SLA');
    app.clock.advance(60 * 60_000);
    await scheduler.runNow('requests.sla-sweep');
    expect(slaPosts()).toHaveLength(1);

    const queue = await ackBody(await app.command('requests --open', { user_id: PLATFORM_ENGINEER }));
    const lines = blockText(queue?.blocks).split('\n');
    const first = lines.findIndex((l) => l.includes('#2 Secrets access'));
    const second = lines.findIndex((l) => l.includes('#1 Monitoring alert'));
    expect(first).toBeGreaterThan(-1);
    expect(second).toBeGreaterThan(first);
    expect(lines[first]).toContain(':rotating_light:');
    expect(lines[first]).toContain('*past SLA* (4h)');
    expect(queue?.text).toBe('Waiting for the platform team: 1, 1 past SLA; 1 open elsewhere');

    const refused = await ackBody(await app.command('requests --open', { user_id: ENGINEER }));
    expect(refused?.text).toContain('is for the platform team');
    const mine = await ackBody(await app.command('requests', { user_id: ENGINEER }));
    expect(blockText(mine?.blocks)).toContain('*#2 Secrets access* — queued');
    expect(blockText(mine?.blocks)).toContain('*#1 Monitoring alert* — queued');

    await app.event(appHomeOpened(ENGINEER));
    const publish = await app.slack.waitFor('views.publish', (c) => c.args.user_id === ENGINEER);
    const home = blockText((publish.at(-1)!.args.view as { blocks: unknown }).blocks);
    expect(home).toContain('My requests');
    expect(home).toContain('*#2 Secrets access* — queued');
  });
});
