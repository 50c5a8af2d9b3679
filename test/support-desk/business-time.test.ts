import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/clock.js';
import {
  ALWAYS,
  type BusinessSchedule,
  businessDayMs,
  businessMsBetween,
  closesAt,
  dueAt,
  isOpen,
  nextOpening,
} from '../../src/support/business-time.js';

const d = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();

function schedule(partial: Partial<BusinessSchedule> = {}): BusinessSchedule {
  return {
    kind: 'business',
    days: [1, 2, 3, 4, 5],
    start: '09:00',
    end: '17:00',
    timezone: 'Europe/Berlin',
    holidays: [],
    ...partial,
  };
}

// Berlin is UTC+1 in winter: 09:00 local is 08:00Z. 2026-01-13 is a Tuesday.
const berlin = schedule();

describe('business time within and across days', () => {
  it('counts the open hours of one day', () => {
    expect(businessMsBetween(berlin, d('2026-01-13T09:00:00Z'), d('2026-01-13T11:00:00Z'))).toBe(2 * HOUR);
    expect(businessMsBetween(berlin, d('2026-01-13T00:00:00Z'), d('2026-01-14T00:00:00Z'))).toBe(8 * HOUR);
    expect(businessMsBetween(berlin, d('2026-01-13T11:00:00Z'), d('2026-01-13T09:00:00Z'))).toBe(0);
  });

  it('stops overnight: Tuesday 16:00 to Wednesday 10:00 is two business hours', () => {
    expect(businessMsBetween(berlin, d('2026-01-13T15:00:00Z'), d('2026-01-14T09:00:00Z'))).toBe(2 * HOUR);
    expect(iso(dueAt(berlin, d('2026-01-13T15:00:00Z'), 2 * HOUR))).toBe('2026-01-14T09:00:00.000Z');
    // Exactly one business hour left at closing: due at 17:00 sharp, not the next morning.
    expect(iso(dueAt(berlin, d('2026-01-13T15:00:00Z'), HOUR))).toBe('2026-01-13T16:00:00.000Z');
  });

  it('skips the weekend: Friday 16:00 plus 4 business hours is Monday 12:00', () => {
    // 2026-01-16 is a Friday.
    expect(iso(dueAt(berlin, d('2026-01-16T15:00:00Z'), 4 * HOUR))).toBe('2026-01-19T11:00:00.000Z');
    expect(businessMsBetween(berlin, d('2026-01-16T15:00:00Z'), d('2026-01-19T09:00:00Z'))).toBe(2 * HOUR);
    expect(businessMsBetween(berlin, d('2026-01-17T00:00:00Z'), d('2026-01-18T23:00:00Z'))).toBe(0);
  });

  it('one business day of 09:00–17:00 ends at the same time the next business day', () => {
    expect(businessDayMs(berlin)).toBe(8 * HOUR);
    expect(iso(dueAt(berlin, d('2026-01-16T10:30:00Z'), businessDayMs(berlin)))).toBe('2026-01-19T10:30:00.000Z');
  });

  it('closes on holidays, schedule holidays as local dates', () => {
    const christmas = schedule({ holidays: ['2026-12-24', '2026-12-25'] });
    // Wednesday 2026-12-23 16:00 + 2h: Thursday and Friday are holidays, then the weekend → Monday 10:00.
    expect(iso(dueAt(christmas, d('2026-12-23T15:00:00Z'), 2 * HOUR))).toBe('2026-12-28T09:00:00.000Z');
    expect(isOpen(christmas, d('2026-12-24T10:00:00Z'))).toBe(false);
    expect(businessMsBetween(christmas, d('2026-12-21T00:00:00Z'), d('2026-12-28T00:00:00Z'))).toBe(3 * 8 * HOUR);
  });

  it('reads a holiday in the schedule zone, not in UTC', () => {
    const tokyo = schedule({ timezone: 'Asia/Tokyo', holidays: ['2026-05-05'] });
    // 2026-05-05T00:30Z is Tuesday 09:30 on the holiday in Tokyo;
    // 2026-05-04T23:30Z is 08:30 on the holiday in Tokyo but still Monday in UTC.
    expect(isOpen(tokyo, d('2026-05-05T00:30:00Z'))).toBe(false);
    expect(iso(nextOpening(tokyo, d('2026-05-04T23:30:00Z')))).toBe('2026-05-06T00:00:00.000Z');
    // Monday 2026-05-04 16:30 Tokyo (07:30Z) + 1h → 30 min Monday, 30 min Wednesday.
    expect(iso(dueAt(tokyo, d('2026-05-04T07:30:00Z'), HOUR))).toBe('2026-05-06T00:30:00.000Z');
  });

  it('closes at 24:00 when told to', () => {
    const evenings = schedule({ start: '18:00', end: '24:00' });
    // Tuesday 23:00 Berlin to Wednesday 19:00 Berlin: one hour each evening.
    expect(businessMsBetween(evenings, d('2026-01-13T22:00:00Z'), d('2026-01-14T18:00:00Z'))).toBe(2 * HOUR);
    expect(isOpen(evenings, d('2026-01-13T22:59:59Z'))).toBe(true);
    expect(isOpen(evenings, d('2026-01-13T23:00:00Z'))).toBe(false);
    expect(iso(closesAt(evenings, d('2026-01-13T20:00:00Z'))!)).toBe('2026-01-13T23:00:00.000Z');
  });
});

