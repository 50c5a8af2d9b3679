import { approvalsCapability } from '../../src/approvals/capability.js';
import { APPROVAL_IDS } from '../../src/approvals/slack/ids.js';
import type { Approval, ApprovalPolicy } from '../../src/approvals/types.js';
import { defineCapability } from '../../src/capability.js';
import { HOUR } from '../../src/clock.js';
import { mrkdwn } from '../../src/mrkdwn.js';
import type { ApiCall } from '../support/fake-slack.js';
import { blockText, ENGINEER, startTestApp, type TestApp } from '../support/harness.js';
import { messageButton } from '../support/payloads.js';
import { refOf } from '../support/refs.js';

/** Shared fixtures for the approvals integration tests: a test subject type, people, clicks. */

export const REQUESTER = ENGINEER;
export const ALICE = 'U0ALICE01';
export const BOB = 'U0BOB0001';
export const CAROL = 'U0CAROL01';
export const OUTSIDER = 'U0OUTSIDE';
export const APPROVER_GROUP = 'S0APPROVE';
export const DEPLOYS_CHANNEL = 'C0DEPLOYS';

/** A tiny subject type registered through a test capability, recording every hook call. */
export function widgetSubject() {
  const calls = { approved: [] as Approval[], rejected: [] as Approval[], expired: [] as Approval[] };
  const capability = defineCapability('test-widgets', (core) => {
    core.approvals.registerSubject({
      type: 'widget',
      describe: async (id) => ({ title: `Ship widget ${id}`, lines: [mrkdwn`*Colour:* blue`, mrkdwn`*Size:* large`] }),
      onApproved: async (a) => void calls.approved.push(a),
      onRejected: async (a) => void calls.rejected.push(a),
      onExpired: async (a) => void calls.expired.push(a),
    });
    return {};
  });
  return { capability, calls };
}

export const policy = (overrides: Partial<ApprovalPolicy> = {}): ApprovalPolicy => ({
  count: 2,
  approvers: { users: [ALICE, BOB, CAROL], usergroups: [] },
  ttlMs: 2 * HOUR,
  ...overrides,
});

/** Where each card copy landed, keyed by the `channel` it was posted to (a user ID for DMs). */
export type Posted = Map<string, { channel: string; ts: string }>;

export async function startApprovalsApp() {
  const widgets = widgetSubject();
  const app = await startTestApp({ capabilities: [approvalsCapability, widgets.capability] });
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

export async function click(
  t: TestApp,
  userId: string,
  actionId: string,
  approvalId: number,
  card: { channel: string; ts: string },
) {
  const payload = messageButton({
    userId,
    actionId,
    value: await refOf(t, 'approvals', approvalId),
    blockId: `${APPROVAL_IDS.actionsBlock}.${approvalId}`,
    channelId: card.channel,
    messageTs: card.ts,
  });
  return { payload, response: t.interact(payload) };
}

export const textOf = (call: ApiCall) => blockText(call.args.blocks);
export const ephemerals = (t: TestApp) => t.slack.callsTo('response_url').map((c) => String(c.args.text));
