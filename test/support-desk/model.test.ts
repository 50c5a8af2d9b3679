import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/clock.js';
import { zSupportConfig } from '../../src/support/config.js';
import { dueEscalations, nextEscalationAt } from '../../src/support/escalation-rules.js';
import {
  newTicket,
  type Policy,
  queueOrder,
  resolvePolicies,
  slaStatus,
  type Ticket,
  type TicketEvent,
  transition,
} from '../../src/support/model.js';

// Defaults: Mon–Fri 09:00–17:00 (Berlin here), p1 24×7 15m/4h pages, p2 1h/1d (8 business hours), p3 4h/3d (24).
const config = zSupportConfig.parse({
  channels: ['C0HELP0001'],
  triageChannel: 'C0TRIAGE01',
  responders: ['S0PLATFORM'],
  holidays: ['2026-12-24'],
  escalation: [
    { at: '75%', of: 'firstResponse', notify: ['onDuty'] },
    { at: 'breach', of: 'firstResponse', notify: ['triage', 'responders'] },
    { at: '-1h', of: 'resolution', notify: ['onDuty'], priorities: ['p2'] },
    { at: 'breach', of: 'resolution', notify: ['triage'] },
  ],
});
const policies = resolvePolicies(config, 'Europe/Berlin');
const policy = (id: string): Policy => policies.find((p) => p.id === id)!;
const d = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;

// 2026-01-13 is a Tuesday; Berlin is UTC+1, so 10:00 Berlin is 09:00Z.
const TUE_10 = d('2026-01-13T09:00:00Z');

function apply(ticket: Ticket, ...steps: [TicketEvent, string][]): Ticket {
  let current = ticket;
  for (const [event, at] of steps) {
    const result = transition(current, event, d(at));
    if (!result.ok) throw new Error(`refused ${event.kind}: ${result.reason}`);
    current = result.ticket;
  }
  return current;
}

describe('policies', () => {
  it('turn targets into milliseconds of each clock: a business day is the opening hours', () => {
    expect(policies.map((p) => [p.id, p.schedule.kind, p.firstResponseMs / MINUTE, p.resolutionMs / HOUR])).toEqual([
      ['p1', 'always', 15, 4],
      ['p2', 'business', 60, 8],
      ['p3', 'business', 240, 24],
    ]);
    expect(policy('p2').schedule).toMatchObject({ timezone: 'Europe/Berlin', holidays: ['2026-12-24'] });
  });

  it('a priority schedule without a zone takes the main schedule zone; holidays add up', () => {
    const own = zSupportConfig.parse({
      channels: ['C0HELP0001'],
      triageChannel: 'C0TRIAGE01',
      responders: ['S0PLATFORM'],
      businessHours: { timezone: 'America/New_York' },
      holidays: ['2026-07-03'],
      priorities: {
        p2: {
          label: 'Blocked',
          firstResponse: '1h',
          resolution: '1d',
          businessHours: { start: '08:00', end: '20:00', holidays: ['2026-07-04'] },
        },
      },
    });
    const [p2] = resolvePolicies(own, 'UTC');
    expect(p2?.schedule).toEqual({
      kind: 'business',
      days: [1, 2, 3, 4, 5],
      start: '08:00',
      end: '20:00',
      timezone: 'America/New_York',
      holidays: ['2026-07-03', '2026-07-04'],
    });
    expect(p2?.resolutionMs).toBe(12 * HOUR);
  });
});

