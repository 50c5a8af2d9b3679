import { MERGE_WINDOW_MS, mergeTarget, suggestPriority } from './intake.js';
import type { Policy, Ticket } from './model.js';
import type { IncomingMessage, SupportServiceDeps } from './ports.js';
import type { TicketRow } from './repo.js';
import { ticketTarget, toTicket } from './rows.js';

/** What opening a ticket reads from the rest of the service. */
export interface OpeningInputs {
  policies: readonly Policy[];
  /** When the next escalation step is due for a ticket as it now is (null: nothing can fire). */
  nextCheck(row: Pick<TicketRow, 'id'>, ticket: Ticket, now: Date): Promise<Date | null>;
}

/**
 * A ticket from a message: a new one (priority suggested from its words, its first escalation check set), or the
 * message joined to the person's ticket of 2 minutes ago, or a redelivery. Runs inside the caller's transaction;
 * every ticket opened or joined is audited. Part of the support service.
 */
export function createOpening(deps: SupportServiceDeps, inputs: OpeningInputs) {
  const { config, repo, audit } = deps;
  const { policies, nextCheck } = inputs;

  /** Inside a transaction: a new ticket for the message, or the message joins the person's ticket of 2 minutes ago. */
  async function open(message: IncomingMessage, source: 'channel' | 'shortcut', trackedBy: string | null) {
    if (source === 'shortcut') {
      // A message that is part of a ticket already (its question, or a line merged into it): that ticket.
      const tracked = await repo.ticketOfThread(message.channelId, message.ts);
      if (tracked) return { kind: 'duplicate' as const, ticket: tracked };
    }
    if (source === 'channel') {
      const since = new Date(message.at.getTime() - MERGE_WINDOW_MS);
      const recent = await repo.recentOpen(message.userId, message.channelId, since);
      const joinId = mergeTarget(
        recent.map((r) => ({ ...r, id: String(r.id) })),
        { userId: message.userId, channelId: message.channelId, at: message.at },
      );
      const joined = joinId && recent.find((r) => String(r.id) === joinId);
      if (joined) {
        const added = await repo.addMessage({ ...questionRow(message), ticketId: joined.id });
        if (!added) return { kind: 'duplicate' as const, ticket: joined };
        const text = joined.text === null ? message.text : `${joined.text}\n${message.text}`;
        const ticket = await repo.update(joined.id, { text, lastMessageAt: message.at });
        await audit.record({
          actor: message.userId,
          action: 'support.merge',
          target: ticketTarget(joined.id),
          inputs: { ts: message.ts },
        });
        return { kind: 'merged' as const, ticket: ticket ?? joined };
      }
    }
    const priority = suggestPriority(message.text, policies, config.defaultPriority);
    const inserted = await repo.insertTicket({
      channelId: message.channelId,
      messageTs: message.ts,
      askerId: message.userId,
      source,
      trackedBy,
      text: message.text,
      priority: priority.priority,
      state: 'open',
      tier: 1,
      openedAt: message.at,
      lastMessageAt: message.at,
    });
    if (!inserted) return { kind: 'duplicate' as const, ticket: null };
    await repo.addMessage({ ...questionRow(message), ticketId: inserted.id });
    const nextCheckAt = await nextCheck(inserted, toTicket(inserted), message.at);
    const ticket = (await repo.update(inserted.id, { nextCheckAt })) ?? inserted;
    await audit.record({
      actor: trackedBy ?? message.userId,
      action: 'support.open',
      target: ticketTarget(ticket.id),
      inputs: {
        channel: message.channelId,
        ts: message.ts,
        priority: priority.priority,
        keyword: priority.keyword,
        source,
      },
    });
    return { kind: 'new' as const, ticket };
  }

  return { open };
}

function questionRow(message: IncomingMessage) {
  return {
    channelId: message.channelId,
    ts: message.ts,
    kind: 'question' as const,
    userId: message.userId,
    text: message.text,
    at: message.at,
  };
}
