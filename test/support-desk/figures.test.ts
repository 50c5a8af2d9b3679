import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/clock.js';
import { zSupportConfig } from '../../src/support/config.js';
import {
  deflectionOf,
  openingsByPerson,
  percentile,
  supportFigures,
  type TicketFacts,
} from '../../src/support/figures.js';
import { newTicket, resolvePolicies, type Ticket } from '../../src/support/model.js';

const policies = resolvePolicies(
  zSupportConfig.parse({ channels: ['C0HELP0001'], triageChannel: 'C0TRIAGE01', responders: ['S0PLATFORM'] }),
  'Europe/Berlin',
);
const d = (iso: string) => new Date(iso);

describe('deflection: claimed vs confirmed', () => {
  const claim = { resolvedAt: d('2026-01-13T09:00:00Z'), resolvedBy: 'asker' as const, firstResponseAt: null };

  it('is claimed until 7 days have passed, confirmed after if the person did not ask again', () => {
    expect(deflectionOf(claim, [], d('2026-01-19T09:00:00Z'))).toBe('claimed');
    expect(deflectionOf(claim, [], d('2026-01-20T09:00:00Z'))).toBe('claimed');
    expect(deflectionOf(claim, [], d('2026-01-20T09:00:00.001Z'))).toBe('confirmed');
  });

  it('is refuted when the same person asks again within the 7 days, the 7th day included', () => {
    expect(deflectionOf(claim, [d('2026-01-16T09:00:00Z')], d('2026-01-30T00:00:00Z'))).toBe('refuted');
    expect(deflectionOf(claim, [d('2026-01-20T09:00:00Z')], d('2026-01-30T00:00:00Z'))).toBe('refuted');
    // Asking before the claim, or after the week, does not refute it.
    const around = [d('2026-01-12T09:00:00Z'), d('2026-01-13T09:00:00Z'), d('2026-01-20T09:00:01Z')];
    expect(deflectionOf(claim, around, d('2026-01-30T00:00:00Z'))).toBe('confirmed');
  });

  it('is none when a responder took part or resolved it', () => {
    expect(deflectionOf({ ...claim, firstResponseAt: d('2026-01-13T08:30:00Z') }, [], d('2026-02-01T00:00:00Z'))).toBe(
      'none',
    );
    expect(deflectionOf({ ...claim, resolvedBy: 'responder' }, [], d('2026-02-01T00:00:00Z'))).toBe('none');
    expect(
      deflectionOf({ resolvedAt: null, resolvedBy: null, firstResponseAt: null }, [], d('2026-02-01T00:00:00Z')),
    ).toBe('none');
  });
});

