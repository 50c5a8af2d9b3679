import type { Principals } from '../config.js';
import type { Mrkdwn } from '../mrkdwn.js';

/**
 * The shared approval component's public interface. Deploys and requests (and anything else that needs
 * "N distinct people must say yes") register a subject type once and call `approvals.request(...)`.
 */

/** Who must approve, how many, and how long they have. */
export interface ApprovalPolicy {
  /** Approvals needed from distinct approvers (the requester never counts). At least 1. */
  count: number;
  /** Eligible approvers: users and usergroups (expanded when the approval is created). */
  approvers: Principals;
  /** Time until an unanswered approval expires, in ms (default 2h: DEFAULT_APPROVAL_TTL_MS). */
  ttlMs: number;
}

export const DEFAULT_APPROVAL_TTL_MS = 2 * 60 * 60_000;

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const APPROVAL_DECISIONS = ['approve', 'reject'] as const;
export type ApprovalDecisionKind = (typeof APPROVAL_DECISIONS)[number];

/** What the approval card shows about the thing being approved. */
export interface ApprovalSubjectView {
  /** Short plain title, e.g. `Deploy api v1.4.2 to production`. */
  title: string;
  /** mrkdwn lines describing the thing (built with the `mrkdwn` tag by the subject). */
  lines: Mrkdwn[];
}

/** Registered once per subject type by the owning capability (deploys, requests). */
export interface ApprovalSubject {
  /** `deploy` | `request` | … — unique. */
  type: string;
  /** The card's description of the subject; null when it no longer exists (the card then shows the bare IDs). */
  describe(subjectId: string): Promise<ApprovalSubjectView | null>;
  /** Called once, after the approval reached `approved` (the required count of distinct approvals). */
  onApproved(approval: Approval): Promise<void>;
  /** Called once, after an approver rejected with a reason (the last decision carries it). */
  onRejected(approval: Approval): Promise<void>;
  /** Called once, after the TTL passed without a resolution. */
  onExpired(approval: Approval): Promise<void>;
  /** Optional: called once after `cancel()`. */
  onCancelled?(approval: Approval): Promise<void>;
  /**
   * Optional: is the subject still waiting on this approval? Asked before cards that a crash kept from going out
   * are sent late; false cancels the approval (and tells the requester) instead. Without it: always yes.
   */
  isWaiting?(approval: Approval): Promise<boolean>;
}

export interface ApprovalDecision {
  userId: string;
  decision: ApprovalDecisionKind;
  /** Required for `reject`. */
  reason?: string;
  at: Date;
}

export interface Approval {
  id: number;
  /** Carried by every reference to this approval in Slack (src/item-ref.ts); null for approvals from before it. */
  nonce: string | null;
  subjectType: string;
  subjectId: string;
  /** Slack user ID of the person who asked; never an approver. */
  requester: string;
  /** Approvals required (policy.count). */
  required: number;
  /** Eligible approvers, expanded to user IDs at creation, requester removed. */
  approvers: string[];
  status: ApprovalStatus;
  /** In the order they were made. At most one `approve` per user. */
  decisions: ApprovalDecision[];
  createdAt: Date;
  expiresAt: Date;
  resolvedAt?: Date;
  /** Who cancelled (only when status is `cancelled`). */
  cancelledBy?: string;
}

export interface ApprovalRequestInput {
  subjectType: string;
  subjectId: string;
  requester: string;
  policy: ApprovalPolicy;
  /** Also post the card in this channel (besides the approvers' DMs). */
  channel?: string;
  /**
   * Links the subject to the new approval (stores its id, moves the subject to "awaiting approval"). Runs in the
   * same database transaction as the approval's insert, before any card is posted, so there is never an approval
   * whose subject does not know it: it writes through its repo (which joins the transaction) and awaits nothing
   * else. If it throws, nothing is stored and nothing is posted.
   */
  link?(approval: Approval): Promise<void>;
}

/**
 * Available to every capability as `deps.approvals` (typed as ApprovalsService, a superset that also carries
 * what the approvals capability's own listeners and job use). Register subjects in your capability's register().
 */
export interface ApprovalsApi {
  registerSubject(subject: ApprovalSubject): void;
  /**
   * Creates the approval (and runs `link`, in one transaction), then posts a card by DM to every eligible approver
   * (expanded from users + usergroups, minus the requester) and optionally to `channel`; returns it. Card posts
   * that fail are logged, not thrown; cards a crash kept from going out are sent by `approvals.resend-cards`.
   * Throws DomainError `invalid_input` (message meant for the requester) when there are fewer eligible approvers
   * than `policy.count`, or count < 1, or ttlMs <= 0. Throws a plain Error if the subject type is not registered.
   */
  request(input: ApprovalRequestInput): Promise<Approval>;
  /**
   * Cancels a pending approval (e.g. the deploy was withdrawn); every card copy is updated and `onCancelled` runs.
   * Who may cancel is the caller's rule; `by` is recorded. Throws DomainError `conflict` if it is no longer pending,
   * `not_found` if there is no such approval.
   */
  cancel(approvalId: number, by: string): Promise<void>;
  get(id: number): Promise<Approval | null>;
  /** Pending approvals this user can still decide on (for Home tabs). */
  pendingFor(userId: string): Promise<Approval[]>;
  /** The most recent approval for a subject, whatever its status. */
  latestFor(subjectType: string, subjectId: string): Promise<Approval | null>;
}
