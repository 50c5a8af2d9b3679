import { afterEach, describe, expect, it } from 'vitest';
import { approvalsCapability } from '../../src/approvals/capability.js';
import { APPROVAL_IDS } from '../../src/approvals/slack/ids.js';
import type { Approval, ApprovalPolicy } from '../../src/approvals/types.js';
import { HOUR, MINUTE } from '../../src/clock.js';
import type { Capability } from '../../src/services.js';
import type { ApiCall } from '../support/fake-slack.js';
import { ackBody, blockText, ENGINEER, startTestApp, type TestApp } from '../support/harness.js';
import { appHomeOpened, messageButton, viewSubmission } from '../support/payloads.js';

const REQUESTER = ENGINEER;
const ALICE = 'U0ALICE01';
const BOB = 'U0BOB0001';
const CAROL = 'U0CAROL01';
const OUTSIDER = 'U0OUTSIDE';
const APPROVER_GROUP = 'S0APPROVE';
const DEPLOYS_CHANNEL = 'C0DEPLOYS';

/** A tiny subject type registered through a test capability, recording every hook call. */
function widgetSubject() {
  const calls = { approved: [] as Approval[], rejected: [] as Approval[], expired: [] as Approval[] };
  const capability: Capability = {
    name: 'test-widgets',
    register(_app, deps) {
      deps.approvals.registerSubject({
        type: 'widget',
        describe: (id) => ({ title: `Ship widget ${id}`, lines: ['*Colour:* blue', '*Size:* large'] }),
        onApproved: async (a) => void calls.approved.push(a),
        onRejected: async (a) => void calls.rejected.push(a),
        onExpired: async (a) => void calls.expired.push(a),
      });
    },
  };
  return { capability, calls };
}

const policy = (overrides: Partial<ApprovalPolicy> = {}): ApprovalPolicy => ({
  count: 2,
  approvers: { users: [ALICE, BOB, CAROL], usergroups: [] },
  ttlMs: 2 * HOUR,
  ...overrides,
});

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** Where each card copy landed, keyed by the `channel` it was posted to (a user ID for DMs). */
type Posted = Map<string, { channel: string; ts: string }>;

async function setup() {
  const widgets = widgetSubject();
  app = await startTestApp({ capabilities: [approvalsCapability, widgets.capability] });
  // Like Slack: a post to a user ID lands in the DM channel (D…), which is what chat.update must use.
  const cards: Posted = new Map();
  let n = 0;
  app.slack.on('chat.postMessage', (args) => {
    const target = String(args.channel);
    const channel = target.startsWith('U') ? `D${target.slice(1)}` : target;
    const ts = `1767230000.${String(++n).padStart(6, '0')}`;
    cards.set(target, { channel, ts });
    return { ok: true, channel, ts, message: { type: 'message', text: args.text, ts } };
  });
  return { app, calls: widgets.calls, approvals: app.groundcrew.services.approvals, cards };
}

function click(
  t: TestApp,
  userId: string,
  actionId: string,
  approvalId: number,
  card: { channel: string; ts: string },
) {
  const payload = messageButton({
    userId,
    actionId,
    value: String(approvalId),
    blockId: `${APPROVAL_IDS.actionsBlock}.${approvalId}`,
    channelId: card.channel,
    messageTs: card.ts,
  });
  return { payload, response: t.interact(payload) };
}

