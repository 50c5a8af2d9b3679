import { describe, expect, it } from 'vitest';
import { eventSeries } from '../../src/communities/occurrences.js';
import {
  dueActions,
  dueBetween,
  expandAll,
  expandSeries,
  type Holiday,
  isOriginalStart,
  type OccurrenceOverride,
  occurrenceKey,
  originalStarts,
  parseOccurrenceKey,
  type SeriesSchedule,
  type SeriesTiming,
  whenForPerson,
} from '../../src/communities/recurrence.js';
import { instantOf, shiftDays } from '../../src/communities/time.js';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);
const window = (from: string, to: string) => ({ from: at(from), to: at(to) });
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

/** Thursdays 10:00 Berlin, every week. */
const berlin: SeriesTiming = {
  id: 'frontend-meetup',
  community: 'frontend',
  recurrence: 'FREQ=WEEKLY;BYDAY=TH',
  start: '2026-03-05 10:00',
  duration: HOUR,
  timezone: 'Europe/Berlin',
};

describe('expansion in the series zone', () => {
  it('keeps 10:00 Berlin across the spring change (CET → CEST on 2026-03-29)', () => {
    const starts = originalStarts(berlin, window('2026-03-19T00:00:00Z', '2026-04-10T00:00:00Z'));
    expect(iso(starts)).toEqual([
      '2026-03-19T09:00:00.000Z', // 10:00 CET
      '2026-03-26T09:00:00.000Z',
      '2026-04-02T08:00:00.000Z', // 10:00 CEST
      '2026-04-09T08:00:00.000Z',
    ]);
  });

  it('keeps 10:00 Berlin across the autumn change (CEST → CET on 2026-10-25)', () => {
    const starts = originalStarts(berlin, window('2026-10-15T00:00:00Z', '2026-11-06T00:00:00Z'));
    expect(iso(starts)).toEqual([
      '2026-10-15T08:00:00.000Z',
      '2026-10-22T08:00:00.000Z',
      '2026-10-29T09:00:00.000Z',
      '2026-11-05T09:00:00.000Z',
    ]);
  });

  it('follows the US dates in New York (2026-03-08 and 2026-11-01), every two weeks', () => {
    const ny: SeriesTiming = {
      ...berlin,
      id: 'office-hours',
      recurrence: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU',
      start: '2026-02-24 15:30',
      timezone: 'America/New_York',
    };
    expect(iso(originalStarts(ny, window('2026-02-24T00:00:00Z', '2026-03-25T00:00:00Z')))).toEqual([
      '2026-02-24T20:30:00.000Z', // 15:30 EST
      '2026-03-10T19:30:00.000Z', // 15:30 EDT
      '2026-03-24T19:30:00.000Z',
    ]);
    expect(iso(originalStarts(ny, window('2026-10-20T00:00:00Z', '2026-11-18T00:00:00Z')))).toEqual([
      '2026-10-20T19:30:00.000Z', // 15:30 EDT
      '2026-11-03T20:30:00.000Z', // 15:30 EST
      '2026-11-17T20:30:00.000Z',
    ]);
  });

  it('reads a time the clocks skip with the offset before the jump, and a repeated time as the first one', () => {
    const nightly: SeriesTiming = { ...berlin, recurrence: 'FREQ=DAILY', start: '2026-03-27 02:30' };
    expect(iso(originalStarts(nightly, window('2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z')))).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:30:00.000Z', // 02:30 does not exist: 03:30 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    expect(instantOf(new Date(Date.UTC(2026, 9, 25, 2, 30)), 'Europe/Berlin').toISOString()).toBe(
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, the first of the two
    );
  });

  it('honours COUNT and UNTIL (a date-only UNTIL keeps that whole day, a UTC one is an instant)', () => {
    const counted = { ...berlin, recurrence: 'FREQ=WEEKLY;BYDAY=TH;COUNT=2' };
    expect(iso(originalStarts(counted, window('2026-03-01T00:00:00Z', '2026-05-01T00:00:00Z')))).toEqual([
      '2026-03-05T09:00:00.000Z',
      '2026-03-12T09:00:00.000Z',
    ]);
    const untilDay = { ...berlin, recurrence: 'FREQ=WEEKLY;BYDAY=TH;UNTIL=20260312' };
    expect(originalStarts(untilDay, window('2026-03-01T00:00:00Z', '2026-05-01T00:00:00Z'))).toHaveLength(2);
    const untilUtc = { ...berlin, recurrence: 'FREQ=WEEKLY;BYDAY=TH;UNTIL=20260312T085959Z' };
    expect(originalStarts(untilUtc, window('2026-03-01T00:00:00Z', '2026-05-01T00:00:00Z'))).toHaveLength(1);
  });

  it('a one-off event is its start, once', () => {
    const once = { ...berlin, recurrence: null, start: '2026-06-18 17:00' };
    expect(iso(originalStarts(once, window('2026-06-01T00:00:00Z', '2026-07-01T00:00:00Z')))).toEqual([
      '2026-06-18T15:00:00.000Z',
    ]);
    expect(originalStarts(once, window('2026-06-19T00:00:00Z', '2026-07-01T00:00:00Z'))).toEqual([]);
  });

  it('the window is [from, to) on the start instant', () => {
    const starts = originalStarts(berlin, window('2026-03-05T09:00:00Z', '2026-03-19T09:00:00Z'));
    expect(iso(starts)).toEqual(['2026-03-05T09:00:00.000Z', '2026-03-12T09:00:00.000Z']);
  });
});

