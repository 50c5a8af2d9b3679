import type { Leases } from '../db/leases.js';
import { conflict, invalidInput, notFound } from '../errors.js';
import { mrkdwn } from '../mrkdwn.js';
import type { PeopleService } from '../people/service.js';
import type { ServiceDeps } from '../service-deps.js';
import {
  awaits,
  checkDecision,
  eligibleApprovers,
  expiryOf,
  isDue,
  LastingPostFailure,
  type Refusal,
  statusFromDecisions,
} from './model.js';
import type { ApprovalCard, ApprovalsNotifier } from './ports.js';
import type { ApprovalsRepo } from './repo.js';
import { createResolutions } from './resolution.js';
import type { Approval, ApprovalDecisionKind, ApprovalSubject, ApprovalSubjectView, ApprovalsApi } from './types.js';

/** What recordDecision stored: nothing (refused, or this person's other click won), a decision, or the resolution. */
type RecordedDecision =
  | { kind: 'refused' | 'lost'; refusal: Refusal; approval: Approval }
  | { kind: 'counted' | 'resolved'; approval: Approval };

export type DecisionResult = { ok: true; approval: Approval } | { ok: false; refusal: Refusal; approval: Approval };

/** The API other capabilities use, plus what the Slack listeners and the expiry job need. */
export interface ApprovalsService extends ApprovalsApi {
  /** An approver's decision. Refusals (not an approver, the requester, already resolved, …) change nothing. */
  decide(approvalId: number, userId: string, decision: ApprovalDecisionKind, reason?: string): Promise<DecisionResult>;
  /** May this user decide at all right now? Null = yes. Used before opening the reject modal. */
  refusalFor(approvalId: number, userId: string): Promise<Refusal | null>;
  /** Expires every pending approval whose TTL has passed by `now`; returns how many. */
  expireDue(now: Date): Promise<number>;
  /**
   * Sends the cards of pending approvals that a crash kept from going out (one per approver and channel that has
   * none), or cancels the approval when its subject no longer waits on it; returns how many approvals it handled.
   */
  resendCards(): Promise<number>;
  /**
   * Runs the subject's hook for resolutions since `since` that their subject still waits on (the process stopped
   * between storing the resolution and the hook); returns how many.
   */
  followUp(since: Date): Promise<number>;
  card(approval: Approval): Promise<ApprovalCard>;
}

export interface ApprovalsServiceDeps extends ServiceDeps<ApprovalsRepo, ApprovalsNotifier> {
  people: Pick<PeopleService, 'expand'>;
  /** The lease on an approval's cards while they are being posted, so no other replica's sweep posts them too. */
  leases: Pick<Leases, 'acquire'>;
}

/** How long a hold on posting an approval's cards lasts without renewal (renewed while they are posted). */
export const CARDS_LEASE_TTL_MS = 15_000;

export const cardsLeaseKey = (approvalId: number) => `approval-cards:${approvalId}`;