describe('a ticket opened outside business hours', () => {
  it('starts counting at the next opening', () => {
    // Saturday 11:00 + 1h → Monday 10:00; Tuesday 07:00 + 1h → Tuesday 10:00.
    expect(iso(dueAt(berlin, d('2026-01-17T10:00:00Z'), HOUR))).toBe('2026-01-19T09:00:00.000Z');
    expect(iso(dueAt(berlin, d('2026-01-13T06:00:00Z'), HOUR))).toBe('2026-01-13T09:00:00.000Z');
    expect(businessMsBetween(berlin, d('2026-01-13T06:00:00Z'), d('2026-01-13T08:00:00Z'))).toBe(0);
  });

  it('says when the schedule opens next', () => {
    expect(isOpen(berlin, d('2026-01-17T10:00:00Z'))).toBe(false);
    expect(iso(nextOpening(berlin, d('2026-01-17T10:00:00Z')))).toBe('2026-01-19T08:00:00.000Z');
    expect(iso(nextOpening(berlin, d('2026-01-13T16:00:00Z')))).toBe('2026-01-14T08:00:00.000Z');
    // Open now: the answer is now.
    expect(isOpen(berlin, d('2026-01-13T08:00:00Z'))).toBe(true);
    expect(iso(nextOpening(berlin, d('2026-01-13T12:00:00Z')))).toBe('2026-01-13T12:00:00.000Z');
    expect(isOpen(berlin, d('2026-01-13T16:00:00Z'))).toBe(false); // 17:00 closes, [start, end)
  });
});

