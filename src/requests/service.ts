import type { Approval } from '../approvals/types.js';
import { forbidden, invalidInput, isDomainError, notFound } from '../errors.js';
import { createSafely } from '../logger.js';
import { joinMrkdwn, type Mrkdwn, mention, mrkdwn, trusted } from '../mrkdwn.js';
import type { RequestType } from './config.js';
import { createFulfilment, type Fulfilment } from './fulfilment.js';
import { assertTransition, isTerminal, OPEN_STATUSES, type RequestStatus, STATUS_LABEL, sortQueue } from './model.js';
import type { RequestsServiceDeps } from './ports.js';
import type { RequestPatch, RequestRow } from './repo.js';
import { computeStats, type TypeStats } from './stats.js';
import { type RawValue, type ValidationResult, validateFields } from './validate.js';

export const SUBJECT_TYPE = 'request';

/** How long a hold on taking a request to its first step lasts without renewal (renewed while it is taken). */
export const START_LEASE_TTL_MS = 15_000;

/** The lease on taking request `id` to its next step, so the resume sweep of any replica leaves it alone meanwhile. */
export const startLeaseKey = (id: number) => `request-start:${id}`;

/** What a webhook's progress report compares against: the message and outputs the request had when read. */
type RequestSnapshot = Pick<RequestRow, 'message' | 'outputs'>;

export type RequestsService = ReturnType<typeof createRequestsService>;