describe('occurrence keys', () => {
  it('are the series id and the original start in UTC, the same from any window', () => {
    const a = expandSeries(berlin, window('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')).occurrences;
    const b = expandSeries(berlin, window('2026-03-10T00:00:00Z', '2026-03-20T00:00:00Z')).occurrences;
    expect(a.map((o) => o.key)).toContain('frontend-meetup@2026-03-12T09:00:00Z');
    expect(b.map((o) => o.key)).toEqual([
      'frontend-meetup@2026-03-12T09:00:00Z',
      'frontend-meetup@2026-03-19T09:00:00Z',
    ]);
    expect(parseOccurrenceKey('frontend-meetup@2026-03-12T09:00:00Z')).toEqual({
      seriesId: 'frontend-meetup',
      originalStart: at('2026-03-12T09:00:00Z'),
    });
    expect(parseOccurrenceKey('frontend-meetup@yesterday')).toBeNull();
    expect(parseOccurrenceKey('@2026-03-12T09:00:00Z')).toBeNull();
  });
});

describe('holidays', () => {
  const holidays: Holiday[] = [
    { date: '2026-12-24', name: 'Christmas Eve' },
    { date: '2026-12-31' },
    { date: '2026-12-17', name: 'SRE offsite', communities: ['sre'] },
  ];

  it('skips occurrences on a holiday and reports each with its date', () => {
    const result = expandSeries(berlin, window('2026-12-10T00:00:00Z', '2027-01-08T00:00:00Z'), { holidays });
    expect(iso(result.occurrences.map((o) => o.start))).toEqual([
      '2026-12-10T09:00:00.000Z',
      '2026-12-17T09:00:00.000Z', // the SRE offsite is not the frontend guild's
      '2027-01-07T09:00:00.000Z',
    ]);
    expect(result.skipped).toEqual([
      {
        key: 'frontend-meetup@2026-12-24T09:00:00Z',
        seriesId: 'frontend-meetup',
        originalStart: at('2026-12-24T09:00:00Z'),
        date: '2026-12-24',
        holiday: 'Christmas Eve',
      },
      {
        key: 'frontend-meetup@2026-12-31T09:00:00Z',
        seriesId: 'frontend-meetup',
        originalStart: at('2026-12-31T09:00:00Z'),
        date: '2026-12-31',
        holiday: null,
      },
    ]);
  });

  it('matches the date in the series zone, not in UTC', () => {
    const evening: SeriesTiming = {
      ...berlin,
      recurrence: 'FREQ=WEEKLY;BYDAY=TH',
      start: '2026-12-03 20:00',
      timezone: 'America/New_York',
    };
    // 20:00 New York on the 24th is 01:00 UTC on the 25th: still the 24th where the series meets.
    const result = expandSeries(evening, window('2026-12-20T00:00:00Z', '2026-12-30T00:00:00Z'), {
      holidays: [{ date: '2026-12-24' }, { date: '2026-12-25' }],
    });
    expect(result.occurrences).toEqual([]);
    expect(result.skipped.map((s) => [s.date, s.originalStart.toISOString()])).toEqual([
      ['2026-12-24', '2026-12-25T01:00:00.000Z'],
    ]);
  });
});