describe('DST changes', () => {
  it('Europe/Berlin spring forward (2026-03-29): Friday 16:00 CET + 2h is Monday 10:00 CEST', () => {
    expect(iso(dueAt(berlin, d('2026-03-27T15:00:00Z'), 2 * HOUR))).toBe('2026-03-30T08:00:00.000Z');
    expect(businessMsBetween(berlin, d('2026-03-27T15:00:00Z'), d('2026-03-30T08:00:00Z'))).toBe(2 * HOUR);
  });

  it('a business day that covers the change is an hour shorter in spring and longer in autumn', () => {
    const fullDays = schedule({ days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' });
    expect(businessMsBetween(fullDays, d('2026-03-28T23:00:00Z'), d('2026-03-29T22:00:00Z'))).toBe(23 * HOUR);
    expect(businessMsBetween(fullDays, d('2026-10-24T22:00:00Z'), d('2026-10-25T23:00:00Z'))).toBe(25 * HOUR);
    // Saturday 12:00 to Monday 12:00 local across spring forward: 47 real hours.
    expect(businessMsBetween(fullDays, d('2026-03-28T11:00:00Z'), d('2026-03-30T10:00:00Z'))).toBe(47 * HOUR);
  });

  it('America/New_York fall back (2026-11-01): Friday 16:00 EDT + 2h is Monday 10:00 EST', () => {
    const newYork = schedule({ timezone: 'America/New_York' });
    expect(iso(dueAt(newYork, d('2026-10-30T20:00:00Z'), 2 * HOUR))).toBe('2026-11-02T15:00:00.000Z');
  });

  it('New York openings at the changes: 01:30 happens twice (the later counts), 02:30 never happens', () => {
    const night = schedule({ timezone: 'America/New_York', days: [7], start: '00:30', end: '03:00' });
    // Sunday 2026-11-01: 00:30 EDT (04:30Z) to 03:00 EST (08:00Z) is 3.5 real hours; a normal Sunday is 2.5.
    expect(businessMsBetween(night, d('2026-11-01T00:00:00Z'), d('2026-11-02T00:00:00Z'))).toBe(3.5 * HOUR);
    expect(businessMsBetween(night, d('2026-11-08T00:00:00Z'), d('2026-11-09T00:00:00Z'))).toBe(2.5 * HOUR);
    // An opening at 01:30 that day is the second 01:30 (EST, 06:30Z), whatever the date today.
    const twice = schedule({ timezone: 'America/New_York', days: [7], start: '01:30', end: '03:00' });
    expect(iso(nextOpening(twice, d('2026-11-01T00:00:00Z')))).toBe('2026-11-01T06:30:00.000Z');
    expect(businessMsBetween(twice, d('2026-11-01T00:00:00Z'), d('2026-11-02T00:00:00Z'))).toBe(1.5 * HOUR);
    const gap = schedule({ timezone: 'America/New_York', days: [7], start: '02:30', end: '05:00' });
    // Sunday 2026-03-08: 02:30 does not exist and moves to 03:30 EDT (07:30Z); 05:00 EDT is 09:00Z.
    expect(iso(nextOpening(gap, d('2026-03-08T00:00:00Z')))).toBe('2026-03-08T07:30:00.000Z');
    expect(businessMsBetween(gap, d('2026-03-08T00:00:00Z'), d('2026-03-09T00:00:00Z'))).toBe(1.5 * HOUR);
  });

  it('a 24×7 clock counts real time across the change', () => {
    // Berlin 00:00 to 04:00 local on 2026-03-29 is three real hours.
    expect(businessMsBetween(ALWAYS, d('2026-03-28T23:00:00Z'), d('2026-03-29T02:00:00Z'))).toBe(3 * HOUR);
  });
});

describe('24×7 schedules', () => {
  it('count wall time, nights and weekends included', () => {
    expect(businessMsBetween(ALWAYS, d('2026-01-16T15:00:00Z'), d('2026-01-19T09:00:00Z'))).toBe(66 * HOUR);
    expect(iso(dueAt(ALWAYS, d('2026-01-17T03:00:00Z'), 15 * MINUTE))).toBe('2026-01-17T03:15:00.000Z');
    expect(isOpen(ALWAYS, d('2026-01-17T03:00:00Z'))).toBe(true);
    expect(iso(nextOpening(ALWAYS, d('2026-01-17T03:00:00Z')))).toBe('2026-01-17T03:00:00.000Z');
    expect(closesAt(ALWAYS, d('2026-01-17T03:00:00Z'))).toBeNull();
    expect(businessDayMs(ALWAYS)).toBe(24 * HOUR);
  });
});

describe('pauses (waiting on the asker)', () => {
  const tuesday = (time: string) => d(`2026-01-13T${time}:00Z`);

  it('a pause inside business hours does not count', () => {
    const pauses = [{ from: tuesday('09:00'), to: tuesday('11:00') }]; // 10:00–12:00 Berlin
    expect(businessMsBetween(berlin, tuesday('00:00'), tuesday('23:00'), pauses)).toBe(6 * HOUR);
    // From 09:00 Berlin, 4 business hours with two of them paused → 15:00 Berlin.
    expect(iso(dueAt(berlin, tuesday('08:00'), 4 * HOUR, pauses))).toBe('2026-01-13T14:00:00.000Z');
  });

  it('a pause and resume over the night: only the open hours inside the pause are excluded', () => {
    // Paused Tuesday 16:00 Berlin, asker replies Wednesday 10:00 Berlin: Tuesday loses 1h, Wednesday 1h.
    const pauses = [{ from: tuesday('15:00'), to: d('2026-01-14T09:00:00Z') }];
    expect(businessMsBetween(berlin, tuesday('08:00'), d('2026-01-14T16:00:00Z'), pauses)).toBe(14 * HOUR);
    // 8 business hours from Tuesday 09:00: 7 on Tuesday, then the clock resumes at 10:00 Wednesday → 11:00.
    expect(iso(dueAt(berlin, tuesday('08:00'), 8 * HOUR, pauses))).toBe('2026-01-14T10:00:00.000Z');
  });

  it('overlapping, unordered, empty and out-of-hours pauses', () => {
    const pauses = [
      { from: tuesday('12:00'), to: tuesday('13:00') },
      { from: tuesday('11:00'), to: tuesday('12:30') },
      { from: tuesday('14:00'), to: tuesday('14:00') },
      { from: tuesday('18:00'), to: tuesday('22:00') },
    ];
    expect(businessMsBetween(berlin, tuesday('00:00'), tuesday('23:00'), pauses)).toBe(6 * HOUR);
  });

  it('pause the 24×7 clock too', () => {
    const pauses = [{ from: tuesday('02:00'), to: tuesday('05:00') }];
    expect(businessMsBetween(ALWAYS, tuesday('00:00'), tuesday('06:00'), pauses)).toBe(3 * HOUR);
    expect(iso(dueAt(ALWAYS, tuesday('01:00'), 2 * HOUR, pauses))).toBe('2026-01-13T06:00:00.000Z');
  });
});

describe('guards', () => {
  it('a schedule that never opens stops with an error instead of looping', () => {
    expect(() => dueAt(schedule({ days: [] }), d('2026-01-13T08:00:00Z'), HOUR)).toThrow(/stays closed/);
  });

  it('a zero target is due at once', () => {
    expect(iso(dueAt(berlin, d('2026-01-17T10:00:00Z'), 0))).toBe('2026-01-17T10:00:00.000Z');
  });
});
