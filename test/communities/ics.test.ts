import ICAL from 'ical.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALL_FEEDS,
  buildCalendar,
  type CalendarInput,
  type FeedSeries,
  feedToken,
  feedTokenMatches,
  vtimezone,
} from '../../src/communities/ics.js';
import { expandAll, type Holiday, type OccurrenceOverride } from '../../src/communities/recurrence.js';

const at = (iso: string) => new Date(iso);
const HOUR = 3_600_000;

const meetup: FeedSeries = {
  id: 'frontend-meetup',
  community: 'frontend',
  title: 'Frontend guild meetup',
  description: 'Show and tell.',
  recurrence: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;UNTIL=20261231',
  start: '2026-03-05 10:00',
  duration: HOUR,
  timezone: 'Europe/Berlin',
  location: 'Room 4.12, second floor',
  link: 'https://meet.example.com/frontend',
};
const officeHours: FeedSeries = {
  id: 'office-hours',
  community: 'sre',
  title: 'Platform office hours',
  recurrence: 'FREQ=MONTHLY;BYDAY=-1TU;COUNT=10',
  start: '2026-03-31 15:30',
  duration: 45 * 60_000,
  timezone: 'America/New_York',
};
const launch: FeedSeries = {
  id: 'launch-party',
  community: 'frontend',
  title: 'Design system 2.0 launch',
  recurrence: null,
  start: '2026-06-18 17:00',
  duration: 2 * HOUR,
  timezone: 'Europe/Berlin',
};
const holidays: Holiday[] = [
  { date: '2026-04-02', name: 'Team offsite', communities: ['frontend'] },
  { date: '2026-10-29' },
  { date: '2026-12-24', name: 'Christmas Eve' },
];
const overrides: OccurrenceOverride[] = [
  // cancelled: 16 April
  { seriesId: 'frontend-meetup', originalStart: at('2026-04-16T08:00:00Z'), kind: 'cancelled' },
  // moved: 30 April 10:00 → 29 April 14:00 (Berlin)
  {
    seriesId: 'frontend-meetup',
    originalStart: at('2026-04-30T08:00:00Z'),
    kind: 'moved',
    start: at('2026-04-29T12:00:00Z'),
    reason: 'Room taken',
  },
  // moved off a holiday: a move wins, so it is kept
  {
    seriesId: 'frontend-meetup',
    originalStart: at('2026-12-24T09:00:00Z'),
    kind: 'moved',
    start: at('2026-12-22T09:00:00Z'),
  },
  // the office hours in New York skip the last Tuesday of June
  { seriesId: 'office-hours', originalStart: at('2026-06-30T19:30:00Z'), kind: 'cancelled' },
];
const input: CalendarInput = {
  name: 'All communities',
  series: [meetup, officeHours, launch],
  holidays,
  overrides,
  now: at('2026-03-01T12:00:00Z'),
};

interface Parsed {
  root: ICAL.Component;
  events: ICAL.Component[];
}

function parseFeed(text: string): Parsed {
  const root = new ICAL.Component(ICAL.parse(text));
  // Only the feed's own VTIMEZONEs: ical.js knows no zone but UTC, so every TZID time below goes through them.
  for (const zone of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone);
  return { root, events: root.getAllSubcomponents('vevent') };
}

/** Every occurrence ical.js expands for one UID before `until`: original start → actual start (ISO). */
function occurrencesOf(parsed: Parsed, uid: string, until: Date): { original: string; start: string; end: string }[] {
  const all = parsed.events.filter((e) => e.getFirstPropertyValue('uid') === uid);
  const master = all.find((e) => !e.hasProperty('recurrence-id'));
  if (!master) throw new Error(`no master event for ${uid}`);
  const event = new ICAL.Event(master);
  for (const exception of all.filter((e) => e.hasProperty('recurrence-id'))) event.relateException(exception);
  if (!event.isRecurring()) {
    return [
      {
        original: event.startDate.toJSDate().toISOString(),
        start: event.startDate.toJSDate().toISOString(),
        end: event.endDate.toJSDate().toISOString(),
      },
    ];
  }
  const list: { original: string; start: string; end: string }[] = [];
  const iterator = event.iterator();
  for (let next = iterator.next(); next && next.toJSDate() < until; next = iterator.next()) {
    const details = event.getOccurrenceDetails(next);
    list.push({
      original: details.recurrenceId.toJSDate().toISOString(),
      start: details.startDate.toJSDate().toISOString(),
      end: details.endDate.toJSDate().toISOString(),
    });
  }
  return list.sort((a, b) => a.start.localeCompare(b.start));
}

