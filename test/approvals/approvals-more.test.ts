import { afterEach, describe, expect, it } from 'vitest';
import { approvalsCapability } from '../../src/approvals/capability.js';
import { APPROVAL_IDS } from '../../src/approvals/slack/ids.js';
import { defineCapability } from '../../src/capability.js';
import { blockText, startTestApp, type TestApp } from '../support/harness.js';
import { appHomeOpened, messageButton } from '../support/payloads.js';
import { refOf } from '../support/refs.js';
import { eventually, settled } from '../support/wait.js';
import {
  ALICE,
  APPROVER_GROUP,
  BOB,
  CAROL,
  click,
  ephemerals,
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

describe('approvals: usergroups, Home tab, cancel, races, failures', () => {
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
        value: await refOf(app, 'approvals', approval.id),
        channelId: 'D0ALICE',
        messageTs: '1',
      }),
      container: { type: 'view', view_id: 'V0HOME' },
    };
    await app.interact(homeClick);
    await app.slack.waitFor('views.publish', (c) => c.args.user_id === ALICE);
    await eventually(async () => (await approvals.get(approval.id))?.status === 'approved', { what: 'approved' });
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
    expect(await approvals.get(approval.id)).toMatchObject({ status: 'cancelled', cancelledBy: REQUESTER });
    expect(textOf(app.slack.callsTo('chat.update')[0]!)).toContain(`*Cancelled* by <@${REQUESTER}>`);
    await expect(approvals.cancel(approval.id, REQUESTER)).rejects.toMatchObject({ code: 'conflict' });
    expect((await approvals.latestFor('widget', '24'))?.id).toBe(approval.id);
    expect(await approvals.pendingFor(ALICE)).toEqual([]);
  });
  it('simultaneous clicks: a double click counts once and the deciding approvals call onApproved once', async () => {
    const { app, calls, approvals, cards } = await setup();
    const approval = await approvals.request({
      subjectType: 'widget',
      subjectId: '25',
      requester: REQUESTER,
      policy: policy(),
    });
    // Alice's double click lands at once; then Bob and Carol race for the deciding second approval. (All four at
    // once could let Bob and Carol close it before either of Alice's clicks, which is a different scenario.)
    await Promise.all([
      (await click(app, ALICE, APPROVAL_IDS.approveButton, approval.id, cards.get(ALICE)!)).response,
      (await click(app, ALICE, APPROVAL_IDS.approveButton, approval.id, cards.get(ALICE)!)).response,
    ]);
    await eventually(async () => ((await approvals.get(approval.id))?.decisions.length ?? 0) >= 1, {
      what: "Alice's decision",
    });
    await Promise.all([
      (await click(app, BOB, APPROVAL_IDS.approveButton, approval.id, cards.get(BOB)!)).response,
      (await click(app, CAROL, APPROVAL_IDS.approveButton, approval.id, cards.get(CAROL)!)).response,
    ]);
    await eventually(() => calls.approved.length === 1, { what: 'onApproved' });
    await app.slack.waitFor('response_url', undefined, { count: 2 });
    await settled(app);
    expect(calls.approved).toHaveLength(1);
    const stored = (await approvals.get(approval.id))!;
    expect(stored.status).toBe('approved');
    expect(stored.decisions.filter((d) => d.userId === ALICE)).toHaveLength(1);
    expect(stored.decisions).toHaveLength(2);
    expect(ephemerals(app).every((t) => /already approved/.test(t))).toBe(true);
  });

  it('a failing onApproved is logged and audited; the approval stays approved', async () => {
    const failing = defineCapability('test-failing', (core) => {
      core.approvals.registerSubject({
        type: 'gadget',
        describe: async () => null,
        onApproved: async () => {
          throw new Error('workflow dispatch failed');
        },
        onRejected: async () => {},
        onExpired: async () => {},
      });
      return {};
    });
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
    expect(await audit.latest(5)).toEqual(
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
        value: await refOf(app, 'approvals', approval.id),
        channelId: 'D0X',
        messageTs: '1',
      }),
      container: { type: 'view', view_id: 'V0HOME' },
    };
    await app.interact(homeClick);
    const [dm] = await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === REQUESTER);
    expect(dm!.args.text).toContain('You asked for this');
    await settled(app);
    expect((await approvals.get(approval.id))?.decisions).toEqual([]);
  });
});
