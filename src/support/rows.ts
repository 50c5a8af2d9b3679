import type { Ticket, Tier } from './model.js';
import type { TicketPatch, TicketRow } from './repo.js';

/** Between stored rows and the pure model's Ticket. */

export function toTicket(row: TicketRow): Ticket {
  return {
    state: row.state,
    tier: (row.tier === 3 ? 3 : row.tier === 2 ? 2 : 1) as Tier,
    priority: row.priority,
    openedAt: row.openedAt,
    firstResponseAt: row.firstResponseAt,
    resolvedAt: row.resolvedAt,
    resolvedBy: row.resolvedBy,
    pauses: row.pauses.map((p) => ({ from: new Date(p.from), to: p.to === null ? null : new Date(p.to) })),
  };
}

/** The columns a transition may change. */
export function ticketPatch(ticket: Ticket): TicketPatch {
  return {
    state: ticket.state,
    tier: ticket.tier,
    priority: ticket.priority,
    firstResponseAt: ticket.firstResponseAt,
    resolvedAt: ticket.resolvedAt,
    resolvedBy: ticket.resolvedBy,
    pauses: ticket.pauses.map((p) => ({ from: p.from.getTime(), to: p.to === null ? null : p.to.getTime() })),
  };
}

/** A ticket as the audit log names it. */
export function ticketTarget(id: number): string {
  return `support-ticket:${id}`;
}