describe('overrides', () => {
  const march = window('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z');

  it('a cancelled occurrence stays listed as cancelled at its original time', () => {
    const overrides: OccurrenceOverride[] = [
      { seriesId: 'frontend-meetup', originalStart: at('2026-03-12T09:00:00Z'), kind: 'cancelled', reason: 'lead ill' },
    ];
    const cancelled = expandSeries(berlin, march, { overrides }).occurrences.find((o) => o.status === 'cancelled');
    expect(cancelled).toMatchObject({ key: 'frontend-meetup@2026-03-12T09:00:00Z', reason: 'lead ill' });
  });

  it('a moved occurrence keeps its key and takes its new start and the same length', () => {
    const overrides: OccurrenceOverride[] = [
      {
        seriesId: 'frontend-meetup',
        originalStart: at('2026-03-12T09:00:00Z'),
        kind: 'moved',
        start: at('2026-03-13T13:00:00Z'),
      },
    ];
    const list = expandSeries(berlin, march, { overrides }).occurrences;
    expect(list.map((o) => [o.key, o.start.toISOString(), o.status])).toEqual([
      ['frontend-meetup@2026-03-05T09:00:00Z', '2026-03-05T09:00:00.000Z', 'scheduled'],
      ['frontend-meetup@2026-03-12T09:00:00Z', '2026-03-13T13:00:00.000Z', 'moved'],
      ['frontend-meetup@2026-03-19T09:00:00Z', '2026-03-19T09:00:00.000Z', 'scheduled'],
      ['frontend-meetup@2026-03-26T09:00:00Z', '2026-03-26T09:00:00.000Z', 'scheduled'],
    ]);
    expect(list[1]?.end.toISOString()).toBe('2026-03-13T14:00:00.000Z');
  });

  it('an occurrence moved into the window is listed, one moved out is not', () => {
    const overrides: OccurrenceOverride[] = [
      {
        seriesId: 'frontend-meetup',
        originalStart: at('2026-04-02T08:00:00Z'),
        kind: 'moved',
        start: at('2026-03-31T08:00:00Z'),
      },
      {
        seriesId: 'frontend-meetup',
        originalStart: at('2026-03-26T09:00:00Z'),
        kind: 'moved',
        start: at('2026-04-03T09:00:00Z'),
      },
    ];
    const keys = expandSeries(berlin, march, { overrides }).occurrences.map((o) => o.key);
    expect(keys).toEqual([
      'frontend-meetup@2026-03-05T09:00:00Z',
      'frontend-meetup@2026-03-12T09:00:00Z',
      'frontend-meetup@2026-03-19T09:00:00Z',
      'frontend-meetup@2026-04-02T08:00:00Z',
    ]);
  });

  it('a move wins over a holiday; overrides naming no occurrence of the rule, or another series, are ignored', () => {
    const overrides: OccurrenceOverride[] = [
      {
        seriesId: 'frontend-meetup',
        originalStart: at('2026-12-24T09:00:00Z'),
        kind: 'moved',
        start: at('2026-12-22T09:00:00Z'),
      },
      { seriesId: 'frontend-meetup', originalStart: at('2026-12-16T09:00:00Z'), kind: 'cancelled' }, // a Wednesday
      { seriesId: 'sre-review', originalStart: at('2026-12-17T09:00:00Z'), kind: 'cancelled' },
    ];
    const result = expandSeries(berlin, window('2026-12-14T00:00:00Z', '2026-12-28T00:00:00Z'), {
      overrides,
      holidays: [{ date: '2026-12-24' }],
    });
    expect(result.occurrences.map((o) => [o.start.toISOString(), o.status])).toEqual([
      ['2026-12-17T09:00:00.000Z', 'scheduled'],
      ['2026-12-22T09:00:00.000Z', 'moved'],
    ]);
    expect(result.skipped).toEqual([]);
    expect(isOriginalStart(berlin, at('2026-12-16T09:00:00Z'))).toBe(false);
    expect(isOriginalStart(berlin, at('2026-12-17T09:00:00Z'))).toBe(true);
  });

  it('expandAll merges several series by start', () => {
    const evening = {
      ...berlin,
      id: 'sre-review',
      community: 'sre',
      recurrence: 'FREQ=WEEKLY;BYDAY=WE',
      start: '2026-03-04 18:00',
    };
    const keys = expandAll([berlin, evening], window('2026-03-04T00:00:00Z', '2026-03-13T00:00:00Z')).occurrences.map(
      (o) => o.key,
    );
    expect(keys).toEqual([
      'sre-review@2026-03-04T17:00:00Z',
      'frontend-meetup@2026-03-05T09:00:00Z',
      'sre-review@2026-03-11T17:00:00Z',
      'frontend-meetup@2026-03-12T09:00:00Z',
    ]);
  });
});

