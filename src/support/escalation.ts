import type { AuditLog } from '../audit/repo.js';
import type { Clock } from '../clock.js';
import { type BusinessSchedule, isBusinessDay, isFirstBusinessDayOfWeek } from './business-time.js';
import type { SupportConfig } from './config.js';
import {
  actionFor,
  dueEscalations,
  type EscalationAction,
  escalationParts,
  nextEscalationAt,
  stillCalledFor,
} from './escalation-rules.js';
import { openingsByPerson, type SupportFigures, supportFigures } from './figures.js';
import { textCutoff } from './intake.js';
import { type Policy, queueOrder, slaStatus } from './model.js';
import type { QueueView, SupportNotifier } from './ports.js';
import type { EscalationRow, NewEscalationRow, SupportRepo, TicketRow } from './repo.js';
import { ticketTarget, toTicket } from './rows.js';

/**
 * The scheduled side of support: the escalation sweep (each step claimed by a row per ticket and step, so it fires
 * once across restarts and replicas), the queue, the figures, the retention purge.
 */

export interface EscalationDeps {
  config: SupportConfig;
  repo: SupportRepo;
  clock: Clock;
  audit: Pick<AuditLog, 'record' | 'recordMany'>;
  notifier: SupportNotifier;
  policies: readonly Policy[];
  policyOf(id: string): Policy;
  /** The main business-hours schedule: the morning queue is posted on its business days, in its zone. */
  schedule: BusinessSchedule;
  /** Who is on duty; `problem` says why nobody is (not configured, the usergroup could not be read). */
  onDuty(at: Date): Promise<OnDutyNow>;
}

export interface OnDutyNow {
  users: string[];
  problem: string | null;
}

/** Tickets looked at per sweep; the rest wait for the next minute (a backlog after downtime drains in order). */
export const SWEEP_BATCH = 500;
/** How long one try at a step's message holds it; a try that died (a crash) is taken over after this. */
export const DELIVERY_CLAIM_MS = 2 * 60_000;
/** A message that failed is tried again this much later: at the next sweep. */
export const RETRY_AFTER_MS = 60_000;
/** Tries at one step's message before it is given up (about an hour of sweeps), audited as failed. */
export const ESCALATION_ATTEMPTS = 60;
const DAY_MS = 86_400_000;

/** One step's message to send: which parts went out already, and which try this is. */
interface Delivery {
  ticket: TicketRow;
  policy: Policy;
  action: EscalationAction;
  delivered: string[];
  attempt: number;
}

export interface SweepResult {
  /** Tickets with a step due (or a message owed) that the sweep looked at. */
  looked: number;
  /** Steps whose message went out in full. */
  sent: number;
  /** Steps whose message did not (all or part): tried again by the next sweep, up to ESCALATION_ATTEMPTS. */
  failed: number;
}

const stepId = (ticketId: number, step: string) => `${ticketId}:${step}`;

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 300);
}