export function createApprovalsService(deps: ApprovalsServiceDeps): ApprovalsService {
  const { repo, clock, people, audit, notifier, logger, leases } = deps;
  const subjects = new Map<string, ApprovalSubject>();
  /** Claims posting the cards of an approval (on any replica); null: someone is posting them right now. */
  const claimCards = (id: number) => leases.acquire(cardsLeaseKey(id), CARDS_LEASE_TTL_MS);

  async function card(approval: Approval): Promise<ApprovalCard> {
    const subject = subjects.get(approval.subjectType);
    let view: ApprovalSubjectView | null = null;
    try {
      view = (await subject?.describe(approval.subjectId)) ?? null;
    } catch (error) {
      logger.warn(`approvals: describing ${approval.subjectType}:${approval.subjectId} failed:`, error);
    }
    return { approval, subject: view };
  }

  const target = (a: Approval) => `approval:${a.id}`;
  const subjectRef = (a: Approval) => `${a.subjectType}:${a.subjectId}`;
  /** An audit entry for something groundcrew did to an approval by itself (no person asked). */
  const recordSystem = (action: string, a: Approval, detail: string) =>
    audit.record({ actor: 'system', action, target: target(a), inputs: { subject: subjectRef(a) }, detail });
  const { afterResolution, refreshCards, homeChanged, followUp } = createResolutions({ ...deps, subjects, card });

  /**
   * Posts a card to every approver (DM) and to the channel that has none yet, records each, then marks it sent
   * unless a post failed in a way a retry may fix. The caller holds the approval's cards lease.
   */
  async function sendCards(approval: Approval): Promise<void> {
    const have = await repo.cards(approval.id);
    const view = await card(approval);
    const targets: { to: string; userId: string | null }[] = approval.approvers
      .filter((userId) => !have.some((c) => c.userId === userId))
      .map((userId) => ({ to: userId, userId }));
    const channel = await repo.cardChannel(approval.id);
    if (channel && !have.some((c) => c.userId === null)) targets.push({ to: channel, userId: null });
    const posted = await Promise.allSettled(
      targets.map(async (t) => {
        const ref = await notifier.postCard(t.to, view);
        // Recorded as soon as it is posted, so a crash after this one does not send it again.
        await repo.addCard(approval.id, { ...ref, userId: t.userId }, clock.now());
      }),
    );
    posted.forEach((result, i) => {
      if (result.status === 'rejected')
        logger.error(`approvals: posting approval ${approval.id} to ${targets[i]!.to} failed:`, result.reason);
    });
    // A post Slack refused for now (an error answer, no answer) stays unsent: the resend sweep tries it again.
    const retry = posted.some((r) => r.status === 'rejected' && !(r.reason instanceof LastingPostFailure));
    if (!retry) await repo.markCardsSent(approval.id, clock.now());
  }

  async function mustGet(id: number): Promise<Approval> {
    const approval = await repo.get(id);
    if (!approval) throw notFound(`There is no approval #${id}.`);
    return approval;
  }

  async function expire(approval: Approval, now: Date): Promise<boolean> {
    if (!(await repo.resolve(approval.id, 'expired', now))) return false;
    const expired = await mustGet(approval.id);
    await audit.record({
      actor: 'system',
      action: 'approvals.expire',
      target: target(expired),
      inputs: { subject: subjectRef(expired), approvals: expired.decisions.length, required: expired.required },
    });
    await afterResolution(expired, 'onExpired');
    return true;
  }

  /** Sends the cards a crash kept from going out, or cancels the approval if nothing waits on it (lease held). */
  async function resendOne(approval: Approval): Promise<void> {
    const subject = subjects.get(approval.subjectType);
    let waiting = true;
    try {
      waiting = subject?.isWaiting ? await subject.isWaiting(approval) : subject !== undefined;
    } catch (error) {
      logger.warn(`approvals: asking whether ${subjectRef(approval)} waits on approval ${approval.id}:`, error);
    }
    if (waiting) {
      await recordSystem(
        'approvals.resend-cards',
        approval,
        'cards that were not posted (groundcrew restarted, or Slack refused them for now)',
      );
      await sendCards(approval);
      await homeChanged(approval);
      return;
    }
    // Nothing waits on it any more (the subject is gone or moved on): cancel it rather than ask anyone.
    if (!(await repo.resolve(approval.id, 'cancelled', clock.now(), 'system'))) return;
    await repo.markCardsSent(approval.id, clock.now());
    const cancelled = await mustGet(approval.id);
    await recordSystem('approvals.cancel', cancelled, 'orphaned: its subject no longer waits on it');
    try {
      await notifier.tell(
        cancelled.requester,
        mrkdwn`Your approval request #${cancelled.id} (${cancelled.subjectType} ${cancelled.subjectId}) was cancelled: groundcrew stopped while asking for it and what it was for has moved on. Ask again if it is still needed.`,
      );
    } catch (error) {
      logger.error(`approvals: telling ${cancelled.requester} about cancelled approval ${cancelled.id}:`, error);
    }
    await afterResolution(cancelled, 'onCancelled');
  }

  /**
   * The database half of a decision, in one transaction: check it, store it (the unique index counts each approver
   * once), and resolve the approval when it reached its count (compare-and-set on status). Two approvers deciding
   * at once take turns (SQLite) or one is retried (PostgreSQL, serializable), so no decision lands on an approval
   * that the other one just resolved. Nothing but the database inside; the caller posts to Slack after.
   */
  function recordDecision(
    approvalId: number,
    userId: string,
    decision: ApprovalDecisionKind,
    reason: string | undefined,
    now: Date,
  ): Promise<RecordedDecision> {
    return repo.transaction(async (): Promise<RecordedDecision> => {
      const approval = await mustGet(approvalId);
      const typed = decision === 'reject' ? (reason ?? '') : undefined;
      const refusal = checkDecision(approval, userId, decision, now, typed);
      const action = `approvals.${decision}`;
      const subject = subjectRef(approval);
      if (refusal) {
        const inputs = { subject, ...(reason ? { reason } : {}) };
        await audit.record({
          actor: userId,
          action,
          target: target(approval),
          inputs,
          outcome: 'denied',
          detail: refusal.message,
        });
        return { kind: 'refused', refusal, approval };
      }
      const trimmed = decision === 'reject' ? reason?.trim() : undefined;
      const stored = { approvalId, userId, decision, ...(trimmed ? { reason: trimmed } : {}), at: now };
      if (!(await repo.addDecision(stored))) {
        // Lost a race with the same person's other click: the first one counts.
        const current = await mustGet(approvalId);
        const already = {
          code: 'already_decided' as const,
          message: 'You already decided on this; each approver counts once.',
        };
        return { kind: 'lost', refusal: checkDecision(current, userId, decision, now) ?? already, approval: current };
      }
      const inputs = { subject, ...(trimmed ? { reason: trimmed } : {}) };
      await audit.record({ actor: userId, action, target: target(approval), inputs });
      const updated = await mustGet(approvalId);
      const next = statusFromDecisions(updated);
      if (next === 'pending' || !(await repo.resolve(approvalId, next, now)))
        return { kind: 'counted', approval: updated };
      const resolved = await mustGet(approvalId);
      await audit.record({
        actor: userId,
        action: next === 'approved' ? 'approvals.approved' : 'approvals.rejected',
        target: target(resolved),
        inputs: { subject, decisions: resolved.decisions.length, required: resolved.required },
      });
      return { kind: 'resolved', approval: resolved };
    });
  }

  return {
    card,

    registerSubject(subject) {
      if (subjects.has(subject.type)) throw new Error(`approval subject "${subject.type}" registered twice`);
      subjects.set(subject.type, subject);
    },

    async request(input) {
      if (!subjects.has(input.subjectType)) {
        throw new Error(`approvals.request: subject type "${input.subjectType}" is not registered`);
      }
      const { policy } = input;
      if (!Number.isInteger(policy.count) || policy.count < 1) {
        throw invalidInput(`An approval needs a count of at least 1 (got ${policy.count}).`);
      }
      if (!(policy.ttlMs > 0))
        throw invalidInput(`An approval needs a positive time to live (got ${policy.ttlMs} ms).`);
      const approvers = eligibleApprovers(await people.expand(policy.approvers), input.requester);
      if (approvers.length < policy.count) {
        throw invalidInput(
          `This needs ${policy.count} approval${policy.count === 1 ? '' : 's'} from people other than you, ` +
            `but only ${approvers.length} eligible approver${approvers.length === 1 ? ' is' : 's are'} configured.`,
        );
      }
      const now = clock.now();
      // Link first, post after: the approval and the subject's link to it are committed together, before any card.
      const approval = await repo.transaction(async () => {
        const inserted = await repo.insert({
          subjectType: input.subjectType,
          subjectId: input.subjectId,
          requester: input.requester,
          required: policy.count,
          approvers,
          createdAt: now,
          expiresAt: expiryOf(now, policy.ttlMs),
          cardChannel: input.channel ?? null,
        });
        await input.link?.(inserted);
        return inserted;
      });
      // null only if another replica's resend sweep found it first: that replica posts the cards.
      const lease = await claimCards(approval.id);
      await audit.record({
        actor: input.requester,
        action: 'approvals.request',
        target: target(approval),
        inputs: {
          subject: subjectRef(approval),
          required: approval.required,
          approvers,
          ttlMs: policy.ttlMs,
          ...(input.channel ? { channel: input.channel } : {}),
        },
      });
      if (lease) {
        try {
          await sendCards(approval);
        } finally {
          await lease.release();
        }
      }
      await homeChanged(approval);
      return approval;
    },

    async decide(approvalId, userId, decision, reason) {
      const now = clock.now();
      const done = await recordDecision(approvalId, userId, decision, reason, now);
      switch (done.kind) {
        case 'refused':
          if (done.refusal.code === 'expired') await expire(done.approval, now);
          return { ok: false, refusal: done.refusal, approval: await mustGet(approvalId) };
        case 'lost':
          return { ok: false, refusal: done.refusal, approval: done.approval };
        case 'resolved':
          await afterResolution(done.approval, done.approval.status === 'approved' ? 'onApproved' : 'onRejected');
          return { ok: true, approval: done.approval };
        case 'counted':
          await refreshCards(done.approval);
          await homeChanged(done.approval);
          return { ok: true, approval: await mustGet(approvalId) };
      }
    },

    async refusalFor(approvalId, userId) {
      return checkDecision(await mustGet(approvalId), userId, 'reject', clock.now());
    },

    async cancel(approvalId, by) {
      const approval = await mustGet(approvalId);
      if (approval.status !== 'pending' || !(await repo.resolve(approvalId, 'cancelled', clock.now(), by))) {
        const now = (await mustGet(approvalId)).status;
        throw conflict(`Approval #${approvalId} is already ${now}; it cannot be cancelled.`);
      }
      const cancelled = await mustGet(approvalId);
      await audit.record({
        actor: by,
        action: 'approvals.cancel',
        target: target(cancelled),
        inputs: { subject: subjectRef(cancelled) },
      });
      await afterResolution(cancelled, 'onCancelled');
    },

    async resendCards() {
      let handled = 0;
      for (const approval of await repo.unsent()) {
        const lease = await claimCards(approval.id);
        if (!lease) continue; // being posted right now, here or on another replica
        try {
          // Posted meanwhile by whoever held the lease before this claim: nothing left to do.
          if (!(await repo.unsent()).some((a) => a.id === approval.id)) continue;
          handled++;
          await resendOne(approval);
        } finally {
          await lease.release();
        }
      }
      return handled;
    },

    followUp,

    async expireDue(now) {
      let count = 0;
      for (const approval of await repo.due(now)) {
        if (isDue(approval, now) && (await expire(approval, now))) count++;
      }
      return count;
    },

    get: (id) => repo.get(id),

    async pendingFor(userId) {
      const now = clock.now();
      return (await repo.pending()).filter((a) => awaits(a, userId, now));
    },

    latestFor: (subjectType, subjectId) => repo.latestFor(subjectType, subjectId),
  };
}