describe('transitions', () => {
  const open = newTicket('p2', TUE_10);

  it('a responder reply or 👀 is the first response and moves the ticket to tier 2, once', () => {
    const first = transition(open, { kind: 'respond' }, d('2026-01-13T09:20:00Z'));
    expect(first).toMatchObject({ ok: true, changed: true, ticket: { state: 'responded', tier: 2 } });
    const answered = first.ok ? first.ticket : open;
    expect(iso(answered.firstResponseAt)).toBe('2026-01-13T09:20:00.000Z');
    const again = transition(answered, { kind: 'respond' }, d('2026-01-13T09:40:00Z'));
    expect(again).toMatchObject({ ok: true, changed: false });
  });

  it('waiting on the asker: responders only, pauses, and the asker reply resumes', () => {
    expect(transition(open, { kind: 'wait', by: 'asker' }, TUE_10)).toEqual({ ok: false, reason: 'responders-only' });
    const waiting = apply(open, [{ kind: 'wait', by: 'responder' }, '2026-01-13T10:00:00Z']);
    // Marking "waiting" on an unanswered ticket is a response.
    expect(waiting).toMatchObject({ state: 'waiting', tier: 2, firstResponseAt: d('2026-01-13T10:00:00Z') });
    expect(waiting.pauses).toEqual([{ from: d('2026-01-13T10:00:00Z'), to: null }]);
    expect(transition(waiting, { kind: 'resume', by: 'asker' }, TUE_10)).toEqual({
      ok: false,
      reason: 'responders-only',
    });
    const back = apply(waiting, [{ kind: 'asker-reply' }, '2026-01-13T12:00:00Z']);
    expect(back.state).toBe('responded');
    expect(back.pauses).toEqual([{ from: d('2026-01-13T10:00:00Z'), to: d('2026-01-13T12:00:00Z') }]);
    expect(transition(back, { kind: 'asker-reply' }, d('2026-01-13T12:05:00Z'))).toMatchObject({ changed: false });
    const again = apply(
      back,
      [{ kind: 'wait', by: 'responder' }, '2026-01-13T13:00:00Z'],
      [{ kind: 'resume', by: 'responder' }, '2026-01-13T13:30:00Z'],
    );
    expect(again.pauses).toHaveLength(2);
    expect(again.state).toBe('responded');
  });

  it('resolution by the asker at tier 1 leaves no first response; by a responder it is one', () => {
    const byAsker = apply(open, [{ kind: 'resolve', by: 'asker' }, '2026-01-13T09:05:00Z']);
    expect(byAsker).toMatchObject({ state: 'resolved', tier: 1, resolvedBy: 'asker', firstResponseAt: null });
    const byResponder = apply(open, [{ kind: 'resolve', by: 'responder' }, '2026-01-13T09:05:00Z']);
    expect(byResponder).toMatchObject({ state: 'resolved', tier: 2, resolvedBy: 'responder' });
    expect(iso(byResponder.firstResponseAt)).toBe('2026-01-13T09:05:00.000Z');
  });

  it('resolving a waiting ticket closes its pause; a resolved ticket takes nothing more', () => {
    const resolved = apply(
      open,
      [{ kind: 'wait', by: 'responder' }, '2026-01-13T10:00:00Z'],
      [{ kind: 'resolve', by: 'asker' }, '2026-01-13T11:00:00Z'],
    );
    expect(resolved.pauses).toEqual([{ from: d('2026-01-13T10:00:00Z'), to: d('2026-01-13T11:00:00Z') }]);
    for (const event of [
      { kind: 'respond' },
      { kind: 'asker-reply' },
      { kind: 'resolve', by: 'responder' },
      { kind: 'set-priority', priority: 'p1' },
    ] as TicketEvent[]) {
      expect(transition(resolved, event, d('2026-01-13T12:00:00Z'))).toEqual({ ok: false, reason: 'resolved' });
    }
  });

  it('needs pairing is tier 3; from a responder it also counts as the first response', () => {
    expect(apply(open, [{ kind: 'needs-pairing', by: 'asker' }, '2026-01-13T09:05:00Z'])).toMatchObject({
      tier: 3,
      state: 'open',
      firstResponseAt: null,
    });
    expect(apply(open, [{ kind: 'needs-pairing', by: 'responder' }, '2026-01-13T09:05:00Z'])).toMatchObject({
      tier: 3,
      state: 'responded',
    });
    // Tiers never go down.
    const paired = apply(
      open,
      [{ kind: 'needs-pairing', by: 'asker' }, '2026-01-13T09:05:00Z'],
      [{ kind: 'respond' }, '2026-01-13T09:06:00Z'],
    );
    expect(paired.tier).toBe(3);
  });

  it('a priority change is not a response', () => {
    const changed = apply(open, [{ kind: 'set-priority', priority: 'p1' }, '2026-01-13T09:05:00Z']);
    expect(changed).toMatchObject({ priority: 'p1', state: 'open', firstResponseAt: null });
    expect(transition(changed, { kind: 'set-priority', priority: 'p1' }, TUE_10)).toMatchObject({ changed: false });
  });
});

