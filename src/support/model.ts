import {
  ALWAYS,
  type BusinessSchedule,
  businessDayMs,
  businessMsBetween,
  dueAt,
  type Pause,
  type Schedule,
} from './business-time.js';
import {
  type ClockName,
  type EscalationStep,
  NOTIFY_TARGETS,
  type NotifyTarget,
  type ScheduleConfig,
  type SupportConfig,
  targetMs,
} from './config.js';

/**
 * Support tickets: states and transitions, the SLA clocks, escalation steps, the queue order. Pure: every rule
 * takes the instant it is asked about (`now`, `at`); nothing reads a clock. Figures and intake rules live in
 * figures.ts and intake.ts.
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

// ---------- escalation ----------

export const PAGE_KEY = 'page';

export interface EscalationAction {
  key: string;
  clock: ClockName | 'page';
  notify: NotifyTarget[];
}

export interface DueEscalations {
  /** Send these now. */
  fire: EscalationAction[];
  /** Due too, but a later step of the same clock fires instead: record them as fired without sending. */
  skip: string[];
}

/** The counted time at which a step is due: a share of the target, or an offset from it (never below 0). */
export function stepThresholdMs(step: Pick<EscalationStep, 'at'>, target: number): number {
  return step.at.kind === 'fraction' ? Math.round(step.at.value * target) : Math.max(0, target + step.at.ms);
}

function runningClocks(ticket: Ticket, sla: SlaStatus): Map<ClockName, ClockStatus> {
  const running = new Map<ClockName, ClockStatus>();
  if (ticket.state === 'resolved' || sla.paused) return running;
  if (!sla.firstResponse.stopped) running.set('firstResponse', sla.firstResponse);
  running.set('resolution', sla.resolution);
  return running;
}

/**
 * The steps due at `now` that have not fired (`fired` holds their keys). Each step fires once per ticket. Nothing is
 * due for a resolved or paused ticket, nor on a clock that has stopped. A paging priority pages at once. When
 * several steps of one clock are due together (after downtime, or a priority raised), only the latest is sent.
 */
export function dueEscalations(
  ticket: Ticket,
  policy: Policy,
  steps: readonly EscalationStep[],
  fired: ReadonlySet<string>,
  now: Date,
): DueEscalations {
  const result: DueEscalations = { fire: [], skip: [] };
  if (ticket.state === 'resolved' || ticket.state === 'waiting') return result;
  if (policy.page && !fired.has(PAGE_KEY)) {
    result.fire.push({ key: PAGE_KEY, clock: 'page', notify: [...NOTIFY_TARGETS] });
  }
  const sla = slaStatus(ticket, policy, now);
  for (const [clock, status] of runningClocks(ticket, sla)) {
    const due = steps
      .filter((s) => s.of === clock && !fired.has(s.key) && (!s.priorities || s.priorities.includes(ticket.priority)))
      .map((step) => ({ step, threshold: stepThresholdMs(step, status.targetMs) }))
      .filter(({ threshold }) => status.elapsedMs >= threshold)
      .sort((a, b) => a.threshold - b.threshold);
    const latest = due.pop();
    if (!latest) continue;
    result.skip.push(...due.map(({ step }) => step.key));
    result.fire.push({ key: latest.step.key, clock, notify: [...latest.step.notify] });
  }
  return result;
}

/**
 * When the next step not yet fired becomes due (at or before `now` when one is due already); null when nothing
 * can fire: resolved, paused (the next answer comes when the asker replies), or every step fired.
 */
export function nextEscalationAt(
  ticket: Ticket,
  policy: Policy,
  steps: readonly EscalationStep[],
  fired: ReadonlySet<string>,
  now: Date,
): Date | null {
  if (ticket.state === 'resolved' || ticket.state === 'waiting') return null;
  if (policy.page && !fired.has(PAGE_KEY)) return ticket.openedAt;
  const sla = slaStatus(ticket, policy, now);
  const pauses = pausesUntil(ticket, now);
  let next: number | null = null;
  for (const [clock, status] of runningClocks(ticket, sla)) {
    for (const step of steps) {
      if (step.of !== clock || fired.has(step.key)) continue;
      if (step.priorities && !step.priorities.includes(ticket.priority)) continue;
      const threshold = stepThresholdMs(step, status.targetMs);
      const at = dueAt(policy.schedule, ticket.openedAt, threshold, clock === 'resolution' ? pauses : []).getTime();
      if (next === null || at < next) next = at;
    }
  }
  return next === null ? null : new Date(next);
}

// ---------- delivering an escalation's message ----------

/** What a step (`page` or a configured one) tells, by its key; null when the step is no longer configured. */
export function actionFor(key: string, steps: readonly EscalationStep[]): EscalationAction | null {
  if (key === PAGE_KEY) return { key, clock: 'page', notify: [...NOTIFY_TARGETS] };
  const step = steps.find((s) => s.key === key);
  return step ? { key, clock: step.of, notify: [...step.notify] } : null;
}

/**
 * The separate posts of one step's message: a DM per on-duty person (`dm:<user>`) and one triage post (`triage`,
 * which also mentions the responders). Each is recorded once it went out, so a retry sends only the others.
 */
export function escalationParts(action: Pick<EscalationAction, 'notify'>, onDuty: readonly string[]): string[] {
  const parts = action.notify.includes('onDuty') ? [...new Set(onDuty)].map((user) => `dm:${user}`) : [];
  if (action.notify.includes('triage') || action.notify.includes('responders')) parts.push('triage');
  return parts;
}

/**
 * Whether a message claimed earlier and not yet delivered is still worth sending on a retry: not once the ticket is
 * resolved or waiting on the asker, and a page or first-response step not once someone answered.
 */
export function stillCalledFor(ticket: Ticket, clock: EscalationAction['clock']): boolean {
  if (ticket.state === 'resolved' || ticket.state === 'waiting') return false;
  return clock === 'resolution' || ticket.firstResponseAt === null;
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
