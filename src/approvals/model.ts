import type { Approval, ApprovalDecisionKind, ApprovalStatus } from './types.js';

/**
 * Pure approval rules: who may decide, how decisions add up, when an approval expires.
 * No Slack, no drizzle, no clock: time comes in as `now`.
 */

/** The eligible approvers: every expanded principal except the requester, deduplicated, in order. */
export function eligibleApprovers(expanded: readonly string[], requester: string): string[] {
  return [...new Set(expanded)].filter((id) => id !== requester);
}

/** When an approval created at `createdAt` with this TTL expires (exactly TTL later). */
export function expiryOf(createdAt: Date, ttlMs: number): Date {
  return new Date(createdAt.getTime() + ttlMs);
}

/** True once `now` has reached the expiry time (an approval expires at exactly its TTL). */
export function isDue(approval: Pick<Approval, 'status' | 'expiresAt'>, now: Date): boolean {
  return approval.status === 'pending' && now.getTime() >= approval.expiresAt.getTime();
}

export interface Tally {
  /** Distinct approvers who approved, in decision order. */
  approvedBy: string[];
  /** Rejections with their reasons, in decision order. */
  rejectedBy: { userId: string; reason: string }[];
  /** Approvals still needed (0 when enough). */
  remaining: number;
}

/** Counts decisions: only eligible approvers count, each at most once, never the requester. */
export function tally(approval: Pick<Approval, 'decisions' | 'approvers' | 'requester' | 'required'>): Tally {
  const approvedBy: string[] = [];
  const rejectedBy: { userId: string; reason: string }[] = [];
  const counted = new Set<string>();
  for (const d of approval.decisions) {
    if (d.userId === approval.requester || !approval.approvers.includes(d.userId) || counted.has(d.userId)) continue;
    counted.add(d.userId);
    if (d.decision === 'approve') approvedBy.push(d.userId);
    else rejectedBy.push({ userId: d.userId, reason: d.reason ?? '' });
  }
  return { approvedBy, rejectedBy, remaining: Math.max(0, approval.required - approvedBy.length) };
}

/**
 * The status the decisions lead to, for a pending approval: one rejection rejects at once (it short-circuits
 * however many approvals there are); `required` distinct approvals approve; otherwise it stays pending.
 */
export function statusFromDecisions(
  approval: Pick<Approval, 'decisions' | 'approvers' | 'requester' | 'required'>,
): Extract<ApprovalStatus, 'pending' | 'approved' | 'rejected'> {
  const t = tally(approval);
  if (t.rejectedBy.length > 0) return 'rejected';
  return t.remaining === 0 ? 'approved' : 'pending';
}

export type RefusalCode = 'resolved' | 'expired' | 'requester' | 'not_approver' | 'already_decided' | 'reason_required';

export interface Refusal {
  code: RefusalCode;
  /** Meant for the person who clicked. */
  message: string;
}

const STATUS_WORD: Record<Exclude<ApprovalStatus, 'pending'>, string> = {
  approved: 'approved',
  rejected: 'rejected',
  expired: 'expired',
  cancelled: 'cancelled',
};

/**
 * Whether `userId` may make this decision now. Null means yes; otherwise the reason why not, worded for them.
 * Pass `reason` for a rejection (it must not be blank); leave it undefined to ask only "may they decide at all".
 */
export function checkDecision(
  approval: Approval,
  userId: string,
  decision: ApprovalDecisionKind,
  now: Date,
  reason?: string,
): Refusal | null {
  if (approval.status !== 'pending') {
    return {
      code: 'resolved',
      message: `This approval is already ${STATUS_WORD[approval.status]}; decisions are closed.`,
    };
  }
  if (isDue(approval, now)) {
    return { code: 'expired', message: 'This approval has expired; ask the requester to start a new one.' };
  }
  if (userId === approval.requester) {
    return { code: 'requester', message: 'You asked for this, so you cannot approve or reject it yourself.' };
  }
  if (!approval.approvers.includes(userId)) {
    return {
      code: 'not_approver',
      message: 'You are not one of the approvers for this, so your click changes nothing.',
    };
  }
  const previous = approval.decisions.find((d) => d.userId === userId);
  if (previous) {
    return {
      code: 'already_decided',
      message: `You already ${previous.decision === 'approve' ? 'approved' : 'rejected'} this; each approver counts once.`,
    };
  }
  if (decision === 'reject' && reason !== undefined && reason.trim() === '') {
    return { code: 'reason_required', message: 'Give a reason for the rejection.' };
  }
  return null;
}

/** Approvers who can still act on it: pending, not expired, eligible and not yet decided. */
export function awaits(approval: Approval, userId: string, now: Date): boolean {
  return checkDecision(approval, userId, 'approve', now) === null;
}

/** Everyone whose view of this approval (Home tab) changes when it does: approvers and the requester. */
export function affectedUsers(approval: Pick<Approval, 'approvers' | 'requester'>): string[] {
  return [...new Set([...approval.approvers, approval.requester])];
}

/**
 * A card post that posting again cannot fix (the person or channel cannot be messaged, the bot lacks a scope):
 * thrown by the notifier. Any other failed post (Slack answered an error, or did not answer) is sent again by
 * `approvals.resend-cards`.
 */
export class LastingPostFailure extends Error {
  override name = 'LastingPostFailure';
}
