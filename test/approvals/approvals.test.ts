import { afterEach, describe, expect, it } from 'vitest';
import { APPROVAL_IDS } from '../../src/approvals/slack/ids.js';
import { HOUR, MINUTE } from '../../src/clock.js';
import { ackBody, blockText, type TestApp } from '../support/harness.js';
import { viewSubmission } from '../support/payloads.js';
import { eventually, settled } from '../support/wait.js';
import {
  ALICE,
  BOB,
  CAROL,
  click,
  DEPLOYS_CHANNEL,
  ephemerals,
  OUTSIDER,
  policy,
  REQUESTER,
  startApprovalsApp,
  textOf,
} from './helpers.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function setup() {
  const started = await startApprovalsApp();
  app = started.app;
  return started;
}

describe('approvals through Slack', () => {
  it('posts a card to every approver DM and the channel; 2 approvals from distinct approvers approve once', async () => {
    const { app, calls, approvals, cards } = await setup();
    const approval = await approvals.request({
      subjectType: 'widget',
      subjectId: '17',
      requester: REQUESTER,
      policy: policy(),
      channel: DEPLOYS_CHANNEL,
    });
    expect(approval).toMatchObject({ status: 'pending', required: 2, approvers: [ALICE, BOB, CAROL] });
    expect(approval.expiresAt.toISOString()).toBe('2026-11-23T12:00:00.000Z');

    const posts = app.slack.callsTo('chat.postMessage');
    expect(posts.map((c) => c.args.channel)).toEqual([ALICE, BOB, CAROL, DEPLOYS_CHANNEL]);
    const first = textOf(posts[0]!);
    expect(first).toContain('Ship widget 17');
    expect(first).toContain('*Colour:* blue');
    expect(first).toContain('needs 2 approvals from distinct approvers');
    expect(first).toContain('Waiting for 2 more approvals');
    expect(first).toContain('Approve');
    expect(first).toContain('Reject');

    // The requester cannot approve their own; nothing changes.
    await (await click(app, REQUESTER, APPROVAL_IDS.approveButton, approval.id, cards.get(ALICE)!)).response;
    await app.slack.waitFor('response_url');
    expect(ephemerals(app)[0]).toContain('You asked for this');
    expect(app.slack.calls.find((c) => c.args.response_type === 'ephemeral')?.args.replace_original).toBe(false);

    // A non-approver gets an explanation; nothing changes.
    await (await click(app, OUTSIDER, APPROVAL_IDS.approveButton, approval.id, cards.get(DEPLOYS_CHANNEL)!)).response;
    await app.slack.waitFor('response_url', undefined, { count: 2 });
    expect(ephemerals(app)[1]).toContain('not one of the approvers');
    await settled(app);
    expect(app.slack.callsTo('chat.update')).toEqual([]);
    expect((await approvals.get(approval.id))?.decisions).toEqual([]);

    // First approval: every copy is edited in place with the current state.
    await (await click(app, ALICE, APPROVAL_IDS.approveButton, approval.id, cards.get(ALICE)!)).response;
    const updates = await app.slack.waitFor('chat.update', undefined, { count: 4 });
    expect(updates.map((u) => [u.args.channel, u.args.ts])).toEqual(
      [ALICE, BOB, CAROL, DEPLOYS_CHANNEL].map((ch) => [cards.get(ch)!.channel, cards.get(ch)!.ts]),
    );
    for (const update of updates) {
      expect(textOf(update)).toContain(`*Approvals:* 1 of 2 — <@${ALICE}>`);
      expect(textOf(update)).toContain('Waiting for 1 more approval');
    }
    await settled(app);
    expect(calls.approved).toEqual([]);

    // Double click by the same person does not count twice.
    await (await click(app, ALICE, APPROVAL_IDS.approveButton, approval.id, cards.get(ALICE)!)).response;
    await app.slack.waitFor('response_url', undefined, { count: 3 });
    expect(ephemerals(app)[2]).toContain('already approved');
    await settled(app);
    expect((await approvals.get(approval.id))?.decisions).toHaveLength(1);
    expect(app.slack.callsTo('chat.update')).toHaveLength(4);

    // Second distinct approval: approved, onApproved once, cards without buttons.
    await (await click(app, BOB, APPROVAL_IDS.approveButton, approval.id, cards.get(BOB)!)).response;
    await eventually(() => calls.approved.length === 1, { what: 'onApproved' });
    expect(calls.approved[0]).toMatchObject({ id: approval.id, status: 'approved' });
    const finals = await app.slack.waitFor('chat.update', undefined, { count: 8 });
    for (const update of finals.slice(4)) {
      expect(textOf(update)).toContain('*Approved*');
      expect(textOf(update)).toContain(`<@${ALICE}>, <@${BOB}>`);
      expect((update.args.blocks as { type: string }[]).some((b) => b.type === 'actions')).toBe(false);
    }

    // Late click on a resolved approval is refused with a message.
    await (await click(app, CAROL, APPROVAL_IDS.approveButton, approval.id, cards.get(CAROL)!)).response;
    await app.slack.waitFor('response_url', undefined, { count: 4 });
    expect(ephemerals(app)[3]).toContain('already approved; decisions are closed');
    await settled(app);
    expect(calls.approved).toHaveLength(1);

    const audit = (await app.groundcrew.services.audit.latest(20)).map((r) => `${r.action}:${r.actor}:${r.outcome}`);
    expect(audit).toEqual(
      expect.arrayContaining([
        `approvals.request:${REQUESTER}:ok`,
        `approvals.approve:${REQUESTER}:denied`,
        `approvals.approve:${OUTSIDER}:denied`,
        `approvals.approve:${ALICE}:ok`,
        `approvals.approve:${BOB}:ok`,
        `approvals.approved:${BOB}:ok`,
        `approvals.approve:${CAROL}:denied`,
      ]),
    );
  });

  it('reject opens a reason modal; a blank reason is an error on the field; a reason rejects and updates the cards', async () => {
    const { app, calls, approvals, cards } = await setup();
    const approval = await approvals.request({
      subjectType: 'widget',
      subjectId: '18',
      requester: REQUESTER,
      policy: policy(),
    });

    // A non-approver clicking Reject gets no modal, only the explanation.
    await (await click(app, OUTSIDER, APPROVAL_IDS.rejectButton, approval.id, cards.get(ALICE)!)).response;
    await app.slack.waitFor('response_url');
    await settled(app);
    expect(app.slack.callsTo('views.open')).toEqual([]);

    const { payload, response } = await click(app, BOB, APPROVAL_IDS.rejectButton, approval.id, cards.get(BOB)!);
    await response;
    const [open] = await app.slack.waitFor('views.open');
    expect(open!.args.trigger_id).toBe(payload.trigger_id);
    const view = open!.args.view as { callback_id: string; private_metadata: string; title: { text: string } };
    expect(view.callback_id).toBe(APPROVAL_IDS.rejectModal);
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(blockText(view)).toContain('Ship widget 18');

    const submit = (value: string | null) =>
      app.interact(
        viewSubmission({
          userId: BOB,
          callbackId: APPROVAL_IDS.rejectModal,
          privateMetadata: view.private_metadata,
          values: { [APPROVAL_IDS.reasonBlock]: { [APPROVAL_IDS.reasonInput]: { type: 'plain_text_input', value } } },
        }),
      );

    const blank = await ackBody(await submit('   '));
    expect(blank).toEqual({
      response_action: 'errors',
      errors: { [APPROVAL_IDS.reasonBlock]: expect.stringContaining('Give a reason') },
    });
    expect(await ackBody(await submit(null))).toMatchObject({ response_action: 'errors' });
    expect((await approvals.get(approval.id))?.status).toBe('pending');

    const ok = await submit('Friday <afternoon> & no on-call');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('');
    await eventually(() => calls.rejected.length === 1, { what: 'onRejected' });
    expect(calls.rejected[0]).toMatchObject({ status: 'rejected' });
    expect(calls.rejected[0]?.decisions.at(-1)).toMatchObject({
      userId: BOB,
      decision: 'reject',
      reason: 'Friday <afternoon> & no on-call',
    });
    const updates = await app.slack.waitFor('chat.update', undefined, { count: 3 });
    expect(updates.map((u) => u.args.channel)).toEqual(['D0ALICE01', 'D0BOB0001', 'D0CAROL01']);
    for (const update of updates) {
      expect(textOf(update)).toContain(`*Rejected by* <@${BOB}>: _Friday &lt;afternoon&gt; &amp; no on-call_`);
      expect(textOf(update)).toContain(':x: *Rejected* by');
    }

    // Submitting again after it is resolved: refused on the field, the typed text stays.
    const again = await ackBody(await submit('still no'));
    expect(again).toEqual({
      response_action: 'errors',
      errors: { [APPROVAL_IDS.reasonBlock]: expect.stringContaining('already rejected') },
    });
    await settled(app);
    expect(calls.rejected).toHaveLength(1);
  });

  it('expires an unanswered approval at its TTL through the approvals.expire job', async () => {
    const { app, calls, approvals, cards } = await setup();
    const approval = await approvals.request({
      subjectType: 'widget',
      subjectId: '19',
      requester: REQUESTER,
      policy: policy({ count: 1, ttlMs: 30 * MINUTE }),
    });
    const { scheduler } = app.groundcrew.services;

    app.clock.advance(30 * MINUTE - 1);
    expect((await scheduler.runNow('approvals.expire')).outcome).toBe('ok');
    expect((await approvals.get(approval.id))?.status).toBe('pending');
    await settled(app);
    expect(calls.expired).toEqual([]);

    app.clock.advance(1);
    expect((await scheduler.runNow('approvals.expire')).outcome).toBe('ok');
    expect(await approvals.get(approval.id)).toMatchObject({ status: 'expired', resolvedAt: app.clock.now() });
    expect(calls.expired.map((a) => a.id)).toEqual([approval.id]);
    const updates = app.slack.callsTo('chat.update');
    expect(updates.map((u) => u.args.channel)).toEqual(['D0ALICE01', 'D0BOB0001', 'D0CAROL01']);
    for (const update of updates) {
      expect(textOf(update)).toContain('*Expired*');
      expect(textOf(update)).toContain('with 0 of 1 approvals');
    }

    // Running again changes nothing; a late click is refused.
    await scheduler.runNow('approvals.expire');
    expect(calls.expired).toHaveLength(1);
    await (await click(app, ALICE, APPROVAL_IDS.approveButton, approval.id, cards.get(ALICE)!)).response;
    await app.slack.waitFor('response_url');
    expect(ephemerals(app)[0]).toContain('already expired');
  });

  it('a click after the TTL but before the sweep is refused and expires the approval', async () => {
    const { app, calls, approvals, cards } = await setup();
    const approval = await approvals.request({
      subjectType: 'widget',
      subjectId: '20',
      requester: REQUESTER,
      policy: policy(),
    });
    app.clock.advance(2 * HOUR);
    await (await click(app, ALICE, APPROVAL_IDS.approveButton, approval.id, cards.get(ALICE)!)).response;
    await app.slack.waitFor('response_url');
    expect(ephemerals(app)[0]).toContain('expired');
    await eventually(() => calls.expired.length === 1, { what: 'onExpired' });
    expect(await approvals.get(approval.id)).toMatchObject({ status: 'expired', decisions: [] });
  });
});
