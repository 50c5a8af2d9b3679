import { afterEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/harness.js';
import { settled } from '../support/wait.js';
import { ALICE, BOB, policy, REQUESTER, startApprovalsApp } from './helpers.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const cardsTo = (test: TestApp, userId: string) =>
  test.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === userId && Array.isArray(c.args.blocks));

/** Slack answers the first `failures` card posts to `userId` with `ok: false` (no crash: an error answer). */
function failPostsTo(test: TestApp, userId: string, error: string, failures = 1) {
  let n = 0;
  let failed = 0;
  test.slack.on('chat.postMessage', (args) => {
    if (args.channel === userId && failed < failures) {
      failed++;
      return { ok: false, error };
    }
    const ts = `1767230100.${String(++n).padStart(6, '0')}`;
    return { ok: true, channel: String(args.channel), ts };
  });
  return () => failed;
}

describe('a card post Slack refused is sent again by the next sweep', () => {
  it.each(['internal_error', 'ratelimited'])('after %s: resent once by approvals.resend-cards', async (error) => {
    const started = await startApprovalsApp();
    app = started.app;
    const failed = failPostsTo(app, ALICE, error);
    const approval = await started.approvals.request({
      subjectType: 'widget',
      subjectId: '7',
      requester: REQUESTER,
      policy: policy({ count: 1, approvers: { users: [ALICE, BOB], usergroups: [] } }),
    });
    await settled(app);
    expect(failed()).toBe(1);
    expect(cardsTo(app, BOB)).toHaveLength(1);

    const { scheduler } = app.groundcrew.services;
    await scheduler.runNow('approvals.resend-cards');
    await settled(app);
    await scheduler.runNow('approvals.resend-cards');
    await settled(app);
    // Alice: the refused post and one that went out; Bob's card is not sent twice.
    expect(cardsTo(app, ALICE)).toHaveLength(2);
    expect(cardsTo(app, BOB)).toHaveLength(1);
    const audit = await app.groundcrew.services.audit.latest(50);
    expect(
      audit.filter((r) => r.action === 'approvals.resend-cards' && r.target === `approval:${approval.id}`),
    ).toHaveLength(1);
  });

  it('a post refused for good (the user cannot be messaged) is not retried every minute', async () => {
    const started = await startApprovalsApp();
    app = started.app;
    failPostsTo(app, ALICE, 'user_not_found', 10);
    await started.approvals.request({
      subjectType: 'widget',
      subjectId: '8',
      requester: REQUESTER,
      policy: policy({ count: 1, approvers: { users: [ALICE, BOB], usergroups: [] } }),
    });
    await settled(app);
    await app.groundcrew.services.scheduler.runNow('approvals.resend-cards');
    await settled(app);
    expect(cardsTo(app, ALICE)).toHaveLength(1);
  });
});