describe('the SLA clock', () => {
  it('counts business hours: a p2 opened Tuesday 10:00 is due 11:00, resolved by Wednesday 10:00', () => {
    const sla = slaStatus(newTicket('p2', TUE_10), policy('p2'), d('2026-01-13T09:30:00Z'));
    expect(iso(sla.firstResponse.dueAt)).toBe('2026-01-13T10:00:00.000Z');
    expect(sla.firstResponse).toMatchObject({
      elapsedMs: 30 * MINUTE,
      remainingMs: 30 * MINUTE,
      breached: false,
      met: null,
    });
    expect(iso(sla.resolution.dueAt)).toBe('2026-01-14T09:00:00.000Z');
  });

  it('overnight and over the weekend the clock stands still', () => {
    // Friday 2026-01-16 16:30 Berlin: 30 minutes on Friday, the other 30 on Monday morning.
    const friday = newTicket('p2', d('2026-01-16T15:30:00Z'));
    const sunday = slaStatus(friday, policy('p2'), d('2026-01-18T12:00:00Z'));
    expect(sunday.firstResponse).toMatchObject({ elapsedMs: 30 * MINUTE, breached: false });
    expect(iso(sunday.firstResponse.dueAt)).toBe('2026-01-19T08:30:00.000Z');
  });

  it('a ticket opened outside hours starts counting at the opening', () => {
    const saturday = newTicket('p3', d('2026-01-17T10:00:00Z'));
    expect(iso(slaStatus(saturday, policy('p3'), d('2026-01-17T10:00:00Z')).firstResponse.dueAt)).toBe(
      '2026-01-19T12:00:00.000Z',
    );
  });

  it('holidays do not count', () => {
    // Wednesday 2026-12-23 16:30 Berlin, p2: 30 min, then Thursday is a holiday, Friday 09:30 it is due.
    const ticket = newTicket('p2', d('2026-12-23T15:30:00Z'));
    expect(iso(slaStatus(ticket, policy('p2'), ticket.openedAt).firstResponse.dueAt)).toBe('2026-12-25T08:30:00.000Z');
  });

  it('24×7 counts all time', () => {
    const night = newTicket('p1', d('2026-01-17T03:00:00Z'));
    const sla = slaStatus(night, policy('p1'), d('2026-01-17T03:20:00Z'));
    expect(iso(sla.firstResponse.dueAt)).toBe('2026-01-17T03:15:00.000Z');
    expect(sla.firstResponse).toMatchObject({ breached: true, remainingMs: -5 * MINUTE });
    expect(iso(sla.firstResponse.breachedAt)).toBe('2026-01-17T03:15:00.000Z');
  });

  it('met when stopped before the due time, breached when stopped at or after it', () => {
    const onTime = apply(newTicket('p2', TUE_10), [{ kind: 'respond' }, '2026-01-13T09:59:59Z']);
    expect(slaStatus(onTime, policy('p2'), d('2026-01-15T00:00:00Z')).firstResponse).toMatchObject({
      stopped: true,
      met: true,
      breached: false,
    });
    const late = apply(newTicket('p2', TUE_10), [{ kind: 'respond' }, '2026-01-13T10:00:00Z']);
    expect(slaStatus(late, policy('p2'), d('2026-01-15T00:00:00Z')).firstResponse).toMatchObject({
      met: false,
      breached: true,
    });
  });

  it('a resolution without any response stops the first-response clock too', () => {
    const solved = apply(newTicket('p2', TUE_10), [{ kind: 'resolve', by: 'asker' }, '2026-01-13T09:10:00Z']);
    const sla = slaStatus(solved, policy('p2'), d('2026-01-14T00:00:00Z'));
    expect(sla.firstResponse).toMatchObject({ stopped: true, met: true, elapsedMs: 10 * MINUTE });
    expect(sla.resolution).toMatchObject({ stopped: true, met: true });
  });

  it('pause and resume: waiting on the asker stops the resolution clock only', () => {
    // p2 opened Tuesday 10:00 Berlin, answered 10:30, waiting from 11:00 until the asker replies at 15:00.
    const waiting = apply(
      newTicket('p2', TUE_10),
      [{ kind: 'respond' }, '2026-01-13T09:30:00Z'],
      [{ kind: 'wait', by: 'responder' }, '2026-01-13T10:00:00Z'],
    );
    const during = slaStatus(waiting, policy('p2'), d('2026-01-13T12:00:00Z'));
    expect(during.paused).toBe(true);
    expect(during.resolution).toMatchObject({ elapsedMs: HOUR, remainingMs: 7 * HOUR, dueAt: null, breached: false });
    const resumed = apply(waiting, [{ kind: 'asker-reply' }, '2026-01-13T14:00:00Z']);
    const after = slaStatus(resumed, policy('p2'), d('2026-01-13T14:00:00Z'));
    // 7 hours left from 15:00 Berlin: 2 on Tuesday, 5 on Wednesday → Wednesday 14:00 Berlin.
    expect(iso(after.resolution.dueAt)).toBe('2026-01-14T13:00:00.000Z');
    expect(after.paused).toBe(false);
  });

  it('a paused ticket that had already breached stays breached, with its breach time', () => {
    const ticket = apply(
      newTicket('p2', TUE_10),
      [{ kind: 'respond' }, '2026-01-13T09:30:00Z'],
      [{ kind: 'wait', by: 'responder' }, '2026-01-14T10:00:00Z'],
    );
    const sla = slaStatus(ticket, policy('p2'), d('2026-01-15T10:00:00Z'));
    expect(sla.resolution).toMatchObject({ breached: true, remainingMs: -HOUR });
    expect(iso(sla.resolution.breachedAt)).toBe('2026-01-14T09:00:00.000Z');
  });

  it('a priority changed mid-ticket re-measures the ticket from its opening under the new priority', () => {
    const p3 = newTicket('p3', TUE_10);
    expect(iso(slaStatus(p3, policy('p3'), d('2026-01-13T09:50:00Z')).firstResponse.dueAt)).toBe(
      '2026-01-13T13:00:00.000Z',
    );
    // Raised to p2 at 10:50 Berlin: due at 11:00 as if it had been p2 all along, 10 minutes left.
    const raised = apply(p3, [{ kind: 'set-priority', priority: 'p2' }, '2026-01-13T09:50:00Z']);
    const sla = slaStatus(raised, policy(raised.priority), d('2026-01-13T09:50:00Z'));
    expect(iso(sla.firstResponse.dueAt)).toBe('2026-01-13T10:00:00.000Z');
    expect(sla.firstResponse.remainingMs).toBe(10 * MINUTE);
    // Raised to p1 at night: the 24×7 clock counts from the opening, so it is already breached.
    const p1 = apply(p3, [{ kind: 'set-priority', priority: 'p1' }, '2026-01-13T20:00:00Z']);
    const night = slaStatus(p1, policy('p1'), d('2026-01-13T20:00:00Z'));
    expect(night.firstResponse.breached).toBe(true);
    expect(iso(night.resolution.breachedAt)).toBe('2026-01-13T13:00:00.000Z');
  });
});

