import type { AuditLog } from '../audit/repo.js';
import { formatDuration, MINUTE } from '../clock.js';
import type { HeldLease, Leases } from '../db/leases.js';
import { conflict } from '../errors.js';
import type { Logger } from '../logger.js';
import { mention, mrkdwn } from '../mrkdwn.js';
import type { DeploysConfig } from './config.js';
import { deployTarget, type Lifecycle } from './lifecycle.js';
import { awaitsApproval, type DeployStatus } from './model.js';
import type { Approval, DeployApprovals } from './ports.js';
import type { DeploysRepo } from './repo.js';
import type { DeployRow } from './schema.js';

export interface ApprovalStepsDeps {
  config: DeploysConfig;
  repo: DeploysRepo;
  audit: Pick<AuditLog, 'record'>;
  approvals: DeployApprovals;
  logger: Logger;
  leases: Pick<Leases, 'acquire'>;
}

/** How long a hold on taking a new deploy to its first step lasts without renewal (renewed while it is taken). */
export const START_LEASE_TTL_MS = 15_000;

/** The lease on taking deploy `id` from `requested` to its first step, so the recovery sweep leaves it alone. */
export const startLeaseKey = (id: number) => `deploy-start:${id}`;

/** A deploy still `requested` this long after it was stored, with nobody taking it on, was left by a crash. */
export const UNLINKED_AFTER_MS = MINUTE;

/**
 * A deploy's way through its approval: asking for it (linked in the approval's transaction), and the approval's
 * outcome (the hooks the shared approvals call, once; the follow-up sweep calls them again for a resolution a crash
 * kept from arriving). Also the recovery of a deploy a crash left `requested`, before its approval was linked.
 */
export function createApprovalSteps(deps: ApprovalStepsDeps, life: Lifecycle) {
  const { config, repo, audit, approvals, logger } = deps;
  const { show, finish, move, startRun } = life;

  /** Claims taking deploy `id` to its first step; null: it is being taken there right now (here or elsewhere). */
  const claimStart = (id: number): Promise<HeldLease | null> =>
    deps.leases.acquire(startLeaseKey(id), START_LEASE_TTL_MS);

  /** Asks for the approval its environment needs, linked before any card; a refusal fails the deploy. */
  async function ask(deploy: DeployRow): Promise<DeployRow> {
    const env = config.environments.find((e) => e.name === deploy.environment);
    try {
      if (!env) throw new Error(`environment "${deploy.environment}" is no longer configured`);
      // Link first, post after: the deploy awaits the approval (same transaction as its insert) before any card.
      await approvals.request({
        subjectType: 'deploy',
        subjectId: String(deploy.id),
        requester: deploy.requestedBy,
        policy: { count: env.approvals.count, approvers: env.approvals.approvers, ttlMs: env.approvalTtl },
        link: async (approval) => {
          if (!(await move(deploy, 'awaiting_approval', { approvalId: approval.id })))
            throw conflict(`Deploy #${deploy.id} changed while its approval was being asked for.`);
        },
      });
      return await show((await repo.get(deploy.id)) ?? deploy);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return (await finish(deploy, 'failed', mrkdwn`could not ask for approval: ${message}`)) ?? deploy;
    }
  }

  /** The deploy approval `approval` resolved, if it is still in one of `statuses` (default: awaiting it). */
  async function forApproval(
    approval: Approval,
    statuses: readonly DeployStatus[] = ['awaiting_approval'],
  ): Promise<DeployRow | null> {
    const deploy = await repo.get(Number(approval.subjectId));
    if (!deploy || !statuses.includes(deploy.status) || (deploy.approvalId ?? approval.id) !== approval.id) {
      logger.warn(
        `deploys: approval ${approval.id} resolved for deploy ${approval.subjectId}, which is not awaiting approval`,
      );
      return null;
    }
    return deploy;
  }

  /** A deploy a crash left `requested` (stored, never linked to an approval nor started), its start lease held. */
  async function recoverOne(deploy: DeployRow): Promise<void> {
    const needsApproval = (config.environments.find((e) => e.name === deploy.environment)?.approvals.count ?? 0) > 0;
    await audit.record({
      actor: 'system',
      action: 'deploys.recover',
      target: deployTarget(deploy.id),
      detail: needsApproval
        ? 'requested and never linked to its approval (groundcrew stopped before it): asking for it now'
        : 'requested and never started (groundcrew stopped before it)',
    });
    // Asking for approval starts nothing: it is asked for now. A dispatch nobody saw confirmed is not started late.
    if (needsApproval) await ask(deploy);
    else await finish(deploy, 'failed', mrkdwn`groundcrew stopped before starting it; request it again`);
  }

  return {
    claimStart,
    ask,

    async onApproved(approval: Approval) {
      // `approved`: the process stopped between this move and the dispatch; the follow-up sweep dispatches it.
      const deploy = await forApproval(approval, ['awaiting_approval', 'approved']);
      if (!deploy) return;
      const approvedBy = approval.decisions.filter((d) => d.decision === 'approve').map((d) => d.userId);
      // No Slack call between the approval and the dispatch: the status message moves on once the run started.
      const approved = deploy.status === 'approved' ? deploy : await move(deploy, 'approved', { approvedBy });
      if (approved) await startRun(approved);
    },
    /** Has this deploy not yet acted on `approval` (awaiting it, or approved by it and not dispatched)? */
    async waitsOn(approval: Approval): Promise<boolean> {
      const deploy = await repo.get(Number(approval.subjectId));
      if (awaitsApproval(deploy, approval.id)) return true;
      return approval.status === 'approved' && deploy?.status === 'approved' && deploy.approvalId === approval.id;
    },
    async onRejected(approval: Approval) {
      const deploy = await forApproval(approval);
      if (!deploy) return;
      const last = approval.decisions.at(-1);
      await finish(
        deploy,
        'rejected',
        mrkdwn`rejected by ${mention(last?.userId ?? '?')}: ${last?.reason ?? 'no reason given'}`,
        last?.userId,
      );
    },
    async onExpired(approval: Approval) {
      const deploy = await forApproval(approval);
      if (!deploy) return;
      const ttl = config.environments.find((e) => e.name === deploy.environment)?.approvalTtl;
      await finish(deploy, 'expired', mrkdwn`no approval within ${ttl ? formatDuration(ttl) : 'the time allowed'}`);
    },

    /**
     * Deploys left `requested` for UNLINKED_AFTER_MS with nobody holding their start lease (the process stopped
     * between storing one and linking its approval or starting it): asks for the approval, or fails it and tells
     * the requester. Returns how many it recovered.
     */
    async recoverRequested(now: Date): Promise<number> {
      let recovered = 0;
      for (const listed of await repo.withStatus(['requested'])) {
        if (now.getTime() - listed.updatedAt.getTime() < UNLINKED_AFTER_MS) continue;
        const lease = await claimStart(listed.id);
        if (!lease) continue; // being taken to its first step right now
        try {
          const deploy = await repo.get(listed.id);
          if (deploy?.status !== 'requested' || deploy.approvalId !== null) continue;
          recovered++;
          await recoverOne(deploy);
        } finally {
          await lease.release();
        }
      }
      return recovered;
    },
  };
}
