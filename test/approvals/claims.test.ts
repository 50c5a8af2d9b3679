import { afterEach, describe, expect, it } from 'vitest';
import { APPROVAL_IDS } from '../../src/approvals/slack/ids.js';
import { together } from '../support/database.js';
import type { TestApp } from '../support/harness.js';
import { messageButton } from '../support/payloads.js';
import { refOf } from '../support/refs.js';
import { eventually, settled } from '../support/wait.js';
import { ALICE, BOB, CAROL, policy, REQUESTER, startApprovalsApp } from './helpers.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('approvers deciding at the same moment', () => {
  it('three approvals of a two-approval request: two count, it is approved once, the third is told', async () => {
    const started = await startApprovalsApp();
    app = started.app;
    const { approvals, calls, cards } = started;
    const approval = await approvals.request({
      subjectType: 'widget',
      subjectId: '31',
      requester: REQUESTER,
      policy: policy({ count: 2 }),
    });
    const value = await refOf(app, 'approvals', approval.id);
    const clickOf = (userId: string) => () =>
      app!.interact(
        messageButton({
          userId,
          actionId: APPROVAL_IDS.approveButton,
          value,
          blockId: `${APPROVAL_IDS.actionsBlock}.${approval.id}`,
          channelId: cards.get(userId)!.channel,
          messageTs: cards.get(userId)!.ts,
        }),
      );
    // The three decisions meet in the database: each reads the approval before any of them is stored.
    await together(app, [clickOf(ALICE), clickOf(BOB), clickOf(CAROL)]);
    await eventually(() => calls.approved.length === 1, { what: 'onApproved' });
    await app.slack.waitFor('response_url', (c) => /already approved/.test(String(c.args.text)));
    await settled(app);
    const stored = (await approvals.get(approval.id))!;
    expect(stored.status).toBe('approved');
    expect(stored.decisions).toHaveLength(2);
    expect(calls.approved).toHaveLength(1);
  });
});