describe('escalation steps', () => {
  const steps = config.escalation;
  const p2 = newTicket('p2', TUE_10);
  const none = new Set<string>();
  const due = (ticket: Ticket, fired: Set<string>, at: string, id = ticket.priority) =>
    dueEscalations(ticket, policy(id), steps, fired, d(at));

  it('each step at its moment, each once: 75% of first response DMs on duty, the breach posts to triage', () => {
    expect(due(p2, none, '2026-01-13T09:44:59Z')).toEqual({ fire: [], skip: [] });
    expect(due(p2, none, '2026-01-13T09:45:00Z')).toEqual({
      fire: [{ key: 'firstResponse@75%', clock: 'firstResponse', notify: ['onDuty'] }],
      skip: [],
    });
    const fired = new Set(['firstResponse@75%']);
    expect(due(p2, fired, '2026-01-13T09:50:00Z').fire).toEqual([]);
    expect(due(p2, fired, '2026-01-13T10:00:00Z').fire).toEqual([
      { key: 'firstResponse@100%', clock: 'firstResponse', notify: ['triage', 'responders'] },
    ]);
    fired.add('firstResponse@100%');
    expect(due(p2, fired, '2026-01-13T11:00:00Z').fire).toEqual([]);
  });

  it('after downtime only the latest due step of a clock is sent; the earlier ones are recorded as skipped', () => {
    expect(due(p2, none, '2026-01-13T10:30:00Z')).toEqual({
      fire: [{ key: 'firstResponse@100%', clock: 'firstResponse', notify: ['triage', 'responders'] }],
      skip: ['firstResponse@75%'],
    });
  });

  it('no first-response step once answered; resolution steps use offsets and priority filters', () => {
    const answered = apply(p2, [{ kind: 'respond' }, '2026-01-13T09:30:00Z']);
    expect(due(answered, none, '2026-01-13T15:59:59Z').fire).toEqual([]);
    // 1 business hour before the resolution target (Wednesday 10:00 Berlin) is Tuesday 17:00 → at 16:00Z.
    expect(iso(nextEscalationAt(answered, policy('p2'), steps, none, d('2026-01-13T10:00:00Z')))).toBe(
      '2026-01-13T16:00:00.000Z',
    );
    expect(due(answered, none, '2026-01-13T16:00:00Z').fire.map((a) => a.key)).toEqual(['resolution@-60m']);
    // Overnight nothing more is due; the breach comes at Wednesday 10:00 Berlin.
    const fired = new Set(['resolution@-60m']);
    expect(due(answered, fired, '2026-01-14T07:59:00Z').fire).toEqual([]);
    expect(iso(nextEscalationAt(answered, policy('p2'), steps, fired, d('2026-01-14T07:59:00Z')))).toBe(
      '2026-01-14T09:00:00.000Z',
    );
    expect(due(answered, fired, '2026-01-14T09:00:00Z').fire.map((a) => a.key)).toEqual(['resolution@100%']);
    // The -1h step is only for p2: a p3 ticket never gets it.
    const p3 = apply(newTicket('p3', TUE_10), [{ kind: 'respond' }, '2026-01-13T09:30:00Z']);
    expect(due(p3, none, '2026-01-16T12:00:00Z').fire.map((a) => a.key)).toEqual(['resolution@100%']);
  });

  it('nothing fires for a resolved or a paused ticket; a paused ticket fires what is due once resumed', () => {
    const resolved = apply(p2, [{ kind: 'resolve', by: 'responder' }, '2026-01-13T09:30:00Z']);
    expect(due(resolved, none, '2026-01-20T00:00:00Z')).toEqual({ fire: [], skip: [] });
    expect(nextEscalationAt(resolved, policy('p2'), steps, none, d('2026-01-20T00:00:00Z'))).toBeNull();
    const waiting = apply(p2, [{ kind: 'wait', by: 'responder' }, '2026-01-13T09:30:00Z']);
    expect(due(waiting, none, '2026-01-20T00:00:00Z')).toEqual({ fire: [], skip: [] });
    expect(nextEscalationAt(waiting, policy('p2'), steps, none, d('2026-01-20T00:00:00Z'))).toBeNull();
    // Waiting from Tuesday 10:30 to the next Tuesday: 30 min counted before, and the clock resumes now.
    const resumed = apply(waiting, [{ kind: 'asker-reply' }, '2026-01-20T09:00:00Z']);
    expect(due(resumed, none, '2026-01-20T09:00:00Z').fire).toEqual([]);
    expect(iso(nextEscalationAt(resumed, policy('p2'), steps, none, d('2026-01-20T09:00:00Z')))).toBe(
      '2026-01-20T15:30:00.000Z',
    );
  });

  it('p1 pages at once, then follows its 24×7 steps', () => {
    const p1 = newTicket('p1', d('2026-01-17T03:00:00Z'));
    expect(due(p1, none, '2026-01-17T03:00:00Z')).toEqual({
      fire: [{ key: 'page', clock: 'page', notify: ['onDuty', 'triage', 'responders'] }],
      skip: [],
    });
    expect(iso(nextEscalationAt(p1, policy('p1'), steps, none, d('2026-01-17T03:00:00Z')))).toBe(
      '2026-01-17T03:00:00.000Z',
    );
    const paged = new Set(['page']);
    expect(iso(nextEscalationAt(p1, policy('p1'), steps, paged, d('2026-01-17T03:00:00Z')))).toBe(
      '2026-01-17T03:11:15.000Z',
    );
    expect(due(p1, paged, '2026-01-17T03:11:15Z').fire.map((a) => a.key)).toEqual(['firstResponse@75%']);
    // A ticket raised to p1 later pages then.
    const raised = apply(newTicket('p3', TUE_10), [{ kind: 'set-priority', priority: 'p1' }, '2026-01-13T09:05:00Z']);
    expect(due(raised, none, '2026-01-13T09:05:00Z').fire[0]?.key).toBe('page');
  });

  it('the next step of a ticket opened Friday afternoon falls on Monday morning', () => {
    const friday = newTicket('p2', d('2026-01-16T15:30:00Z'));
    expect(iso(nextEscalationAt(friday, policy('p2'), steps, none, friday.openedAt))).toBe('2026-01-19T08:15:00.000Z');
  });
});