afterEach(() => ICAL.TimezoneService.reset());

describe('the calendar feed, parsed back with ical.js', () => {
  const text = buildCalendar(input);
  const until = at('2027-06-01T00:00:00Z');

  it('has every series once, with its RRULE, TZID times and a VTIMEZONE per zone', () => {
    const parsed = parseFeed(text);
    expect(parsed.root.getFirstPropertyValue('prodid')).toBe('-//groundcrew//communities//EN');
    expect(parsed.root.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'))).toEqual([
      'Europe/Berlin',
      'America/New_York',
    ]);
    const masters = parsed.events.filter((e) => !e.hasProperty('recurrence-id'));
    expect(masters.map((e) => e.getFirstPropertyValue('uid'))).toEqual([
      'frontend-meetup@groundcrew',
      'office-hours@groundcrew',
      'launch-party@groundcrew',
    ]);
    const master = masters[0]!;
    expect(master.getFirstProperty('dtstart')?.getParameter('tzid')).toBe('Europe/Berlin');
    expect(String(master.getFirstPropertyValue('rrule'))).toBe(
      'FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;UNTIL=20261231T225959Z',
    );
    expect(master.getFirstPropertyValue('summary')).toBe('Frontend guild meetup');
    expect(master.getFirstPropertyValue('location')).toBe('Room 4.12, second floor');
    expect(master.getFirstPropertyValue('url')).toBe('https://meet.example.com/frontend');
  });

  it('EXDATE lists the holiday and the cancelled occurrence, in the series zone', () => {
    const master = parseFeed(text).events.find(
      (e) => e.getFirstPropertyValue('uid') === 'frontend-meetup@groundcrew' && !e.hasProperty('recurrence-id'),
    )!;
    const exdates = master
      .getAllProperties('exdate')
      .flatMap((p) => p.getValues() as ICAL.Time[])
      .map((t) => [t.toString(), t.toJSDate().toISOString()]);
    expect(exdates).toEqual([
      ['2026-04-02T10:00:00', '2026-04-02T08:00:00.000Z'], // team offsite (holiday)
      ['2026-04-16T10:00:00', '2026-04-16T08:00:00.000Z'], // cancelled
      ['2026-10-29T10:00:00', '2026-10-29T09:00:00.000Z'], // holiday, after the clocks went back
    ]);
    expect(master.getFirstProperty('exdate')?.getParameter('tzid')).toBe('Europe/Berlin');
  });

  it('a moved occurrence is a RECURRENCE-ID event at its new time', () => {
    const moved = parseFeed(text).events.filter((e) => e.hasProperty('recurrence-id'));
    expect(
      moved.map((e) => [
        (e.getFirstPropertyValue('recurrence-id') as ICAL.Time).toJSDate().toISOString(),
        (e.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString(),
        (e.getFirstPropertyValue('dtend') as ICAL.Time).toJSDate().toISOString(),
      ]),
    ).toEqual([
      ['2026-04-30T08:00:00.000Z', '2026-04-29T12:00:00.000Z', '2026-04-29T13:00:00.000Z'],
      ['2026-12-24T09:00:00.000Z', '2026-12-22T09:00:00.000Z', '2026-12-22T10:00:00.000Z'],
    ]);
    expect(moved[0]?.getFirstPropertyValue('description')).toBe(
      'Room taken\n\nShow and tell.\n\nhttps://meet.example.com/frontend',
    );
  });

  it('ical.js expands exactly the occurrences groundcrew expands, across both DST changes', () => {
    const parsed = parseFeed(text);
    const ours = expandAll(input.series, { from: at('2026-01-01T00:00:00Z'), to: until }, { holidays, overrides })
      .occurrences.filter((o) => o.status !== 'cancelled')
      .map((o) => ({
        uid: `${o.seriesId}@groundcrew`,
        original: o.originalStart.toISOString(),
        start: o.start.toISOString(),
        end: o.end.toISOString(),
      }));
    for (const series of input.series) {
      const uid = `${series.id}@groundcrew`;
      const theirs = occurrencesOf(parsed, uid, until);
      expect(theirs, uid).toEqual(ours.filter((o) => o.uid === uid).map(({ uid: _, ...rest }) => rest));
    }
    // Spot checks: 10:00 CET in March, 10:00 CEST in May, 10:00 CET in November; 15:30 EDT / EST in New York.
    const starts = ours.map((o) => o.start);
    expect(starts).toEqual(
      expect.arrayContaining([
        '2026-03-05T09:00:00.000Z',
        '2026-05-14T08:00:00.000Z',
        '2026-11-12T09:00:00.000Z',
        '2026-03-31T19:30:00.000Z',
        '2026-11-24T20:30:00.000Z',
      ]),
    );
    expect(starts).not.toContain('2026-04-02T08:00:00.000Z');
    expect(starts).not.toContain('2026-06-30T19:30:00.000Z');
    expect(ours.length).toBeGreaterThan(20);
  });

  it('a cancelled one-off stays in the feed marked CANCELLED; a moved one-off has its new start', () => {
    const cancelled = parseFeed(
      buildCalendar({
        ...input,
        series: [launch],
        overrides: [{ seriesId: 'launch-party', originalStart: at('2026-06-18T15:00:00Z'), kind: 'cancelled' }],
      }),
    ).events;
    expect(cancelled.map((e) => e.getFirstPropertyValue('status'))).toEqual(['CANCELLED']);
    const moved = parseFeed(
      buildCalendar({
        ...input,
        series: [launch],
        overrides: [
          {
            seriesId: 'launch-party',
            originalStart: at('2026-06-18T15:00:00Z'),
            kind: 'moved',
            start: at('2026-06-25T15:00:00Z'),
          },
        ],
      }),
    ).events;
    expect(moved).toHaveLength(1);
    expect((moved[0]!.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString()).toBe(
      '2026-06-25T15:00:00.000Z',
    );
  });
});

describe('VTIMEZONE', () => {
  it('lists each offset change with the local time before it', () => {
    const text = vtimezone('Europe/Berlin', 2026, 2026);
    expect(text.split('\r\n')).toEqual([
      'BEGIN:VTIMEZONE',
      'TZID:Europe/Berlin',
      'BEGIN:STANDARD',
      'DTSTART:20260101T010000',
      'TZOFFSETFROM:+0100',
      'TZOFFSETTO:+0100',
      'END:STANDARD',
      'BEGIN:DAYLIGHT',
      'DTSTART:20260329T020000',
      'TZOFFSETFROM:+0100',
      'TZOFFSETTO:+0200',
      'END:DAYLIGHT',
      'BEGIN:STANDARD',
      'DTSTART:20261025T030000',
      'TZOFFSETFROM:+0200',
      'TZOFFSETTO:+0100',
      'END:STANDARD',
      'END:VTIMEZONE',
    ]);
  });

  it('a zone without DST has one observance; half-hour offsets are written as such', () => {
    expect(vtimezone('Asia/Kolkata', 2026, 2027)).toContain('TZOFFSETTO:+0530');
    expect(vtimezone('Asia/Kolkata', 2026, 2027).match(/BEGIN:STANDARD/g)).toHaveLength(1);
  });
});

describe('feed tokens', () => {
  const secret = 'a-server-secret-of-some-length';

  it('are 43 base64url characters, the same for the same scope, different per scope and secret', () => {
    const token = feedToken(secret, 'frontend');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(feedToken(secret, 'frontend')).toBe(token);
    expect(feedToken(secret, 'sre')).not.toBe(token);
    expect(feedToken(secret, ALL_FEEDS)).not.toBe(token);
    expect(feedToken('another-server-secret-here', 'frontend')).not.toBe(token);
  });

  it('match only the right token for the right scope', () => {
    const token = feedToken(secret, 'frontend');
    expect(feedTokenMatches(secret, 'frontend', token)).toBe(true);
    expect(feedTokenMatches(secret, 'sre', token)).toBe(false);
    expect(feedTokenMatches(secret, 'frontend', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(feedTokenMatches(secret, 'frontend', token.slice(0, 10))).toBe(false);
    expect(feedTokenMatches(secret, 'frontend', '')).toBe(false);
  });

  it('refuse a short secret', () => {
    expect(() => feedToken('short', 'frontend')).toThrow(/at least 16/);
  });
});
