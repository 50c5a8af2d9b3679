import type { AuditLog } from '../audit/repo.js';
import type { Clock } from '../clock.js';
import type { SupportConfig } from './config.js';
import { openingsByPerson, type SupportFigures, supportFigures } from './figures.js';
import { textCutoff } from './intake.js';
import {
  dueEscalations,
  type EscalationAction,
  nextEscalationAt,
  type Policy,
  queueOrder,
  slaStatus,
} from './model.js';
import type { QueueView, SupportNotifier } from './ports.js';
import type { SupportRepo, TicketRow } from './repo.js';
import { toTicket } from './rows.js';

/**
 * The scheduled side of support: the escalation sweep (each step claimed by a row per ticket and step, so it fires
 * once across restarts and replicas), the queue, the figures, the retention purge.
 */

export interface EscalationDeps {
  config: SupportConfig;
  repo: SupportRepo;
  clock: Clock;
  audit: Pick<AuditLog, 'record'>;
  notifier: SupportNotifier;
  policies: readonly Policy[];
  policyOf(id: string): Policy;
  onDuty(at: Date): Promise<string[]>;
}

/** Tickets looked at per sweep; the rest wait for the next minute (a backlog after downtime drains in order). */
export const SWEEP_BATCH = 500;
const DAY_MS = 86_400_000;

export function createSupportDesk(deps: EscalationDeps) {
  const { config, repo, audit, notifier } = deps;

  /**
   * Fires what is due for one ticket; answers how many messages were sent. The claims, their audit entries and the
   * ticket's next check are one transaction (read again inside it: a responder may have acted meanwhile); the
   * messages go out after it committed, for the claims this run won.
   */
  async function escalateTicket(row: TicketRow, now: Date): Promise<number> {
    const won = await repo.transaction(async () => {
      const fresh = await repo.get(row.id);
      if (!fresh) return null;
      const ticket = toTicket(fresh);
      const policy = deps.policyOf(fresh.priority);
      const fired = await repo.firedSteps(fresh.id);
      const due = dueEscalations(ticket, policy, config.escalation, fired, now);
      for (const key of due.skip) {
        await repo.claimStep(fresh.id, key, now, false);
        fired.add(key);
      }
      const actions: EscalationAction[] = [];
      for (const action of due.fire) {
        // The row is the claim: only the sweep that inserted it sends, on this replica or any other, before or after a restart.
        if (!(await repo.claimStep(fresh.id, action.key, now, true))) continue;
        fired.add(action.key);
        actions.push(action);
        await audit.record({
          actor: 'system',
          action: 'support.escalate',
          target: `support-ticket:${fresh.id}`,
          inputs: { step: action.key, notify: action.notify, priority: fresh.priority },
        });
      }
      const next = nextEscalationAt(ticket, policy, config.escalation, fired, now);
      // A step due but not fired (none left to send) would come back at once: look again in a minute.
      const nextCheckAt = next && next.getTime() <= now.getTime() ? new Date(now.getTime() + 60_000) : next;
      if (nextCheckAt?.getTime() !== fresh.nextCheckAt?.getTime()) await repo.update(fresh.id, { nextCheckAt });
      return { ticket: fresh, policy, actions };
    });
    if (!won || won.actions.length === 0) return 0;
    const onDuty = await deps.onDuty(now);
    const sla = slaStatus(toTicket(won.ticket), won.policy, now);
    for (const action of won.actions) {
      await notifier.escalate({
        ticket: won.ticket,
        policy: won.policy,
        action,
        sla,
        onDuty,
        responders: config.responders,
        triageChannel: config.triageChannel,
      });
    }
    return won.actions.length;
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
    /** The SLA sweep: every ticket whose next step is due (index on next_check_at), in order. */
    async sweep(now: Date): Promise<{ looked: number; sent: number }> {
      const due = await repo.due(now, SWEEP_BATCH);
      let sent = 0;
      for (const row of due) {
        const fired = await escalateTicket(row, now);
        sent += fired;
      }
      return { looked: due.length, sent };
    },
    queueView,
    figures,
    /** The queue, posted to the triage channel on business mornings (skipped when it is empty or a holiday). */
    async postMorningQueue(now: Date): Promise<boolean> {
      const view = await queueView(now);
      const holiday = config.holidays.includes(now.toISOString().slice(0, 10));
      if (holiday || view.entries.length === 0) return false;
      await notifier.postQueue(config.triageChannel, view);
      return true;
    },
    async postWeeklyReport(now: Date): Promise<void> {
      await notifier.postReport(config.triageChannel, await figures(7, now), 7);
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
