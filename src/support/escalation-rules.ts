import { dueAt } from './business-time.js';
import { type ClockName, type EscalationStep, NOTIFY_TARGETS, type NotifyTarget } from './config.js';
import { type ClockStatus, type Policy, pausesUntil, type SlaStatus, slaStatus, type Ticket } from './model.js';

/**
 * Escalation steps of a ticket: which steps are due at an instant, when the next one falls due, what a step tells
 * and whom. Pure, like model.ts: every rule takes the instant it is asked about.
 */

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
 * which also mentions the responders). Each is recorded once it went out, so a retry sends only the others. A step
 * for the on-duty person when nobody is on duty (no `onDuty` configured, an empty or unreadable usergroup) goes to
 * the triage channel instead, so it is never lost.
 */
export function escalationParts(action: Pick<EscalationAction, 'notify'>, onDuty: readonly string[]): string[] {
  const parts = action.notify.includes('onDuty') ? [...new Set(onDuty)].map((user) => `dm:${user}`) : [];
  const noDuty = action.notify.includes('onDuty') && parts.length === 0;
  if (noDuty || action.notify.includes('triage') || action.notify.includes('responders')) parts.push('triage');
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