describe('what is due before an occurrence', () => {
  /** Sundays 10:00 Berlin; 2026-03-29 is the day the clocks go forward. */
  const sunday: SeriesSchedule = {
    ...berlin,
    recurrence: 'FREQ=WEEKLY;BYDAY=SU',
    start: '2026-03-01 10:00',
    minAttendees: 3,
    agenda: { daysBefore: 7, ifEmpty: 'cancel' },
  };

  it('reminders a calendar day and 15 minutes before, the agenda N days before, the decision at T-1 day', () => {
    const [occurrence] = expandSeries(sunday, window('2026-03-29T00:00:00Z', '2026-03-30T00:00:00Z')).occurrences;
    expect(occurrence?.start.toISOString()).toBe('2026-03-29T08:00:00.000Z'); // 10:00 CEST
    expect(dueActions(occurrence!, sunday).map((a) => [a.kind, a.at.toISOString()])).toEqual([
      ['agenda-request', '2026-03-22T09:00:00.000Z'], // 10:00 CET a week before: 167 h
      ['decision', '2026-03-28T09:00:00.000Z'], // 10:00 CET the day before: 23 h
      ['reminder-day', '2026-03-28T09:00:00.000Z'],
      ['reminder-soon', '2026-03-29T07:45:00.000Z'],
    ]);
  });

  it('only the reminders when the series asks for no decision and no agenda', () => {
    const plain = { ...berlin } satisfies SeriesSchedule;
    const [occurrence] = expandSeries(plain, window('2026-10-29T00:00:00Z', '2026-10-30T00:00:00Z')).occurrences;
    expect(dueActions(occurrence!, plain).map((a) => [a.kind, a.at.toISOString()])).toEqual([
      ['reminder-day', '2026-10-28T09:00:00.000Z'],
      ['reminder-soon', '2026-10-29T08:45:00.000Z'],
    ]);
    // 2026-10-25 10:00 CET, the day after the clocks went back: the day before is 25 h earlier.
    expect(shiftDays(at('2026-10-25T09:00:00Z'), -1, 'Europe/Berlin').toISOString()).toBe('2026-10-24T08:00:00.000Z');
  });

  it('a moved occurrence is reminded from its new start; a cancelled one has nothing due', () => {
    const overrides: OccurrenceOverride[] = [
      {
        seriesId: sunday.id,
        originalStart: at('2026-03-08T09:00:00Z'),
        kind: 'moved',
        start: at('2026-03-09T16:00:00Z'),
      },
      { seriesId: sunday.id, originalStart: at('2026-03-15T09:00:00Z'), kind: 'cancelled' },
    ];
    const list = expandSeries(sunday, window('2026-03-08T00:00:00Z', '2026-03-16T00:00:00Z'), {
      overrides,
    }).occurrences;
    expect(
      dueActions(list[0]!, sunday)
        .find((a) => a.kind === 'reminder-soon')
        ?.at.toISOString(),
    ).toBe('2026-03-09T15:45:00.000Z');
    expect(dueActions(list[1]!, sunday)).toEqual([]);
  });

  it('dueBetween lists what falls in the window, the decision before the reminder at the same instant', () => {
    const occurrences = expandSeries(sunday, window('2026-03-01T00:00:00Z', '2026-03-30T00:00:00Z')).occurrences;
    const due = dueBetween(
      occurrences,
      new Map([[sunday.id, sunday]]),
      window('2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z'),
    );
    expect(due.map((a) => `${a.at.toISOString()} ${a.kind} ${a.key}`)).toEqual([
      '2026-03-28T09:00:00.000Z decision frontend-meetup@2026-03-29T08:00:00Z',
      '2026-03-28T09:00:00.000Z reminder-day frontend-meetup@2026-03-29T08:00:00Z',
      '2026-03-29T07:45:00.000Z reminder-soon frontend-meetup@2026-03-29T08:00:00Z',
    ]);
  });
});

