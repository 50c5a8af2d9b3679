import { type ItemRef, itemRef, refMatches } from '../item-ref.js';
import { backoffDelayMs, sendWebhook } from '../webhooks/sender.js';
import type { RequestType, WebhookFulfilment } from './config.js';
import { type CallbackStatus, canTransition, isTerminal, type RequestStatus, slaBreached } from './model.js';
import type { RequestsServiceDeps } from './ports.js';
import type { RequestPatch, RequestRow } from './repo.js';

/** What the service lends fulfilment: its helpers for moving and announcing a request. */
interface FulfilmentDeps extends RequestsServiceDeps {
  typeOf(row: RequestRow): RequestType;
  move(row: RequestRow, to: RequestStatus, patch?: RequestPatch): Promise<RequestRow>;
  tryMove(
    row: RequestRow,
    to: RequestStatus,
    patch?: RequestPatch,
    same?: Pick<RequestRow, 'message' | 'outputs'>,
  ): Promise<RequestRow | null>;
  announce(row: RequestRow, note?: string, options?: { card?: boolean }): Promise<void>;
  safely(what: string, effect: () => Promise<unknown>): Promise<void>;
}

/** The body groundcrew POSTs (signed) to a type's fulfilment webhook. */
export interface FulfilmentPayload {
  requestId: number;
  type: string;
  fields: RequestRow['fields'];
  requestedBy: string;
  callbackUrl: string;
}

export interface CallbackInput {
  status: CallbackStatus;
  message?: string;
  outputs?: Record<string, string>;
}

export type CallbackResult =
  | { ok: true; request: RequestRow }
  | { ok: false; httpStatus: 400 | 401 | 404 | 409; error: string };

export type Fulfilment = ReturnType<typeof createFulfilment>;

const PENDING_DELIVERY: readonly RequestStatus[] = ['submitted', 'approved'];

/** What `repo.dueDeliveries` selects, asked of one row read again. */
const isDueDelivery = (row: RequestRow, now: Date) =>
  row.mode === 'webhook' &&
  row.deliveredAt === null &&
  row.nextAttemptAt !== null &&
  row.nextAttemptAt.getTime() <= now.getTime();

/** How long one fulfilment POST may take; a try still unanswered after this (a crash cut it off) is retried. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * How long a replica's hold on a request's delivery lasts without renewal (renewed while a try is under way): the
 * try's own timeout, so a try whose replica died is taken over when the database says it timed out.
 */
export const WEBHOOK_LEASE_TTL_MS = WEBHOOK_TIMEOUT_MS;

export const webhookLeaseKey = (requestId: number) => `request-webhook:${requestId}`;

/** The receiver's de-duplication key: the same for every try of one request (see docs/requests.md). */
export const idempotencyKey = (requestId: number) => `request-${requestId}`;

const conflictWith = (id: number): CallbackResult => ({
  ok: false,
  httpStatus: 409,
  error: `request ${id} changed while this report was applied; send it again`,
});

