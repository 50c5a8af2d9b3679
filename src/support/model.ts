import {
  ALWAYS,
  type BusinessSchedule,
  businessDayMs,
  businessMsBetween,
  dueAt,
  type Pause,
  type Schedule,
} from './business-time.js';
import { type ClockName, type ScheduleConfig, type SupportConfig, targetMs } from './config.js';

/**
 * Support tickets: states and transitions, the SLA clocks, the queue order. Pure: every rule
 * takes the instant it is asked about (`now`, `at`); nothing reads a clock. Escalation steps, figures and
 * intake rules live in escalation-rules.ts, figures.ts and intake.ts.
 */

export type TicketState = 'open' | 'responded' | 'waiting' | 'resolved';
export type Tier = 1 | 2 | 3;
export type Role = 'asker' | 'responder';

/** A waiting-on-asker period; `to` is null while still waiting. */
export interface PausePeriod {
  from: Date;
  to: Date | null;
}

export interface Ticket {
  state: TicketState;
  tier: Tier;
  priority: string;
  openedAt: Date;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  resolvedBy: Role | null;
  pauses: PausePeriod[];
}

export function newTicket(priority: string, openedAt: Date): Ticket {
  return {
    state: 'open',
    tier: 1,
    priority,
    openedAt,
    firstResponseAt: null,
    resolvedAt: null,
    resolvedBy: null,
    pauses: [],
  };
}

// ---------- policies: a priority with its targets in the milliseconds of its own clock ----------

export interface Policy {
  id: string;
  label: string;
  schedule: Schedule;
  firstResponseMs: number;
  resolutionMs: number;
  page: boolean;
  keywords: string[];
}

function toSchedule(config: SupportConfig, s: ScheduleConfig, teamTimezone: string): BusinessSchedule {
  return {
    kind: 'business',
    days: s.days,
    start: s.start,
    end: s.end,
    timezone: s.timezone ?? config.businessHours.timezone ?? teamTimezone,
    holidays: [...new Set([...config.holidays, ...s.holidays])],
  };
}

/** The main business-hours schedule (`support.businessHours` with `support.holidays`), in its zone or the team's. */
export function mainSchedule(config: SupportConfig, teamTimezone: string): BusinessSchedule {
  return toSchedule(config, config.businessHours, teamTimezone);
}

/** Each priority's clock and targets, in urgency order. A schedule without a zone takes the main one's, then the team's. */
export function resolvePolicies(config: SupportConfig, teamTimezone: string): Policy[] {
  const scheduleOf = (s: ScheduleConfig): Schedule => toSchedule(config, s, teamTimezone);
  return config.priorities.map((p) => {
    const schedule = p.allHours ? ALWAYS : scheduleOf(p.businessHours ?? config.businessHours);
    const dayMs = businessDayMs(schedule);
    return {
      id: p.id,
      label: p.label,
      schedule,
      firstResponseMs: targetMs(p.firstResponse, dayMs),
      resolutionMs: targetMs(p.resolution, dayMs),
      page: p.page,
      keywords: p.keywords,
    };
  });
}

// ---------- transitions ----------

export type TicketEvent =
  /** A responder's first thread reply or 👀. */
  | { kind: 'respond' }
  /** "Waiting on asker" (button or ⏳) by a responder. */
  | { kind: 'wait'; by: Role }
  /** The asker replied in the thread: a waiting ticket resumes. */
  | { kind: 'asker-reply' }
  /** A responder resumes a waiting ticket by hand (⏳ removed). */
  | { kind: 'resume'; by: Role }
  /** ✅ by a responder or the asker, the Resolved button, or "This solved it". */
  | { kind: 'resolve'; by: Role }
  | { kind: 'needs-pairing'; by: Role }
  | { kind: 'set-priority'; priority: string };

export type TransitionResult =
  | { ok: true; changed: boolean; ticket: Ticket }
  | { ok: false; reason: 'resolved' | 'responders-only' };

function closePauses(pauses: PausePeriod[], at: Date): PausePeriod[] {
  return pauses.map((p) => (p.to === null ? { from: p.from, to: at } : p));
}

/** Anything a responder does on an unanswered ticket (other than triage) is its first response. */
function responded(ticket: Ticket, at: Date): Ticket {
  if (ticket.firstResponseAt !== null) return ticket;
  return {
    ...ticket,
    state: ticket.state === 'open' ? 'responded' : ticket.state,
    firstResponseAt: at,
    tier: ticket.tier < 2 ? 2 : ticket.tier,
  };
}

/**
 * The ticket after `event` at `at`. A resolved ticket takes no event. Tiers only go up: 1 (tracked, docs offered),
 * 2 (a responder acted), 3 (needs pairing). An event with no effect answers `changed: false`.
 */