export function createRequestsService(deps: RequestsServiceDeps) {
  const { config, repo, clock, audit, approvals, logger } = deps;
  const typeById = (id: string): RequestType | undefined => config.types.find((t) => t.id === id);
  const typeOf = (row: RequestRow): RequestType => {
    const type = typeById(row.typeId);
    if (!type) throw notFound(`Request #${row.id} has type "${row.typeId}", which is no longer configured.`);
    return type;
  };

  const safely = createSafely(logger, 'requests');

  /** Claims taking request `id` to its next step; null: a replica (this one or another) is doing it right now. */
  const claimStart = (id: number) => deps.leases.acquire(startLeaseKey(id), START_LEASE_TTL_MS);

  /** Tells the requester, re-renders the queue card (unless it was just posted) and refreshes their Home. */
  async function announce(row: RequestRow, note?: Mrkdwn, options: { card?: boolean } = {}): Promise<void> {
    const type = typeOf(row);
    await safely(`telling ${row.requester} about #${row.id}`, () => deps.notifier.tellRequester(row, type, note));
    if (row.queueTs && options.card !== false)
      await safely(`updating the queue card of #${row.id}`, () => deps.notifier.updateQueueCard(row, type));
    await safely('refreshing Home', () => deps.notifier.homeChanged([row.requester]));
  }

  /**
   * Moves a request from its status (as `row` shows it) to `to` (plus `patch`), compare-and-set: null when
   * someone got there first. `same`: only while its message and outputs are still these, too.
   */
  function tryMove(row: RequestRow, to: RequestStatus, patch: RequestPatch = {}, same?: RequestSnapshot) {
    assertTransition(row.id, row.status, to);
    const now = clock.now();
    const changes: RequestPatch = {
      status: to,
      updatedAt: now,
      // The message belongs to this change (a reason, a webhook's words); an old one is not repeated.
      message: null,
      ...(isTerminal(to) ? { completedAt: now, nextAttemptAt: null } : {}),
      ...patch,
    };
    return repo.transition(row.id, [row.status], changes, same);
  }

  /** As tryMove, but someone getting there first is an error for the person (or a conflict if it is closed). */
  async function move(row: RequestRow, to: RequestStatus, patch: RequestPatch = {}): Promise<RequestRow> {
    const updated = await tryMove(row, to, patch);
    if (!updated) {
      const current = await repo.get(row.id);
      assertTransition(row.id, current?.status ?? row.status, to);
      throw invalidInput(`Request #${row.id} changed while you were looking at it; try again.`);
    }
    return updated;
  }

  const fulfilment: Fulfilment = createFulfilment({ ...deps, typeOf, move, tryMove, announce, safely });

  async function getOrThrow(id: number): Promise<RequestRow> {
    const row = await repo.get(id);
    if (!row) throw notFound(`There is no request #${id}.`);
    return row;
  }

  async function requirePlatform(userId: string, action: string, id: number): Promise<void> {
    if (!(await deps.people.hasRole(userId, 'platform'))) {
      await audit.record({
        actor: userId,
        action: `requests.${action}`,
        target: `request:${id}`,
        outcome: 'denied',
        detail: 'not on the platform team',
      });
      throw forbidden('Only the platform team can work the request queue.');
    }
  }

  async function afterApproval(approval: Approval, to: 'approved' | 'rejected' | 'expired'): Promise<void> {
    const row = await repo.get(Number(approval.subjectId));
    if (row?.status !== 'awaiting_approval') return;
    const rejection = [...approval.decisions].reverse().find((d) => d.decision === 'reject');
    const approvers = approval.decisions
      .filter((d) => d.decision === 'approve')
      .map((d) => mrkdwn`${mention(d.userId)}`);
    const updated = await move(row, to, {
      ...(to === 'rejected'
        ? { message: rejection?.reason ?? 'no reason given', resolvedBy: rejection?.userId ?? null }
        : {}),
      ...(to === 'expired' ? { message: 'Nobody approved it in time.' } : {}),
    });
    const note = to === 'approved' ? mrkdwn`Approved by ${trusted(joinMrkdwn(approvers, ', '))}.` : undefined;
    await audit.record({
      actor: 'system',
      action: `requests.${to}`,
      target: `request:${row.id}`,
      detail: note ?? updated.message ?? undefined,
    });
    if (to !== 'approved') return announce(updated, note);
    const lease = await claimStart(row.id);
    try {
      await announce(updated, note);
      // null only if a resume sweep found the approved request first: it starts the fulfilment.
      if (lease) await fulfilment.start(updated);
    } finally {
      await lease?.release();
    }
  }

  /** Stored and never taken further: no approval asked, no try made, nothing pending. */
  const untouched = (row: RequestRow) =>
    row.webhookAttempts === 0 &&
    row.webhookAttemptStartedAt === null &&
    row.nextAttemptAt === null &&
    row.deliveredAt === null &&
    (row.status === 'approved' || row.approvalId === null);

  /** A new request's first step: ask for approval, or start the fulfilment (a webhook try, or the queue). */
  async function firstStep(row: RequestRow, type: RequestType): Promise<RequestRow> {
    if (!type.approval) {
      await fulfilment.start(row);
      return (await repo.get(row.id)) ?? row;
    }
    try {
      // The request moves to awaiting approval in the same transaction that stores the approval (link first).
      await approvals.request({
        subjectType: SUBJECT_TYPE,
        subjectId: String(row.id),
        requester: row.requester,
        policy: { count: type.approval.count, approvers: type.approval.approvers, ttlMs: type.approval.ttl },
        link: async (approval) => {
          await move(row, 'awaiting_approval', { approvalId: approval.id });
        },
      });
      const withApproval = (await repo.get(row.id)) ?? row;
      if (withApproval.status === 'awaiting_approval') await announce(withApproval);
      return (await repo.get(row.id)) ?? withApproval;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      // Not enough eligible approvers: nobody could ever approve it, so close it and say why.
      const failed = await move(row, 'failed', { message: `Could not ask for approval: ${error.message}` });
      await audit.record({
        actor: 'system',
        action: 'requests.approval-request',
        target: `request:${row.id}`,
        outcome: 'failed',
        detail: error.message,
      });
      await announce(failed);
      return failed;
    }
  }

  /** Takes a request that was stored and never taken further to its step, its start lease held. */
  async function resumeOne(row: RequestRow, type: RequestType): Promise<void> {
    await audit.record({
      actor: 'system',
      action: 'requests.resume',
      target: `request:${row.id}`,
      detail: `${row.status} with no step taken (groundcrew stopped before it)`,
    });
    try {
      if (row.status === 'approved') await fulfilment.start(row);
      else await firstStep(row, type);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      logger.warn(`requests: resuming #${row.id}: ${error.message}`);
    }
  }

  return {
    /** Approval outcomes for a request (the capability registers them with the shared approvals). */
    onApproved: (approval: Approval) => afterApproval(approval, 'approved'),
    onRejected: (approval: Approval) => afterApproval(approval, 'rejected'),
    onExpired: (approval: Approval) => afterApproval(approval, 'expired'),
    /** Still waiting on this approval (not decided another way, not asked again under another approval)? */
    async isWaiting(approval: Approval): Promise<boolean> {
      const row = await repo.get(Number(approval.subjectId));
      return row?.status === 'awaiting_approval' && (row.approvalId === null || row.approvalId === approval.id);
    },
    types: () => config.types,
    typeById,
    get: (id: number) => repo.get(id),
    typeOf,

    /** Validates a form without storing anything (the modal shows the errors on its fields). */
    check(typeId: string, raw: Record<string, RawValue>): ValidationResult {
      const type = typeById(typeId);
      if (!type) return { ok: false, errors: {} };
      return validateFields(type.fields, raw, clock.now(), deps.timezone);
    },

    /**
     * Validates and stores a submitted form, then asks for approval or starts fulfilment.
     * Throws invalid_input with per-field messages (nothing stored) when a field is wrong.
     */
    async submit(input: { typeId: string; requester: string; raw: Record<string, RawValue> }): Promise<RequestRow> {
      const type = typeById(input.typeId);
      if (!type) throw notFound(`There is no request type "${input.typeId}".`);
      const result = validateFields(type.fields, input.raw, clock.now(), deps.timezone);
      if (!result.ok) throw invalidInput('Some answers need fixing.', result.errors);
      const now = clock.now();
      const row = await repo.insert({
        typeId: type.id,
        requester: input.requester,
        fields: result.values,
        status: 'submitted',
        mode: type.fulfilment.kind,
        submittedAt: now,
        updatedAt: now,
      });
      await audit.record({
        actor: input.requester,
        action: 'requests.submit',
        target: `request:${row.id}`,
        inputs: { type: type.id, ...result.values },
      });
      const lease = await claimStart(row.id);
      try {
        await announce(row);
        // null only if a resume sweep found the new request first: it takes the first step.
        if (!lease) return (await repo.get(row.id)) ?? row;
        return await firstStep(row, type);
      } finally {
        await lease?.release();
      }
    },

    /**
     * `requests.resume`: a request stored but never taken to its first step (groundcrew stopped between the insert
     * and asking for approval or the first try, or between an approval and the fulfilment) is taken there now.
     * Each step is a compare-and-set on the row (the move to awaiting approval, the try count, the move to the
     * queue), so a request is never asked for twice or sent twice; returns how many it resumed.
     */
    async resume(): Promise<number> {
      let resumed = 0;
      for (const listed of await repo.withStatus(['submitted', 'approved'])) {
        if (!untouched(listed) || !typeById(listed.typeId)) continue;
        const lease = await claimStart(listed.id);
        if (!lease) continue; // being taken to its next step right now, here or on another replica
        try {
          // Read again under the lease: whoever held it may have taken the step meanwhile.
          const row = await repo.get(listed.id);
          if (row && (row.status === 'submitted' || row.status === 'approved') && untouched(row)) {
            resumed++;
            await resumeOne(row, typeById(row.typeId)!);
          }
        } finally {
          await lease.release();
        }
      }
      return resumed;
    },

    async claim(id: number, userId: string): Promise<RequestRow> {
      await requirePlatform(userId, 'claim', id);
      const row = await move(await getOrThrow(id), 'claimed', { claimedBy: userId });
      await audit.record({ actor: userId, action: 'requests.claim', target: `request:${id}` });
      await announce(row);
      return row;
    },

    async complete(id: number, userId: string): Promise<RequestRow> {
      await requirePlatform(userId, 'done', id);
      const current = await getOrThrow(id);
      const row = await move(current, 'done', { resolvedBy: userId, claimedBy: current.claimedBy ?? userId });
      await audit.record({ actor: userId, action: 'requests.done', target: `request:${id}` });
      await announce(row);
      return row;
    },

    async reject(id: number, userId: string, reason: string): Promise<RequestRow> {
      await requirePlatform(userId, 'reject', id);
      if (!reason.trim()) throw invalidInput('Give a reason: the requester will see it.', { reason: 'Give a reason.' });
      const row = await move(await getOrThrow(id), 'rejected', { resolvedBy: userId, message: reason.trim() });
      await audit.record({ actor: userId, action: 'requests.reject', target: `request:${id}`, detail: reason.trim() });
      await announce(row);
      return row;
    },

    /** May this user work the queue? (Checked again by claim/complete/reject.) */
    isPlatform: (userId: string) => deps.people.hasRole(userId, 'platform'),

    mine: (userId: string, limit = 20) => repo.byRequester(userId, limit),

    /**
     * The platform team's queue: `waiting` is their manual work (queued or claimed), SLA-breached first (most
     * overdue first), then oldest; `elsewhere` is everything else still open (awaiting approval, with a webhook),
     * oldest first — shown after, so nobody mistakes it for work of theirs.
     */
    async openQueue(): Promise<{ waiting: RequestRow[]; elsewhere: RequestRow[] }> {
      const open = await repo.withStatus(OPEN_STATUSES);
      const isWork = (r: RequestRow) => r.mode === 'manual' && (r.status === 'queued' || r.status === 'claimed');
      return {
        waiting: sortQueue(open.filter(isWork), (r) => typeById(r.typeId)?.sla, clock.now()),
        elsewhere: open.filter((r) => !isWork(r)),
      };
    },

    /** Per-type figures over requests submitted since `since` (all time when omitted). */
    async stats(since?: Date): Promise<TypeStats[]> {
      const rows = await repo.list();
      return computeStats(
        since ? rows.filter((r) => r.submittedAt.getTime() >= since.getTime()) : rows,
        config.types.map((t) => t.id),
      );
    },

    /** Records a refusal made before the service was reached (a button or command only the platform team may use). */
    async recordDenied(userId: string, action: string, target?: string): Promise<void> {
      await audit.record({
        actor: userId,
        action: `requests.${action}`,
        ...(target ? { target } : {}),
        outcome: 'denied',
        detail: 'not on the platform team',
      });
    },

    fulfilment,
    statusLabel: (row: RequestRow) => STATUS_LABEL[row.status],
  };
}