export function createFulfilment(deps: FulfilmentDeps) {
  const { repo, clock, audit, notifier, typeOf, move, tryMove, announce, safely, leases } = deps;
  /** Claims delivering request `id` (a try and what follows it); null: a replica is on it right now. */
  const claimDelivery = (id: number) => leases.acquire(webhookLeaseKey(id), WEBHOOK_LEASE_TTL_MS);

  async function toQueue(row: RequestRow, note?: string): Promise<RequestRow> {
    const type = typeOf(row);
    const queued = await move(row, 'queued', {
      mode: 'manual',
      nextAttemptAt: null,
      ...(note ? { message: note, lastError: note } : {}),
    });
    let posted: RequestRow = queued;
    await safely(`posting #${row.id} to the queue`, async () => {
      const ref = await notifier.postQueueCard(deps.config.channel, queued, type);
      posted = (await repo.update(row.id, { queueChannel: ref.channel, queueTs: ref.ts })) ?? queued;
    });
    await audit.record({ actor: 'system', action: 'requests.queue', target: `request:${row.id}`, detail: note });
    await announce(posted, undefined, { card: false });
    return posted;
  }

  /** One try of the webhook, with the request's delivery lease held by the caller. */
  async function attempt(row: RequestRow, webhook: WebhookFulfilment): Promise<RequestRow> {
    const payload: FulfilmentPayload = {
      requestId: row.id,
      type: row.typeId,
      fields: row.fields,
      requestedBy: row.requester,
      callbackUrl: `${deps.publicUrl.replace(/\/$/, '')}/hooks/requests/${itemRef(row)}`,
    };
    const attempts = row.webhookAttempts + 1;
    const startedAt = clock.now();
    // Recorded before the POST: if the process dies before the answer, the sweep finds this try past its timeout.
    const started = await repo.startAttempt(row.id, row.webhookAttempts, {
      webhookAttemptStartedAt: startedAt,
      nextAttemptAt: new Date(startedAt.getTime() + WEBHOOK_TIMEOUT_MS),
    });
    if (!started) return (await repo.get(row.id)) ?? row;
    const result = await sendWebhook(deps.fetch, {
      url: webhook.url,
      secret: webhook.secret,
      payload,
      timeoutMs: WEBHOOK_TIMEOUT_MS,
      headers: { 'Idempotency-Key': idempotencyKey(row.id), 'X-Groundcrew-Delivery-Attempt': String(attempts) },
    });
    return afterAttempt(started, webhook, attempts, result);
  }

  async function afterAttempt(
    row: RequestRow,
    webhook: WebhookFulfilment,
    attempts: number,
    result: { ok: true; status: number } | { ok: false; error: string },
  ): Promise<RequestRow> {
    const now = clock.now();
    const current = (await repo.get(row.id)) ?? row;
    if (result.ok) {
      await audit.record({
        actor: 'system',
        action: 'requests.webhook',
        target: `request:${row.id}`,
        detail: `delivered (HTTP ${result.status}, try ${attempts})`,
      });
      const delivered = await repo.update(row.id, {
        deliveredAt: now,
        nextAttemptAt: null,
        webhookAttemptStartedAt: null,
      });
      // A fast webhook may already have called back; only move on if nothing did.
      if (delivered && PENDING_DELIVERY.includes(delivered.status)) {
        const queued = await move(delivered, 'queued');
        await announce(queued);
        return queued;
      }
      return delivered ?? current;
    }
    await audit.record({
      actor: 'system',
      action: 'requests.webhook',
      target: `request:${row.id}`,
      outcome: 'failed',
      detail: `try ${attempts} of ${webhook.retries + 1}: ${result.error}`,
    });
    if (attempts > webhook.retries) {
      const failedRow =
        (await repo.update(row.id, { lastError: result.error, webhookAttemptStartedAt: null, nextAttemptAt: null })) ??
        current;
      return toQueue(
        failedRow,
        `Automation failed after ${attempts} ${attempts === 1 ? 'try' : 'tries'}: ${result.error}`,
      );
    }
    return (
      (await repo.update(row.id, {
        lastError: result.error,
        webhookAttemptStartedAt: null,
        nextAttemptAt: new Date(now.getTime() + backoffDelayMs(attempts)),
      })) ?? current
    );
  }

  async function applyCallback(
    ref: ItemRef,
    signedWith: string,
    input: CallbackInput | { invalid: string },
    retry = 3,
  ): Promise<CallbackResult> {
    const id = ref.id;
    const row = await repo.get(id);
    // A callback URL made for another request under this id (its nonce differs) names nothing that exists.
    if (!row || !refMatches(ref, row)) return { ok: false, httpStatus: 404, error: `no request ${id}` };
    const type = typeOf(row);
    if (type.fulfilment.kind !== 'webhook' || type.fulfilment.secret !== signedWith) {
      return { ok: false, httpStatus: 401, error: 'bad signature for this request' };
    }
    if ('invalid' in input) return { ok: false, httpStatus: 400, error: input.invalid };
    // Repeating the current state is harmless: answer OK, change nothing. Progress counts as news only when it
    // brings a new message or output, so a replayed or retried report does not tell the requester again.
    const news =
      input.status === 'in_progress' &&
      ((input.message !== undefined && input.message !== row.message) ||
        Object.entries(input.outputs ?? {}).some(([key, value]) => row.outputs?.[key] !== value));
    if (row.mode === 'webhook' && row.status === input.status && !news) {
      return { ok: true, request: row };
    }
    if (row.mode !== 'webhook' || isTerminal(row.status) || !canTransition(row.status, input.status)) {
      const why =
        row.mode !== 'webhook'
          ? 'it was handed to the platform team'
          : `it is ${row.status} and cannot become ${input.status}`;
      return { ok: false, httpStatus: 409, error: `request ${id}: ${why}` };
    }
    // Compare-and-set on the status, message and outputs read above: of reports arriving together with the same
    // news, one changes the row and tells people; the others are looked at again and find nothing new.
    const moved = await tryMove(
      row,
      input.status,
      {
        deliveredAt: row.deliveredAt ?? clock.now(),
        nextAttemptAt: null,
        ...(input.message !== undefined ? { message: input.message } : {}),
        ...(input.outputs ? { outputs: { ...(row.outputs ?? {}), ...input.outputs } } : {}),
        ...(input.status === 'done' ? { resolvedBy: 'webhook' } : {}),
      },
      { message: row.message, outputs: row.outputs },
    );
    if (!moved) return retry > 0 ? applyCallback(ref, signedWith, input, retry - 1) : conflictWith(id);
    await audit.record({
      actor: `webhook:${row.typeId}`,
      action: 'requests.callback',
      target: `request:${id}`,
      inputs: { status: input.status, ...(input.outputs ? { outputs: input.outputs } : {}) },
      detail: input.message,
    });
    await announce(moved);
    if (moved.status === 'failed') {
      // The automation gave up: show the platform team (the card carries the webhook's message).
      await safely(`posting failed #${id} to the queue`, async () => {
        const ref = await notifier.postQueueCard(deps.config.channel, moved, type);
        await repo.update(id, { queueChannel: ref.channel, queueTs: ref.ts });
      });
    }
    return { ok: true, request: moved };
  }

  /** A due delivery, with its lease held: a try a crash cut off counts as failed, then the next try goes out. */
  async function retryOne(row: RequestRow): Promise<void> {
    const type = typeOf(row);
    if (type.fulfilment.kind !== 'webhook' || !PENDING_DELIVERY.includes(row.status)) {
      await repo.update(row.id, { nextAttemptAt: null, webhookAttemptStartedAt: null });
      return;
    }
    if (row.webhookAttemptStartedAt) {
      const error = 'no answer (groundcrew stopped while the webhook was being called)';
      const after = await afterAttempt(row, type.fulfilment, row.webhookAttempts, { ok: false, error });
      // Not handed over yet: try again at once (the time-out already was the wait).
      if (after.mode === 'webhook' && after.nextAttemptAt && PENDING_DELIVERY.includes(after.status)) {
        await attempt(after, type.fulfilment);
      }
      return;
    }
    await attempt(row, type.fulfilment);
  }

  return {
    /** Every webhook type's secret: a callback must be signed with one of them before anything is looked up. */
    secrets(): string[] {
      return deps.config.types.flatMap((t) => (t.fulfilment.kind === 'webhook' ? [t.fulfilment.secret] : []));
    },

    /** After submission (no approval) or approval: send the webhook, or put it in the platform team's queue. */
    async start(row: RequestRow): Promise<RequestRow> {
      const type = typeOf(row);
      if (type.fulfilment.kind === 'manual') return toQueue(row);
      const lease = await claimDelivery(row.id);
      // Only a sweep that found it first holds it: that replica sends it.
      if (!lease) return (await repo.get(row.id)) ?? row;
      try {
        return await attempt(row, type.fulfilment);
      } finally {
        await lease.release();
      }
    },

    /**
     * `requests.retry-webhooks`: tries again every delivery whose back-off has passed, and every try a crash cut
     * off (still marked started past the timeout): that one counts as a failed try, then the rules are the same.
     */
    async retryDue(now: Date): Promise<number> {
      const due = await repo.dueDeliveries(now);
      for (const listed of due) {
        const lease = await claimDelivery(listed.id);
        if (!lease) continue; // a try is under way, here or on another replica
        try {
          // Read again under the lease: whoever held it before may have delivered or rescheduled it meanwhile.
          const row = await repo.get(listed.id);
          if (row && isDueDelivery(row, now)) await retryOne(row);
        } finally {
          await lease.release();
        }
      }
      return due.length;
    },

    /**
     * A status callback from a fulfilment webhook, already signed with `signedWith` (src/webhooks/callback.ts
     * checked the HMAC once): it must be the request type's own secret; nothing changes unless everything checks out.
     */
    async callback(
      ref: ItemRef,
      signedWith: string,
      input: CallbackInput | { invalid: string },
    ): Promise<CallbackResult> {
      const id = ref.id;
      const result = await applyCallback(ref, signedWith, input);
      if (!result.ok) {
        await audit.record({
          actor: `webhook:${(await repo.get(id))?.typeId ?? 'unknown'}`,
          action: 'requests.callback',
          target: `request:${id}`,
          outcome: 'denied',
          detail: `HTTP ${result.httpStatus}: ${result.error}`,
        });
      }
      return result;
    },

    /** `requests.sla-sweep`: flags (once) every manual request older than its type's SLA. */
    async slaSweep(now: Date): Promise<number> {
      let flagged = 0;
      for (const row of await repo.unflaggedManualOpen()) {
        const type = typeOf(row);
        if (!slaBreached(row, type.sla, now)) continue;
        const marked = await repo.flagSla(row.id, now);
        if (!marked) continue;
        flagged++;
        await audit.record({ actor: 'system', action: 'requests.sla-breach', target: `request:${row.id}` });
        await safely(`flagging #${row.id}`, () => notifier.announceSlaBreach(marked, type));
        if (marked.queueTs) await safely(`updating #${row.id}`, () => notifier.updateQueueCard(marked, type));
      }
      return flagged;
    },
  };
}