describe('percentiles', () => {
  it('nearest rank: a value some ticket actually took', () => {
    expect(percentile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 0.9)).toBe(5);
    expect(percentile([4, 1, 3, 2], 0.5)).toBe(2);
    expect(percentile([7], 0.9)).toBe(7);
    expect(
      percentile(
        Array.from({ length: 20 }, (_, i) => i + 1),
        0.9,
      ),
    ).toBe(18);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('support figures', () => {
  // Week of Monday 2026-01-12; Berlin is UTC+1, business hours 09:00–17:00 = 08:00–16:00Z.
  const facts = (askerId: string, ticket: Ticket, csat: number | null = null): TicketFacts => ({
    ...ticket,
    askerId,
    csat,
  });
  const tickets: TicketFacts[] = [
    // p2 answered in 30 business minutes, resolved in 2 business hours with a 1 h wait excluded: met, met.
    facts(
      'U0ADA0001',
      {
        ...newTicket('p2', d('2026-01-12T09:00:00Z')),
        state: 'resolved',
        tier: 2,
        firstResponseAt: d('2026-01-12T09:30:00Z'),
        resolvedAt: d('2026-01-12T12:00:00Z'),
        resolvedBy: 'responder',
        pauses: [{ from: d('2026-01-12T10:00:00Z'), to: d('2026-01-12T11:00:00Z') }],
      },
      5,
    ),
    // p2 opened Friday 16:30 Berlin, answered Monday 10:00 Berlin: 1.5 business hours, first response missed.
    facts('U0BOB0001', {
      ...newTicket('p2', d('2026-01-16T15:30:00Z')),
      state: 'responded',
      tier: 2,
      firstResponseAt: d('2026-01-19T09:00:00Z'),
    }),
    // p3 deflected by the asker after 10 minutes, then the same person asked again 3 days later: refuted.
    facts(
      'U0CAT0001',
      {
        ...newTicket('p3', d('2026-01-13T09:00:00Z')),
        state: 'resolved',
        resolvedAt: d('2026-01-13T09:10:00Z'),
        resolvedBy: 'asker',
      },
      4,
    ),
    // p3 deflected and never asked again: confirmed (now is over 7 days later).
    facts('U0DAN0001', {
      ...newTicket('p3', d('2026-01-12T10:00:00Z')),
      state: 'resolved',
      resolvedAt: d('2026-01-12T10:05:00Z'),
      resolvedBy: 'asker',
    }),
    // p3 still open: the first response is overdue (a miss), the resolution not due yet (not counted).
    facts('U0CAT0001', newTicket('p3', d('2026-01-16T14:00:00Z'))),
    // p1 open, 24×7, first response long overdue: a miss while still running.
    facts('U0EVE0001', newTicket('p1', d('2026-01-17T03:00:00Z')), 2),
    // A priority no longer configured: counts in volume and CSAT only.
    facts('U0FAY0001', newTicket('p9', d('2026-01-14T09:00:00Z'))),
  ];
  const now = d('2026-01-21T12:00:00Z');
  const later = openingsByPerson([...tickets, { askerId: 'U0CAT0001', openedAt: d('2026-01-14T09:00:00Z') }]);
  const figures = supportFigures(tickets, policies, later, now);

  it('volume, claimed and confirmed deflection apart, CSAT', () => {
    expect(figures.volume).toBe(7);
    expect(figures.deflection).toEqual({ claimed: 2, confirmed: 1, refuted: 1 });
    expect(figures.csat).toEqual({ count: 3, average: 11 / 3 });
  });

  it('median and p90 in business time, waiting on the asker excluded from resolution', () => {
    expect(figures.timeToFirstResponse).toEqual({ count: 2, medianMs: 30 * MINUTE, p90Ms: 1.5 * HOUR });
    // Resolutions: 2 h (p2), 10 min and 5 min (p3 deflections).
    expect(figures.timeToResolution).toEqual({ count: 3, medianMs: 10 * MINUTE, p90Ms: 2 * HOUR });
  });

  it('SLA attainment per priority counts decided clocks only', () => {
    const by = Object.fromEntries(figures.byPriority.map((p) => [p.priority, p]));
    expect(by.p1).toMatchObject({
      tickets: 1,
      firstResponse: { met: 0, missed: 1, rate: 0 },
      resolution: { met: 0, missed: 1 },
    });
    expect(by.p2).toMatchObject({
      tickets: 2,
      firstResponse: { met: 1, missed: 1, rate: 0.5 },
      // The second p2 ticket's resolution (1 business day) ran out Monday 16:30 Berlin: a miss.
      resolution: { met: 1, missed: 1, rate: 0.5 },
    });
    expect(by.p3).toMatchObject({
      tickets: 3,
      firstResponse: { met: 2, missed: 1 },
      resolution: { met: 2, missed: 0, rate: 1 },
    });
    expect(figures.byPriority.map((p) => p.priority)).toEqual(['p1', 'p2', 'p3']);
  });

  it('no tickets, no figures', () => {
    const empty = supportFigures([], policies, new Map(), now);
    expect(empty).toMatchObject({ volume: 0, csat: { count: 0, average: null } });
    expect(empty.timeToFirstResponse).toEqual({ count: 0, medianMs: null, p90Ms: null });
    expect(empty.byPriority[0]?.firstResponse).toEqual({ met: 0, missed: 0, rate: null });
  });
});
