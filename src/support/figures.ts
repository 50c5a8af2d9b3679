import { businessMsBetween } from './business-time.js';
import { type Policy, pausesUntil, type Role, slaStatus, type Ticket } from './model.js';

/** Deflection and the support figures (`/platform support stats`, the weekly report), from plain arrays. Pure. */

export const DEFLECTION_CONFIRM_MS = 7 * 24 * 60 * 60_000;

/**
 * - `none`: not resolved by the asker before any responder acted.
 * - `claimed`: the asker said it was solved (tier 1, no responder involved); the 7 days are not over.
 * - `confirmed`: claimed, and the same person has not asked again within 7 days of the claim.
 * - `refuted`: claimed, but the same person asked again within those 7 days.
 */
export type Deflection = 'none' | 'claimed' | 'confirmed' | 'refuted';

export interface DeflectionFacts {
  resolvedAt: Date | null;
  resolvedBy: Role | null;
  firstResponseAt: Date | null;
}

export function isDeflectionClaim(ticket: DeflectionFacts): boolean {
  return ticket.resolvedAt !== null && ticket.resolvedBy === 'asker' && ticket.firstResponseAt === null;
}

/** `askedAgainAt`: when the same person opened other tickets (any order, any time). */
export function deflectionOf(ticket: DeflectionFacts, askedAgainAt: readonly Date[], now: Date): Deflection {
  if (!isDeflectionClaim(ticket)) return 'none';
  const claimedAt = ticket.resolvedAt!.getTime();
  const until = claimedAt + DEFLECTION_CONFIRM_MS;
  if (askedAgainAt.some((at) => at.getTime() > claimedAt && at.getTime() <= until)) return 'refuted';
  return now.getTime() > until ? 'confirmed' : 'claimed';
}

// ---------- figures ----------

export interface TicketFacts extends Ticket {
  askerId: string;
  /** The asker's 1–5 rating after resolution, if given. */
  csat: number | null;
}

export interface Distribution {
  count: number;
  /** Nearest-rank percentiles: each is a time some ticket actually took. Null without data. */
  medianMs: number | null;
  p90Ms: number | null;
}

export interface Attainment {
  /** Stopped before the due time. */
  met: number;
  /** Stopped late, or still running past the due time. */
  missed: number;
  /** met / (met + missed); null when nothing is decided yet. */
  rate: number | null;
}

export interface PriorityFigures {
  priority: string;
  label: string;
  tickets: number;
  firstResponse: Attainment;
  resolution: Attainment;
}

export interface SupportFigures {
  volume: number;
  /** Claimed counts every claim (confirmed, refuted and still pending); confirmed is the part proven. */
  deflection: { claimed: number; confirmed: number; refuted: number };
  /** Business time from opening to a responder's first response (tickets that got one). */
  timeToFirstResponse: Distribution;
  /** Business time from opening to resolution, minus waiting on the asker (resolved tickets). */
  timeToResolution: Distribution;
  byPriority: PriorityFigures[];
  csat: { count: number; average: number | null };
}

/** Nearest-rank percentile (0 < p ≤ 1) of unsorted values; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1]!;
}

function distribution(values: number[]): Distribution {
  return { count: values.length, medianMs: percentile(values, 0.5), p90Ms: percentile(values, 0.9) };
}

function attainment(): Attainment {
  return { met: 0, missed: 0, rate: null };
}

function count(into: Attainment, met: boolean | null, breached: boolean): void {
  if (met === true) into.met++;
  else if (met === false || breached) into.missed++;
  into.rate = into.met + into.missed === 0 ? null : into.met / (into.met + into.missed);
}

/**
 * The figures of `tickets` (those opened in the period), each measured under its current priority's clock.
 * `askedLater` lists every ticket opening by person, including ones after the period, for deflection.
 * Tickets of a priority no longer configured count in volume, deflection and CSAT only.
 */
export function supportFigures(
  tickets: readonly TicketFacts[],
  policies: readonly Policy[],
  askedLater: ReadonlyMap<string, readonly Date[]>,
  now: Date,
): SupportFigures {
  const policyById = new Map(policies.map((p) => [p.id, p]));
  const byPriority = new Map<string, PriorityFigures>(
    policies.map((p) => [
      p.id,
      { priority: p.id, label: p.label, tickets: 0, firstResponse: attainment(), resolution: attainment() },
    ]),
  );
  const firstResponses: number[] = [];
  const resolutions: number[] = [];
  const ratings: number[] = [];
  const deflection = { claimed: 0, confirmed: 0, refuted: 0 };
  for (const ticket of tickets) {
    const status = deflectionOf(ticket, askedLater.get(ticket.askerId) ?? [], now);
    if (status !== 'none') deflection.claimed++;
    if (status === 'confirmed') deflection.confirmed++;
    if (status === 'refuted') deflection.refuted++;
    if (ticket.csat !== null) ratings.push(ticket.csat);
    const policy = policyById.get(ticket.priority);
    if (!policy) continue;
    const sla = slaStatus(ticket, policy, now);
    const figures = byPriority.get(policy.id)!;
    figures.tickets++;
    count(figures.firstResponse, sla.firstResponse.met, sla.firstResponse.breached);
    count(figures.resolution, sla.resolution.met, sla.resolution.breached);
    if (ticket.firstResponseAt) {
      firstResponses.push(businessMsBetween(policy.schedule, ticket.openedAt, ticket.firstResponseAt));
    }
    if (ticket.resolvedAt) resolutions.push(resolutionMs(ticket, policy, now));
  }
  return {
    volume: tickets.length,
    deflection,
    timeToFirstResponse: distribution(firstResponses),
    timeToResolution: distribution(resolutions),
    byPriority: [...byPriority.values()],
    csat: {
      count: ratings.length,
      average: ratings.length === 0 ? null : ratings.reduce((a, b) => a + b, 0) / ratings.length,
    },
  };
}

function resolutionMs(ticket: Ticket, policy: Policy, now: Date): number {
  return businessMsBetween(policy.schedule, ticket.openedAt, ticket.resolvedAt!, pausesUntil(ticket, now));
}

/** Openings per person, for `askedLater`. */
export function openingsByPerson(tickets: readonly { askerId: string; openedAt: Date }[]): Map<string, Date[]> {
  const map = new Map<string, Date[]>();
  for (const t of tickets) {
    const list = map.get(t.askerId);
    if (list) list.push(t.openedAt);
    else map.set(t.askerId, [t.openedAt]);
  }
  return map;
}
