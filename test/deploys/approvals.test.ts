import { afterEach, describe, expect, it } from 'vitest';
import { APPROVAL_IDS } from '../../src/approvals/slack/ids.js';
import { HOUR, MINUTE } from '../../src/clock.js';
import { blockText, type TestApp } from '../support/harness.js';
import { messageButton, viewSubmission } from '../support/payloads.js';
import { refOf } from '../support/refs.js';
import { eventually } from '../support/wait.js';
import {
  ALICE,
  auditActions,
  BOB,
  CAROL,
  DEPLOYS_CHANNEL,
  deployRow,
  dmsTo,
  expectNockDone,
  nockDispatch,
  settle,
  startDeploysApp,
  statusVersions,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** The approval card DM'd to `userId` (chat.postMessage with channel = the user). */
function cardFor(test: TestApp, userId: string) {
  const call = test.slack
    .callsTo('chat.postMessage')
    .find((c) => c.args.channel === userId && Array.isArray(c.args.blocks));
  if (!call) throw new Error(`no card for ${userId}`);
  return { channel: userId, ts: `card-${userId}`, text: blockText(call.args.blocks) };
}

async function requestProduction(test: TestApp, requester: string) {
  await test.command('deploy web production v2.0.0 --reason "launch"', { user_id: requester });
  await test.slack.waitFor('response_url', (c) => String(c.args.text).includes('waiting for approval'));
  const approval = await test.groundcrew.services.approvals.latestFor('deploy', '1');
  if (!approval) throw new Error('no approval');
  return approval;
}

const click = async (test: TestApp, userId: string, actionId: string, approvalId: number) =>
  test.interact(
    messageButton({
      userId,
      actionId,
      value: await refOf(test, 'approvals', approvalId),
      channelId: `D${userId}`,
      messageTs: '1767225600.000009',
    }),
  );

describe('production needs two approvals from people other than the requester', () => {
  it('waits for two distinct approvers, refuses the requester, then starts', async () => {
    app = await startDeploysApp();
    const approval = await requestProduction(app, ALICE);
    expect(approval.approvers).toEqual([BOB, CAROL]);
    expect(approval.required).toBe(2);
    const row = await deployRow(app, 1);
    expect(row.status).toBe('awaiting_approval');
    const ts = row.messageTs!;
    expect(statusVersions(app, ts).at(-1)!.args.text).toBe('Deploy #1 · web → production (v2.0.0): Awaiting approval');
    expect(cardFor(app, BOB).text).toContain('*Deploy #1*: *web* → *production*, ref `v2.0.0`');
    expect(() => cardFor(app!, ALICE)).toThrow();

    await click(app, ALICE, APPROVAL_IDS.approveButton, approval.id);
    const [refused] = await app.slack.waitFor('response_url', (c) =>
      String(c.args.text).includes('you cannot approve'),
    );
    expect(refused!.args.text).toBe('You asked for this, so you cannot approve or reject it yourself.');
    await click(app, BOB, APPROVAL_IDS.approveButton, approval.id);
    await eventually(async () => (await app!.groundcrew.services.approvals.get(approval.id))!.decisions.length === 1, {
      what: 'first approval',
    });
    expect((await deployRow(app, 1)).status).toBe('awaiting_approval');

    const dispatch = nockDispatch(777);
    await click(app, CAROL, APPROVAL_IDS.approveButton, approval.id);
    await settle(app!, 1, 'running');
    expectNockDone(dispatch);
    expect((await deployRow(app, 1)).approvedBy).toEqual([BOB, CAROL]);
    const texts = statusVersions(app, ts).map((c) => String(c.args.text));
    // Approved is not shown on its own: no Slack call sits between the approval and the dispatch.
    expect(texts.slice(-2)).toEqual([
      'Deploy #1 · web → production (v2.0.0): Awaiting approval',
      'Deploy #1 · web → production (v2.0.0): Running',
    ]);
    expect(blockText(statusVersions(app, ts).at(-1)!.args.blocks)).toContain(`*Approved by* <@${BOB}>, <@${CAROL}>`);
  });

  it('a rejection (with a reason from the modal) ends the deploy and tells the requester', async () => {
    app = await startDeploysApp();
    const approval = await requestProduction(app, ALICE);
    await click(app, BOB, APPROVAL_IDS.rejectButton, approval.id);
    await app.slack.waitFor('views.open');
    await app.interact(
      viewSubmission({
        userId: BOB,
        callbackId: APPROVAL_IDS.rejectModal,
        privateMetadata: JSON.stringify({ approvalId: await refOf(app!, 'approvals', approval.id) }),
        values: {
          [APPROVAL_IDS.reasonBlock]: {
            [APPROVAL_IDS.reasonInput]: { type: 'plain_text_input', value: 'not during the sale' },
          },
        },
      }),
    );
    await eventually(async () => (await deployRow(app!, 1)).status === 'rejected', { what: 'rejected' });
    const row = await deployRow(app, 1);
    expect(row.detail).toBe(`rejected by <@${BOB}>: not during the sale`);
    await eventually(() => dmsTo(app!, ALICE).some((t) => t.includes('rejected')), { what: 'requester DM' });
    expect(dmsTo(app, ALICE).at(-1)).toBe(
      `Your deploy #1 web → production (\`v2.0.0\`) rejected: rejected by <@${BOB}>: not during the sale.`,
    );
    expect(statusVersions(app, row.messageTs!).at(-1)!.args.text).toBe(
      'Deploy #1 · web → production (v2.0.0): Rejected',
    );
    expect(await auditActions(app)).toContain('deploys.rejected');
  });

  it('an unanswered request expires after approvalTtl', async () => {
    app = await startDeploysApp();
    await requestProduction(app, ALICE);
    app.clock.advance(HOUR + 59 * MINUTE);
    await app.groundcrew.services.scheduler.runNow('approvals.expire');
    expect((await deployRow(app, 1)).status).toBe('awaiting_approval');
    app.clock.advance(2 * MINUTE);
    await app.groundcrew.services.scheduler.runNow('approvals.expire');
    await settle(app, 1, 'expired');
    await eventually(() => dmsTo(app!, ALICE).some((t) => t.includes('expired')), { what: 'requester DM' });
    expect((await deployRow(app, 1)).detail).toBe('no approval within 2h');
    expect(statusVersions(app, (await deployRow(app, 1)).messageTs!).at(-1)!.args.text).toBe(
      'Deploy #1 · web → production (v2.0.0): Expired',
    );
    expect(dmsTo(app, ALICE).at(-1)).toContain('expired: no approval within 2h');
    expect(app.slack.callsTo('chat.postMessage').some((c) => c.args.channel === DEPLOYS_CHANNEL)).toBe(true);
  });

  it('a freeze that begins while waiting for approval holds: the approved deploy is cancelled with the reason', async () => {
    app = await startDeploysApp();
    app.clock.set('2026-11-27T14:30:00Z'); // Friday 15:30 Berlin, before the weekend freeze
    const approval = await requestProduction(app, ALICE);
    app.clock.set('2026-11-27T15:30:00Z'); // 16:30: frozen
    await click(app, BOB, APPROVAL_IDS.approveButton, approval.id);
    await eventually(async () => (await app!.groundcrew.services.approvals.get(approval.id))!.decisions.length === 1, {
      what: 'first approval',
    });
    await click(app, CAROL, APPROVAL_IDS.approveButton, approval.id);
    const row = await settle(app, 1, 'cancelled');
    expect(row.detail).toBe('production froze before it could start (weekend freeze)');
    await eventually(() => dmsTo(app!, ALICE).some((t) => t.includes('cancelled')), { what: 'requester DM' });
  });
});