const textOf = (call: ApiCall) => blockText(call.args.blocks);
const ephemerals = (t: TestApp) => t.slack.callsTo('response_url').map((c) => String(c.args.text));

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
    await click(app, REQUESTER, APPROVAL_IDS.approveButton, approval.id, cards.get(ALICE)!).response;
    await app.slack.waitFor('response_url');
    expect(ephemerals(app)[0]).toContain('You asked for this');
    expect(app.slack.calls.find((c) => c.args.response_type === 'ephemeral')?.args.replace_original).toBe(false);

    // A non-approver gets an explanation; nothing changes.
    await click(app, OUTSIDER, APPROVAL_IDS.approveButton, approval.id, cards.get(DEPLOYS_CHANNEL)!).response;
    await app.slack.waitFor('response_url', undefined, { count: 2 });
    expect(ephemerals(app)[1]).toContain('not one of the approvers');
    expect(app.slack.callsTo('chat.update')).toEqual([]);
    expect(approvals.get(approval.id)?.decisions).toEqual([]);

    // First approval: every copy is edited in place with the current state.
    await click(app, ALICE, APPROVAL_IDS.approveButton, approval.id, cards.get(ALICE)!).response;
    const updates = await app.slack.waitFor('chat.update', undefined, { count: 4 });
    expect(updates.map((u) => [u.args.channel, u.args.ts])).toEqual(
      [ALICE, BOB, CAROL, DEPLOYS_CHANNEL].map((ch) => [cards.get(ch)!.channel, cards.get(ch)!.ts]),
    );
    for (const update of updates) {
      expect(textOf(update)).toContain(`*Approvals:* 1 of 2 — <@${ALICE}>`);
      expect(textOf(update)).toContain('Waiting for 1 more approval');
    }
    expect(calls.approved).toEqual([]);

    // Double click by the same person does not count twice.
    await click(app, ALICE, APPROVAL_IDS.approveButton, approval.id, cards.get(ALICE)!).response;
    await app.slack.waitFor('response_url', undefined, { count: 3 });
    expect(ephemerals(app)[2]).toContain('already approved');
    expect(approvals.get(approval.id)?.decisions).toHaveLength(1);
    expect(app.slack.callsTo('chat.update')).toHaveLength(4);

    // Second distinct approval: approved, onApproved once, cards without buttons.
    await click(app, BOB, APPROVAL_IDS.approveButton, approval.id, cards.get(BOB)!).response;
    await until(() => calls.approved.length === 1, 'onApproved');
    expect(calls.approved[0]).toMatchObject({ id: approval.id, status: 'approved' });
    const finals = await app.slack.waitFor('chat.update', undefined, { count: 8 });
    for (const update of finals.slice(4)) {
      expect(textOf(update)).toContain('*Approved*');
      expect(textOf(update)).toContain(`<@${ALICE}>, <@${BOB}>`);
      expect((update.args.blocks as { type: string }[]).some((b) => b.type === 'actions')).toBe(false);
    }

    // Late click on a resolved approval is refused with a message.
    await click(app, CAROL, APPROVAL_IDS.approveButton, approval.id, cards.get(CAROL)!).response;
    await app.slack.waitFor('response_url', undefined, { count: 4 });
    expect(ephemerals(app)[3]).toContain('already approved; decisions are closed');
    expect(calls.approved).toHaveLength(1);

    const audit = app.groundcrew.services.audit.latest(20).map((r) => `${r.action}:${r.actor}:${r.outcome}`);
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
    await click(app, OUTSIDER, APPROVAL_IDS.rejectButton, approval.id, cards.get(ALICE)!).response;
    await app.slack.waitFor('response_url');
    expect(app.slack.callsTo('views.open')).toEqual([]);

    const { payload, response } = click(app, BOB, APPROVAL_IDS.rejectButton, approval.id, cards.get(BOB)!);
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
    expect(approvals.get(approval.id)?.status).toBe('pending');

    const ok = await submit('Friday <afternoon> & no on-call');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('');
    await until(() => calls.rejected.length === 1, 'onRejected');
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
    expect(approvals.get(approval.id)?.status).toBe('pending');
    expect(calls.expired).toEqual([]);

    app.clock.advance(1);
    expect((await scheduler.runNow('approvals.expire')).outcome).toBe('ok');
    expect(approvals.get(approval.id)).toMatchObject({ status: 'expired', resolvedAt: app.clock.now() });
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
    await click(app, ALICE, APPROVAL_IDS.approveButton, approval.id, cards.get(ALICE)!).response;
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
    await click(app, ALICE, APPROVAL_IDS.approveButton, approval.id, cards.get(ALICE)!).response;
    await app.slack.waitFor('response_url');
    expect(ephemerals(app)[0]).toContain('expired');
    await until(() => calls.expired.length === 1, 'onExpired');
    expect(approvals.get(approval.id)).toMatchObject({ status: 'expired', decisions: [] });
  });

  it('expands usergroup approvers with usergroups.users.list and leaves the requester out', async () => {
    const { app, approvals } = await setup();
    app.slack.usergroups[APPROVER_GROUP] = [ALICE, REQUESTER, BOB];
    const approval = await approvals.request({
      subjectType: 'widget',
      subjectId: '21',
      requester: REQUESTER,
      policy: policy({ count: 2, approvers: { users: [BOB], usergroups: [APPROVER_GROUP] } }),
    });
    // (The Home publisher also looks up the platform group to work out roles.)
    expect(app.slack.callsTo('usergroups.users.list').map((c) => c.args.usergroup)).toContain(APPROVER_GROUP);
    expect(approval.approvers).toEqual([BOB, ALICE]);
    expect(app.slack.callsTo('chat.postMessage').map((c) => c.args.channel)).toEqual([BOB, ALICE]);

    await expect(
      approvals.request({
        subjectType: 'widget',
        subjectId: '22',
        requester: REQUESTER,
        policy: policy({ count: 3, approvers: { users: [], usergroups: [APPROVER_GROUP] } }),
      }),
    ).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('only 2 eligible approvers') });
  });

  it('shows pending approvals on the approver Home tab and republishes it when the state changes', async () => {
    const { app, approvals } = await setup();
    const approval = await approvals.request({
      subjectType: 'widget',
      subjectId: '23',
      requester: REQUESTER,
      policy: policy({ count: 1 }),
    });
    // The request itself refreshed the approvers' and requester's Home tabs.
    const published = app.slack.callsTo('views.publish').map((c) => c.args.user_id);
    expect(published).toEqual(expect.arrayContaining([ALICE, BOB, CAROL, REQUESTER]));
    const aliceHome = app.slack.callsTo('views.publish').find((c) => c.args.user_id === ALICE)!;
    expect(blockText(aliceHome.args.view)).toContain('Waiting for your approval (1)');
    expect(blockText(aliceHome.args.view)).toContain('Ship widget 23');
    const requesterHome = app.slack.callsTo('views.publish').find((c) => c.args.user_id === REQUESTER)!;
    expect(blockText(requesterHome.args.view)).not.toContain('Waiting for your approval');

    app.slack.reset();
    await app.event(appHomeOpened(BOB));
    const [bobHome] = await app.slack.waitFor('views.publish');
    expect(blockText(bobHome!.args.view)).toContain('Ship widget 23');

    // Approving from the Home tab (a view, no response_url) resolves it; the Home tabs lose the entry.
    app.slack.reset();
    const homeClick = {
      ...messageButton({
        userId: ALICE,
        actionId: APPROVAL_IDS.approveButton,
        value: String(approval.id),
        channelId: 'D0ALICE',
        messageTs: '1',
      }),
      container: { type: 'view', view_id: 'V0HOME' },
    };
    await app.interact(homeClick);
    await app.slack.waitFor('views.publish', (c) => c.args.user_id === ALICE);
    await until(() => approvals.get(approval.id)?.status === 'approved', 'approved');
    const after = app.slack.callsTo('views.publish').find((c) => c.args.user_id === ALICE)!;
    expect(blockText(after.args.view)).not.toContain('Ship widget 23');
  });

  it('cancel closes a pending approval, updates the cards, and refuses a second cancel', async () => {
    const { app, approvals } = await setup();
    const approval = await approvals.request({
      subjectType: 'widget',
      subjectId: '24',
      requester: REQUESTER,
      policy: policy(),
    });
    await approvals.cancel(approval.id, REQUESTER);
    expect(approvals.get(approval.id)).toMatchObject({ status: 'cancelled', cancelledBy: REQUESTER });
    expect(textOf(app.slack.callsTo('chat.update')[0]!)).toContain(`*Cancelled* by <@${REQUESTER}>`);
    await expect(approvals.cancel(approval.id, REQUESTER)).rejects.toMatchObject({ code: 'conflict' });
    expect(approvals.latestFor('widget', '24')?.id).toBe(approval.id);
    expect(approvals.pendingFor(ALICE)).toEqual([]);
  });
  it('simultaneous clicks: a double click counts once and the deciding approvals call onApproved once', async () => {
    const { app, calls, approvals, cards } = await setup();
    const approval = await approvals.request({
      subjectType: 'widget',
      subjectId: '25',
      requester: REQUESTER,
      policy: policy(),
    });
    await Promise.all([
      click(app, ALICE, APPROVAL_IDS.approveButton, approval.id, cards.get(ALICE)!).response,
      click(app, ALICE, APPROVAL_IDS.approveButton, approval.id, cards.get(ALICE)!).response,
      click(app, BOB, APPROVAL_IDS.approveButton, approval.id, cards.get(BOB)!).response,
      click(app, CAROL, APPROVAL_IDS.approveButton, approval.id, cards.get(CAROL)!).response,
    ]);
    await until(() => calls.approved.length === 1, 'onApproved');
    await app.slack.waitFor('response_url', undefined, { count: 2 });
    await new Promise((r) => setTimeout(r, 100));
    expect(calls.approved).toHaveLength(1);
    const stored = approvals.get(approval.id)!;
    expect(stored.status).toBe('approved');
    expect(stored.decisions.filter((d) => d.userId === ALICE)).toHaveLength(1);
    expect(stored.decisions).toHaveLength(2);
    expect(ephemerals(app).every((t) => /already approved/.test(t))).toBe(true);
  });

  it('a failing onApproved is logged and audited; the approval stays approved', async () => {
    const failing: Capability = {
      name: 'test-failing',
      register(_app, deps) {
        deps.approvals.registerSubject({
          type: 'gadget',
          describe: () => null,
          onApproved: async () => {
            throw new Error('workflow dispatch failed');
          },
          onRejected: async () => {},
          onExpired: async () => {},
        });
      },
    };
    app = await startTestApp({ capabilities: [approvalsCapability, failing] });
    const { approvals, audit } = app.groundcrew.services;
    const approval = await approvals.request({
      subjectType: 'gadget',
      subjectId: '1',
      requester: REQUESTER,
      policy: policy({ count: 1 }),
    });
    expect(blockText(app.slack.callsTo('chat.postMessage')[0]!.args.blocks)).toContain('Approval for gadget 1');
    const result = await approvals.decide(approval.id, ALICE, 'approve');
    expect(result).toMatchObject({ ok: true, approval: { status: 'approved' } });
    expect(audit.latest(5)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'approvals.onApproved',
          outcome: 'failed',
          detail: 'workflow dispatch failed',
        }),
      ]),
    );
  });

  it('a refused click from the Home tab (no response_url) is explained by DM', async () => {
    const { app, approvals } = await setup();
    const approval = await approvals.request({
      subjectType: 'widget',
      subjectId: '26',
      requester: REQUESTER,
      policy: policy(),
    });
    app.slack.reset();
    const homeClick = {
      ...messageButton({
        userId: REQUESTER,
        actionId: APPROVAL_IDS.approveButton,
        value: String(approval.id),
        channelId: 'D0X',
        messageTs: '1',
      }),
      container: { type: 'view', view_id: 'V0HOME' },
    };
    await app.interact(homeClick);
    const [dm] = await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === REQUESTER);
    expect(dm!.args.text).toContain('You asked for this');
    expect(approvals.get(approval.id)?.decisions).toEqual([]);
  });
});