export function createSupportDesk(deps: EscalationDeps) {
  const { config, repo, audit, notifier } = deps;

  /**
   * One transaction for every due ticket (`ids`: only these, else the sweep's batch by next_check_at, plus the
   * tickets owing a message whose last try ended): reads their recorded steps in one query, claims the steps now
   * due with one insert (the primary key lets exactly one caller, on any replica, insert a step), claims one more
   * try at messages owed, audits, and sets every next check with one statement. Answers the messages this caller is
   * to send; they go out after the commit.
   */
  async function claim(ids: number[] | null, now: Date): Promise<{ looked: number; deliveries: Delivery[] }> {
    return repo.transaction(async () => {
      const rows = ids ? await repo.dueAmong(ids, now) : await repo.due(now, SWEEP_BATCH);
      if (!ids) {
        const seen = new Set(rows.map((r) => r.id));
        rows.push(...(await repo.byIds((await repo.owed(now, SWEEP_BATCH)).filter((id) => !seen.has(id)))));
      }
      if (rows.length === 0) return { looked: 0, deliveries: [] };
      const recorded = new Map<number, EscalationRow[]>();
      for (const step of await repo.steps(rows.map((r) => r.id))) {
        recorded.set(step.ticketId, [...(recorded.get(step.ticketId) ?? []), step]);
      }
      const claims: NewEscalationRow[] = [];
      const fresh: Delivery[] = [];
      const owed: { ticket: TicketRow; policy: Policy; action: EscalationAction }[] = [];
      const dropped: { ticket: TicketRow; step: string }[] = [];
      const nextChecks: { id: number; nextCheckAt: Date | null }[] = [];
      const until = new Date(now.getTime() + DELIVERY_CLAIM_MS);
      for (const row of rows) {
        const ticket = toTicket(row);
        const policy = deps.policyOf(row.priority);
        const mine = recorded.get(row.id) ?? [];
        const due = dueEscalations(ticket, policy, config.escalation, new Set(mine.map((s) => s.step)), now);
        const fired = new Set(mine.map((s) => s.step));
        for (const key of due.skip) {
          claims.push({ ticketId: row.id, step: key, firedAt: now, sent: false, delivery: 'skipped' });
          fired.add(key);
        }
        for (const action of due.fire) {
          claims.push({
            ticketId: row.id,
            step: action.key,
            firedAt: now,
            sent: true,
            delivery: 'pending',
            attempts: 1,
            deliveringUntil: until,
          });
          fired.add(action.key);
          fresh.push({ ticket: row, policy, action, delivered: [], attempt: 1 });
        }
        // Messages an earlier try did not get out in full (Slack refused, the call failed, a crash) and whose try
        // has ended: another try, or dropped when no longer called for.
        for (const step of mine) {
          if (step.delivery !== 'pending' || (step.deliveringUntil && step.deliveringUntil > now)) continue;
          const action = actionFor(step.step, config.escalation);
          if (action && stillCalledFor(ticket, action.clock)) owed.push({ ticket: row, policy, action });
          else dropped.push({ ticket: row, step: step.step });
        }
        let next = nextEscalationAt(ticket, policy, config.escalation, fired, now);
        // A step due but not fired (none left to send) would come back at once: look again in a minute.
        if (next && next.getTime() <= now.getTime()) next = new Date(now.getTime() + RETRY_AFTER_MS);
        if (next?.getTime() !== row.nextCheckAt?.getTime()) nextChecks.push({ id: row.id, nextCheckAt: next });
      }
      const won = await repo.claimSteps(claims);
      const deliveries = fresh.filter((d) => won.has(stepId(d.ticket.id, d.action.key)));
      for (const { ticket, policy, action } of owed) {
        const claimed = await repo.claimDelivery(ticket.id, action.key, now, until);
        if (claimed)
          deliveries.push({ ticket, policy, action, delivered: claimed.delivered, attempt: claimed.attempts });
      }
      for (const { ticket, step } of dropped) {
        await repo.updateStep(ticket.id, step, { delivery: 'dropped', deliveringUntil: null });
      }
      await audit.recordMany([
        ...deliveries
          .filter((d) => d.attempt === 1)
          .map((d) => ({
            actor: 'system',
            action: 'support.escalate',
            target: ticketTarget(d.ticket.id),
            inputs: { step: d.action.key, notify: d.action.notify, priority: d.ticket.priority },
          })),
        ...dropped.map((d) => ({
          actor: 'system',
          action: 'support.escalate-dropped',
          target: ticketTarget(d.ticket.id),
          inputs: { step: d.step, state: d.ticket.state },
          detail: 'its message had not gone out and is no longer called for',
        })),
      ]);
      await repo.setNextChecks(nextChecks);
      return { looked: rows.length, deliveries };
    });
  }

  /**
   * Sends the parts of one step's message not sent yet, recording each as soon as Slack took it (so a retry never
   * sends it again); the step is delivered once every part is. A part that fails is tried again by the next sweep.
   */
  async function deliver(d: Delivery, now: Date, duty: OnDutyNow): Promise<boolean> {
    const onDuty = duty.users;
    const view = {
      ticket: d.ticket,
      policy: d.policy,
      action: d.action,
      sla: slaStatus(toTicket(d.ticket), d.policy, now),
      onDuty,
      onDutyProblem: onDuty.length === 0 ? duty.problem : null,
      responders: config.responders,
      triageChannel: config.triageChannel,
    };
    const sent = new Set(d.delivered);
    const done = { delivery: 'delivered', deliveringUntil: null, lastError: null } as const;
    const parts = escalationParts(d.action, onDuty).filter((part) => !sent.has(part));
    let failure: unknown = null;
    let settled = false;
    for (const [i, part] of parts.entries()) {
      try {
        await notifier.escalate(view, part);
      } catch (error) {
        failure ??= error;
        continue;
      }
      sent.add(part);
      // The last part of a message that went out in full settles the step in the same write.
      settled = failure === null && i === parts.length - 1;
      await repo.updateStep(d.ticket.id, d.action.key, { delivered: [...sent], ...(settled ? done : {}) });
    }
    if (failure === null) {
      if (!settled) await repo.updateStep(d.ticket.id, d.action.key, done);
      if (d.attempt > 1) {
        await audit.record({
          actor: 'system',
          action: 'support.escalate-delivered',
          target: ticketTarget(d.ticket.id),
          inputs: { step: d.action.key, attempts: d.attempt },
        });
      }
      return true;
    }
    const givenUp = d.attempt >= ESCALATION_ATTEMPTS;
    // The next sweep tries again: it looks for pending messages whose `deliveringUntil` has passed.
    await repo.updateStep(d.ticket.id, d.action.key, {
      deliveringUntil: new Date(now.getTime() + RETRY_AFTER_MS),
      lastError: reason(failure),
      ...(givenUp ? { delivery: 'failed' as const } : {}),
    });
    if (givenUp) {
      await audit.record({
        actor: 'system',
        action: 'support.escalate',
        target: ticketTarget(d.ticket.id),
        inputs: { step: d.action.key, attempts: d.attempt, delivered: [...sent] },
        outcome: 'failed',
        detail: reason(failure),
      });
    }
    return false;
  }

  async function run(ids: number[] | null, now: Date): Promise<SweepResult> {
    const { looked, deliveries } = await claim(ids, now);
    if (deliveries.length === 0) return { looked, sent: 0, failed: 0 };
    const onDuty = await deps.onDuty(now);
    let sent = 0;
    for (const delivery of deliveries) {
      if (await deliver(delivery, now, onDuty)) sent++;
    }
    return { looked, sent, failed: deliveries.length - sent };
  }

  /** Fires what is due for one ticket that just changed (a paging priority pages at once); answers messages sent. */
  async function escalateTicket(row: TicketRow, now: Date): Promise<number> {
    return (await run([row.id], now)).sent;
  }

  async function queueView(now: Date): Promise<QueueView> {
    const rows = await repo.unresolved();
    const entries = queueOrder(rows, (row) => ({ ticket: toTicket(row), policy: deps.policyOf(row.priority) }), now);
    return { entries, policies: deps.policies, now };
  }

  async function figures(days: number, now: Date): Promise<SupportFigures> {
    const since = new Date(now.getTime() - days * DAY_MS);
    const tickets = await repo.openedSince(since);
    const facts = tickets.map((row) => ({ ...toTicket(row), askerId: row.askerId, csat: row.csat }));
    return supportFigures(facts, deps.policies, openingsByPerson(facts), now);
  }

  return {
    escalateTicket,
    /**
     * The SLA sweep: every ticket whose next step is due (index on next_check_at), in order, claimed in one
     * transaction; then the messages, each part recorded as it goes out. Messages that failed are retried by the
     * next sweeps.
     */
    sweep: (now: Date): Promise<SweepResult> => run(null, now),
    queueView,
    figures,
    /** The queue, posted to the triage channel on business mornings (skipped when it is empty or a holiday). */
    async postMorningQueue(now: Date): Promise<boolean> {
      // A weekday of the schedule and not a holiday, on the date of the schedule's zone (not UTC's).
      if (!isBusinessDay(deps.schedule, now)) return false;
      const view = await queueView(now);
      if (view.entries.length === 0) return false;
      await notifier.postQueue(config.triageChannel, view);
      return true;
    },
    /** Last week's figures, on the week's first business day (Tuesday when Monday is a holiday). */
    async postWeeklyReport(now: Date): Promise<boolean> {
      if (!isFirstBusinessDayOfWeek(deps.schedule, now)) return false;
      await notifier.postReport(config.triageChannel, await figures(7, now), 7);
      return true;
    },
    /** Removes question and answer text older than `retainTextFor`; figures stay. */
    async purge(now: Date): Promise<number> {
      const removed = await repo.purgeText(textCutoff(now, config.retainTextFor), now);
      if (removed > 0) {
        await audit.record({ actor: 'system', action: 'support.purge-text', inputs: { rows: removed } });
      }
      return removed;
    },
  };
}

export type SupportDesk = ReturnType<typeof createSupportDesk>;