describe('times in a person’s own zone', () => {
  const occurrence = { start: at('2026-03-05T09:00:00Z'), end: at('2026-03-05T10:00:00Z') };

  it('shows the person’s wall clock and the series’ one when they differ', () => {
    expect(whenForPerson(occurrence, 'Europe/Berlin', 'America/Los_Angeles')).toBe(
      'Thu 5 Mar 2026, 01:00–02:00 Los Angeles time (10:00 Berlin time)',
    );
    expect(whenForPerson(occurrence, 'Europe/Berlin', 'Asia/Kolkata')).toBe(
      'Thu 5 Mar 2026, 14:30–15:30 Kolkata time (10:00 Berlin time)',
    );
  });

  it('names the end day when the event ends on another day there', () => {
    expect(whenForPerson(occurrence, 'Europe/Berlin', 'Pacific/Kiritimati')).toBe(
      'Thu 5 Mar 2026, 23:00–Fri 6 Mar, 00:00 Kiritimati time (10:00 Berlin time)',
    );
  });

  it('follows each side’s DST: New York moves on 8 March, Berlin on 29 March', () => {
    const before = { start: at('2026-03-05T09:00:00Z'), end: at('2026-03-05T10:00:00Z') };
    const between = { start: at('2026-03-12T09:00:00Z'), end: at('2026-03-12T10:00:00Z') };
    const after = { start: at('2026-04-02T08:00:00Z'), end: at('2026-04-02T09:00:00Z') };
    expect(whenForPerson(before, 'Europe/Berlin', 'America/New_York')).toMatch(/^Thu 5 Mar 2026, 04:00–05:00 New York/);
    expect(whenForPerson(between, 'Europe/Berlin', 'America/New_York')).toMatch(
      /^Thu 12 Mar 2026, 05:00–06:00 New York/,
    );
    expect(whenForPerson(after, 'Europe/Berlin', 'America/New_York')).toMatch(/^Thu 2 Apr 2026, 04:00–05:00 New York/);
  });

  it('falls back to the series zone when Slack gave no zone or an unknown one; no suffix then', () => {
    expect(whenForPerson(occurrence, 'Europe/Berlin', undefined)).toBe('Thu 5 Mar 2026, 10:00–11:00 Berlin time');
    expect(whenForPerson(occurrence, 'Europe/Berlin', 'Mars/Olympus')).toBe('Thu 5 Mar 2026, 10:00–11:00 Berlin time');
    expect(whenForPerson(occurrence, 'UTC', 'Etc/UTC')).toBe('Thu 5 Mar 2026, 09:00–10:00 UTC');
  });
});

describe('keys are built from the original start', () => {
  it('occurrenceKey drops milliseconds', () => {
    expect(occurrenceKey('x', at('2026-03-05T09:00:00.000Z'))).toBe('x@2026-03-05T09:00:00Z');
  });
});

describe('one-off events leads add', () => {
  it('are a series without a rule named event.<id>, expanded once at their wall-clock start', () => {
    const series = eventSeries({
      id: 7,
      community: 'frontend',
      title: 'Workshop',
      description: null,
      start: '2026-03-29 10:00',
      timezone: 'Europe/Berlin',
      duration: 90 * 60_000,
      location: null,
      link: 'https://meet.example.com/w',
      capacity: 12,
      minAttendees: 3,
      agendaDaysBefore: 2,
      createdBy: 'U0LEAD001',
      createdAt: new Date('2026-03-01T00:00:00Z'),
    });
    expect(series).toMatchObject({
      id: 'event.7',
      recurrence: null,
      kind: 'meetup',
      capacity: 12,
      minAttendees: 3,
      agenda: { daysBefore: 2 },
    });
    expect(series).not.toHaveProperty('description');
    // The day the clocks go forward in Berlin: 10:00 CEST is 08:00 UTC.
    const [only, ...more] = expandSeries(series, {
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-04-30T00:00:00Z'),
    }).occurrences;
    expect(more).toEqual([]);
    expect(only).toMatchObject({
      key: 'event.7@2026-03-29T08:00:00Z',
      start: new Date('2026-03-29T08:00:00Z'),
      end: new Date('2026-03-29T09:30:00Z'),
    });
  });
});