describe('the queue', () => {
  const now = d('2026-01-16T16:30:00Z'); // Friday 17:30 Berlin, closed
  const answered = (ticket: Ticket) => apply(ticket, [{ kind: 'respond' }, iso(ticket.openedAt)!]);
  const items: [string, Ticket][] = [
    [
      'resolved',
      apply(newTicket('p2', d('2026-01-16T08:00:00Z')), [{ kind: 'resolve', by: 'asker' }, '2026-01-16T08:10:00Z']),
    ],
    ['p3 due Monday', newTicket('p3', d('2026-01-16T14:00:00Z'))],
    [
      'waiting',
      apply(newTicket('p2', d('2026-01-16T08:00:00Z')), [{ kind: 'wait', by: 'responder' }, '2026-01-16T08:05:00Z']),
    ],
    ['breached 30m ago', newTicket('p1', d('2026-01-16T15:45:00Z'))],
    ['breached Friday 10:00', newTicket('p2', d('2026-01-16T08:00:00Z'))],
    ['p1 due 18:00', answered(newTicket('p1', d('2026-01-16T14:00:00Z')))],
    [
      'waiting, older',
      apply(newTicket('p3', d('2026-01-15T08:00:00Z')), [{ kind: 'wait', by: 'responder' }, '2026-01-15T08:05:00Z']),
    ],
  ];

  it('breached first (longest ago first), then by due time, then waiting on the asker; resolved left out', () => {
    const queue = queueOrder(items, ([, ticket]) => ({ ticket, policy: policy(ticket.priority) }), now);
    expect(queue.map((e) => e.item[0])).toEqual([
      'breached Friday 10:00',
      'breached 30m ago',
      'p1 due 18:00',
      'p3 due Monday',
      'waiting, older',
      'waiting',
    ]);
    expect(queue[0]).toMatchObject({ clock: 'firstResponse', breachedForMs: 7.5 * HOUR });
    expect(queue[1]?.breachedForMs).toBe(30 * MINUTE);
    expect(queue[2]).toMatchObject({ clock: 'resolution', breachedForMs: 0 });
    expect(iso(queue[3]!.status.dueAt)).toBe('2026-01-19T10:00:00.000Z');
    expect(queue[4]).toMatchObject({ paused: true });
  });
});