export function transition(ticket: Ticket, event: TicketEvent, at: Date): TransitionResult {
  if (ticket.state === 'resolved') return { ok: false, reason: 'resolved' };
  const done = (next: Ticket): TransitionResult => ({ ok: true, changed: next !== ticket, ticket: next });
  switch (event.kind) {
    case 'respond':
      return done(responded(ticket, at));
    case 'wait': {
      if (event.by !== 'responder') return { ok: false, reason: 'responders-only' };
      if (ticket.state === 'waiting') return done(ticket);
      const answered = responded(ticket, at);
      return done({ ...answered, state: 'waiting', pauses: [...answered.pauses, { from: at, to: null }] });
    }
    case 'asker-reply':
    case 'resume': {
      if (event.kind === 'resume' && event.by !== 'responder') return { ok: false, reason: 'responders-only' };
      if (ticket.state !== 'waiting') return done(ticket);
      return done({ ...ticket, state: 'responded', pauses: closePauses(ticket.pauses, at) });
    }
    case 'resolve': {
      const base = event.by === 'responder' ? responded(ticket, at) : ticket;
      return done({
        ...base,
        state: 'resolved',
        resolvedAt: at,
        resolvedBy: event.by,
        pauses: closePauses(base.pauses, at),
      });
    }
    case 'needs-pairing': {
      const base = event.by === 'responder' ? responded(ticket, at) : ticket;
      return done(base.tier === 3 ? base : { ...base, tier: 3 });
    }
    case 'set-priority':
      return done(event.priority === ticket.priority ? ticket : { ...ticket, priority: event.priority });
  }
}

// ---------- SLA clocks ----------

export interface ClockStatus {
  targetMs: number;
  /** Counted time so far: business time (or wall time for 24×7), minus waiting on the asker. */
  elapsedMs: number;
  /** targetMs − elapsedMs; 0 or less once breached. */
  remainingMs: number;
  /** When the target is reached; null while the resolution clock is paused and not yet breached. */
  dueAt: Date | null;
  /** The clock stopped: first response given (or resolved), or resolved. */
  stopped: boolean;
  /** Stopped before the due time; null while running. */
  met: boolean | null;
  breached: boolean;
  breachedAt: Date | null;
}

export interface SlaStatus {
  firstResponse: ClockStatus;
  resolution: ClockStatus;
  /** Waiting on the asker: the resolution clock does not count. */
  paused: boolean;
}

function earlier(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}

function clockStatus(
  schedule: Schedule,
  start: Date,
  target: number,
  end: Date | null,
  now: Date,
  pauses: Pause[],
  paused: boolean,
): ClockStatus {
  const stopAt = end ? earlier(end, now) : now;
  const elapsedMs = businessMsBetween(schedule, start, stopAt, pauses);
  const breached = elapsedMs >= target;
  const due = breached || !paused ? dueAt(schedule, start, target, pauses) : null;
  return {
    targetMs: target,
    elapsedMs,
    remainingMs: target - elapsedMs,
    dueAt: due,
    stopped: end !== null,
    met: end === null ? null : !breached,
    breached,
    breachedAt: breached ? due : null,
  };
}

/** Counted pauses: an open pause counts until `now`. */
export function pausesUntil(ticket: Pick<Ticket, 'pauses'>, now: Date): Pause[] {
  return ticket.pauses.map((p) => ({ from: p.from, to: p.to ?? now }));
}

/**
 * Both clocks of a ticket at `now`, measured from its opening under its current priority (a priority change
 * re-measures the whole ticket as if it had had that priority from the start). The first-response clock stops at
 * the first response, or at the resolution when none came; only the resolution clock pauses while waiting on the asker.
 */
export function slaStatus(ticket: Ticket, policy: Policy, now: Date): SlaStatus {
  const paused = ticket.state === 'waiting';
  return {
    firstResponse: clockStatus(
      policy.schedule,
      ticket.openedAt,
      policy.firstResponseMs,
      ticket.firstResponseAt ?? ticket.resolvedAt,
      now,
      [],
      false,
    ),
    resolution: clockStatus(
      policy.schedule,
      ticket.openedAt,
      policy.resolutionMs,
      ticket.resolvedAt,
      now,
      pausesUntil(ticket, now),
      paused,
    ),
    paused,
  };
}

// ---------- the queue ----------

export interface QueueEntry<T> {
  item: T;
  /** The clock that matters now: first response until it is given, then resolution. */
  clock: ClockName;
  status: ClockStatus;
  paused: boolean;
  /** Wall time since the breach; 0 when not breached. */
  breachedForMs: number;
}

/**
 * Open tickets in the order to work them: breached first, longest ago first; then by due time, soonest first (within
 * one schedule that is least remaining time; across a 24×7 and a business-hours priority it is the one that breaches
 * first); then tickets waiting on the asker, oldest first. Resolved tickets are left out.
 */
export function queueOrder<T>(
  items: readonly T[],
  view: (item: T) => { ticket: Ticket; policy: Policy },
  now: Date,
): QueueEntry<T>[] {
  const entries: (QueueEntry<T> & { openedAt: number })[] = [];
  for (const item of items) {
    const { ticket, policy } = view(item);
    if (ticket.state === 'resolved') continue;
    const sla = slaStatus(ticket, policy, now);
    const clock: ClockName = sla.firstResponse.stopped ? 'resolution' : 'firstResponse';
    const status = sla[clock];
    const breachedForMs = status.breachedAt ? Math.max(0, now.getTime() - status.breachedAt.getTime()) : 0;
    entries.push({ item, clock, status, paused: sla.paused, breachedForMs, openedAt: ticket.openedAt.getTime() });
  }
  const rank = (e: QueueEntry<T>) => (e.status.breached ? 0 : e.status.dueAt ? 1 : 2);
  const key = (e: QueueEntry<T> & { openedAt: number }) =>
    e.status.breached ? e.status.breachedAt!.getTime() : (e.status.dueAt?.getTime() ?? e.openedAt);
  entries.sort((a, b) => rank(a) - rank(b) || key(a) - key(b) || a.openedAt - b.openedAt);
  return entries.map(({ openedAt: _openedAt, ...entry }) => entry);
}
