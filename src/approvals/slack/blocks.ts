import type { KnownBlock, ModalView } from '@slack/types';
import { formatDuration } from '../../clock.js';
import {
  context,
  divider,
  header,
  joinMrkdwn,
  linesToSections,
  type Mrkdwn,
  mention,
  mrkdwn,
  section,
  slackDate,
  truncate,
  trusted,
} from '../../slack/mrkdwn.js';
import { tally } from '../model.js';
import type { ApprovalCard } from '../ports.js';
import type { Approval } from '../types.js';
import { APPROVAL_IDS, actionsBlockId, approvalButtonValue } from './ids.js';

/** Pure Block Kit builders for the approval card, the reject modal and the Home section. */

export const REASON_MAX = 1000;

export function cardTitle(card: ApprovalCard): string {
  return card.subject?.title ?? `Approval for ${card.approval.subjectType} ${card.approval.subjectId}`;
}

/** One line describing where the approval stands, e.g. `:hourglass_flowing_sand: Waiting for 1 more approval`. */
export function statusLine(approval: Approval): Mrkdwn {
  const t = tally(approval);
  const date = (at: Date | undefined) => trusted(at ? ` ${slackDate(at)}` : '');
  const by = (userId: string | undefined) => (userId ? trusted(mrkdwn` by ${mention(userId)}`) : '');
  switch (approval.status) {
    case 'pending':
      return mrkdwn`:hourglass_flowing_sand: *Waiting for ${t.remaining} more approval${t.remaining === 1 ? '' : 's'}* · expires${date(approval.expiresAt)}`;
    case 'approved':
      return mrkdwn`:white_check_mark: *Approved*${date(approval.resolvedAt)}`;
    case 'rejected':
      return mrkdwn`:x: *Rejected*${by(t.rejectedBy[0]?.userId)}${date(approval.resolvedAt)}`;
    case 'expired':
      return mrkdwn`:alarm_clock: *Expired*${date(approval.expiresAt)} with ${t.approvedBy.length} of ${approval.required} approvals`;
    case 'cancelled':
      return mrkdwn`:no_entry_sign: *Cancelled*${by(approval.cancelledBy)}${date(approval.resolvedAt)}`;
  }
}

/** Who approved / rejected so far, with reasons. */
export function decisionLines(approval: Approval): Mrkdwn[] {
  const t = tally(approval);
  const who = joinMrkdwn(
    t.approvedBy.map((userId) => mrkdwn`${mention(userId)}`),
    ', ',
  );
  const lines = [
    mrkdwn`*Approvals:* ${t.approvedBy.length} of ${approval.required}${trusted(t.approvedBy.length ? ` — ${who}` : '')}`,
  ];
  for (const r of t.rejectedBy)
    lines.push(mrkdwn`*Rejected by* ${mention(r.userId)}: _${truncate(r.reason, REASON_MAX)}_`);
  return lines;
}

export function actionButtons(approval: Approval): KnownBlock {
  const value = approvalButtonValue(approval);
  return {
    type: 'actions',
    block_id: actionsBlockId(approval.id),
    elements: [
      {
        type: 'button',
        action_id: APPROVAL_IDS.approveButton,
        text: { type: 'plain_text', text: 'Approve' },
        style: 'primary',
        value,
      },
      {
        type: 'button',
        action_id: APPROVAL_IDS.rejectButton,
        text: { type: 'plain_text', text: 'Reject' },
        style: 'danger',
        value,
      },
    ],
  };
}

/** The approval card: title, subject lines, who asked and how many are needed, decisions, status; buttons only while pending. */
export function approvalCardBlocks(card: ApprovalCard): KnownBlock[] {
  const { approval } = card;
  const ttl = approval.expiresAt.getTime() - approval.createdAt.getTime();
  const blocks: KnownBlock[] = [header(cardTitle(card))];
  const lines = card.subject?.lines ?? [];
  // The subject's lines can pass one section's 3000 characters (a request's long answers): spread them out,
  // leaving room for the five blocks around them within Slack's 50.
  blocks.push(...linesToSections(lines).slice(0, 45));
  blocks.push(
    context(
      mrkdwn`Requested by ${mention(approval.requester)} · needs ${approval.required} approval${approval.required === 1 ? '' : 's'} from distinct approvers · expires after ${formatDuration(ttl)} · approval #${approval.id}`,
    ),
    section(joinMrkdwn(decisionLines(approval))),
    section(statusLine(approval)),
  );
  if (approval.status === 'pending') blocks.push(actionButtons(approval));
  return blocks;
}

/** Notification text (push notifications, screen readers) for the card. */
export function approvalCardText(card: ApprovalCard): string {
  const status = card.approval.status === 'pending' ? 'approval needed' : card.approval.status;
  return truncate(`${cardTitle(card)} — ${status}`, 3000);
}

export function rejectModal(card: ApprovalCard): ModalView {
  return {
    type: 'modal',
    callback_id: APPROVAL_IDS.rejectModal,
    private_metadata: JSON.stringify({ approvalId: approvalButtonValue(card.approval) }),
    title: { type: 'plain_text', text: 'Reject' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(mrkdwn`*${truncate(cardTitle(card), 300)}*\nRequested by ${mention(card.approval.requester)}`),
      {
        type: 'input',
        block_id: APPROVAL_IDS.reasonBlock,
        label: { type: 'plain_text', text: 'Why are you rejecting it?' },
        hint: { type: 'plain_text', text: 'The requester and every approver see this reason.' },
        element: {
          type: 'plain_text_input',
          action_id: APPROVAL_IDS.reasonInput,
          multiline: true,
          max_length: REASON_MAX,
        },
      },
    ],
  };
}

/** The Home section: approvals waiting on the viewer, each with its buttons. Empty when there are none. */
export function pendingHomeBlocks(cards: ApprovalCard[], limit = 10): KnownBlock[] {
  if (cards.length === 0) return [];
  const blocks: KnownBlock[] = [header(`Waiting for your approval (${cards.length})`)];
  for (const card of cards.slice(0, limit)) {
    const { approval } = card;
    const t = tally(approval);
    blocks.push(
      section(
        mrkdwn`*${truncate(cardTitle(card), 300)}*\nRequested by ${mention(approval.requester)} · ${t.approvedBy.length} of ${approval.required} approvals · expires ${trusted(slackDate(approval.expiresAt))}`,
      ),
      actionButtons(approval),
    );
  }
  if (cards.length > limit)
    blocks.push(context(mrkdwn`…and ${cards.length - limit} more in your DMs from groundcrew.`));
  blocks.push(divider);
  return blocks;
}
