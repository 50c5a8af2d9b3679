import type { AuditLog } from '../audit/repo.js';
import { DAY } from '../clock.js';
import type { Leases } from '../db/leases.js';
import type { Logger } from '../logger.js';
import { affectedUsers } from './model.js';
import type { ApprovalCard, ApprovalsNotifier } from './ports.js';
import type { ApprovalsRepo } from './repo.js';
import type { Approval, ApprovalSubject } from './types.js';

/** How long a hold on acting on an approval's resolution lasts without renewal (renewed while the hook runs). */
export const RESOLUTION_LEASE_TTL_MS = 15_000;

export const resolutionLeaseKey = (approvalId: number) => `approval-resolution:${approvalId}`;

/** Resolutions older than this are not looked at again by the follow-up sweep. */
export const FOLLOW_UP_WINDOW_MS = 2 * DAY;

type Hook = keyof Pick<ApprovalSubject, 'onApproved' | 'onRejected' | 'onExpired' | 'onCancelled'>;

const HOOKS: Record<Exclude<Approval['status'], 'pending'>, Hook> = {
  approved: 'onApproved',
  rejected: 'onRejected',
  expired: 'onExpired',
  cancelled: 'onCancelled',
};

export interface ResolutionDeps {
  repo: ApprovalsRepo;
  audit: Pick<AuditLog, 'record'>;
  notifier: ApprovalsNotifier;
  logger: Logger;
  leases: Pick<Leases, 'acquire'>;
  subjects: ReadonlyMap<string, ApprovalSubject>;
  card(approval: Approval): Promise<ApprovalCard>;
}

/**
 * What happens after an approval is resolved: the subject's hook (the dispatch of an approved deploy, the
 * fulfilment of an approved request), then every card copy and the Home tabs. The hook runs under the lease
 * `approval-resolution:<id>`, and the follow-up sweep runs it for a resolution whose subject is still waiting (the
 * process stopped between the resolution and the hook), so it runs once: whoever holds the lease asks the subject
 * again, and a subject that acted on the resolution no longer waits on it.
 */
export function createResolutions(deps: ResolutionDeps) {
  const { repo, audit, notifier, logger, leases, subjects } = deps;
  const target = (a: Approval) => `approval:${a.id}`;
  const subjectRef = (a: Approval) => `${a.subjectType}:${a.subjectId}`;

  async function refreshCards(approval: Approval): Promise<void> {
    const view = await deps.card(approval);
    // In the approvers' order, the channel's copy last (cards are stored in whatever order their posts finished).
    const rank = (userId: string | null) => (userId === null ? Infinity : approval.approvers.indexOf(userId));
    const refs = (await repo.cards(approval.id)).sort((x, y) => rank(x.userId) - rank(y.userId));
    const results = await Promise.allSettled(
      refs.map((ref) => notifier.updateCard({ channel: ref.channel, ts: ref.ts }, view)),
    );
    for (const r of results) {
      if (r.status === 'rejected')
        logger.error(`approvals: updating a card of approval ${approval.id} failed:`, r.reason);
    }
  }

  async function homeChanged(approval: Approval): Promise<void> {
    try {
      await notifier.homeChanged(affectedUsers(approval));
    } catch (error) {
      logger.error(`approvals: refreshing Home tabs for approval ${approval.id} failed:`, error);
    }
  }

  /** Runs the subject's hook; a failure is logged and audited (the caller holds the resolution lease). */
  async function runHook(approval: Approval, hook: Hook): Promise<void> {
    const subject = subjects.get(approval.subjectType);
    const fn = subject?.[hook];
    if (!subject || !fn) return;
    try {
      await fn.call(subject, approval);
    } catch (error) {
      logger.error(`approvals: ${approval.subjectType}.${hook} for approval ${approval.id} failed:`, error);
      await audit.record({
        actor: 'system',
        action: `approvals.${hook}`,
        target: target(approval),
        inputs: { subject: subjectRef(approval) },
        outcome: 'failed',
        detail: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** Does the subject still wait on this approval (it has not acted on the resolution)? Unknown: no. */
  async function stillWaiting(approval: Approval): Promise<boolean> {
    const subject = subjects.get(approval.subjectType);
    if (!subject?.isWaiting || !subject[HOOKS[approval.status as keyof typeof HOOKS]]) return false;
    try {
      return await subject.isWaiting(approval);
    } catch (error) {
      logger.warn(`approvals: asking whether ${subjectRef(approval)} waits on approval ${approval.id}:`, error);
      return false;
    }
  }

  return {
    refreshCards,
    homeChanged,

    /**
     * After a resolution, the subject's hook first (no Slack call between the resolution and a dispatch), then
     * the cards and Home tabs. Without the lease (the follow-up sweep holds it) the sweep runs the hook.
     */
    async afterResolution(approval: Approval, hook: Hook): Promise<void> {
      const lease = await leases.acquire(resolutionLeaseKey(approval.id), RESOLUTION_LEASE_TTL_MS);
      if (lease) {
        try {
          await runHook(approval, hook);
        } finally {
          await lease.release();
        }
      }
      await refreshCards(approval);
      await homeChanged(approval);
    },

    /**
     * `approvals.follow-up`: resolutions since `since` whose subject still waits on them (the process stopped after
     * the resolution was stored and before the subject's hook ran) get their hook now, once; returns how many.
     */
    async followUp(since: Date): Promise<number> {
      let handled = 0;
      for (const approval of await repo.resolvedSince(since)) {
        if (!(await stillWaiting(approval))) continue;
        const lease = await leases.acquire(resolutionLeaseKey(approval.id), RESOLUTION_LEASE_TTL_MS);
        if (!lease) continue; // its hook is running right now, here or on another replica
        try {
          // Acted on by whoever held the lease before this claim: nothing left to do.
          if (!(await stillWaiting(approval))) continue;
          handled++;
          await audit.record({
            actor: 'system',
            action: 'approvals.follow-up',
            target: target(approval),
            inputs: { subject: subjectRef(approval), status: approval.status },
            detail: 'its subject had not acted on the resolution (groundcrew stopped in between)',
          });
          await runHook(approval, HOOKS[approval.status as keyof typeof HOOKS]);
        } finally {
          await lease.release();
        }
        await refreshCards(approval);
        await homeChanged(approval);
      }
      return handled;
    },
  };
}
