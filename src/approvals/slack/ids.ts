import { itemRef } from '../../slack/item-ref.js';

/** Every action_id / block_id / callback_id the approval card, the reject modal and the Home section use. */
export const APPROVAL_IDS = {
  /** Prefix of the actions block on a card (DM, channel or Home); see actionsBlockId. */
  actionsBlock: 'approvals.actions',
  approveButton: 'approvals.approve',
  rejectButton: 'approvals.reject',
  /** The reject-reason modal. */
  rejectModal: 'approvals.reject-modal',
  reasonBlock: 'approvals.reason',
  reasonInput: 'approvals.reason-input',
} as const;

/** Button values carry the approval's reference (id and nonce); action_id stays fixed so one listener handles every card. */
export const approvalButtonValue = (approval: { id: number; nonce: string | null }) => itemRef(approval);

/** block_ids must be unique within a view: the Home tab can list several approvals. */
export const actionsBlockId = (approvalId: number) => `${APPROVAL_IDS.actionsBlock}.${approvalId}`;
