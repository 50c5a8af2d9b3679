import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type CommunitiesConfig, zCommunitiesConfig } from '../../src/communities/config.js';
import { formatIssues } from '../../src/config.js';

const EXAMPLE = `
timezone: Europe/Berlin
communities:
  - id: frontend
    name: Frontend guild
    description: Components, accessibility and the design system.
    channel: C0FRONT001
    leads: [U0LEAD001, S0FRONTEND]
  - id: sre
    name: SRE practice
    description: Incidents, SLOs and on-call.
    channel: C0SRE0001
    leads: [U0LEAD002]
series:
  - id: frontend-meetup
    community: frontend
    title: Frontend guild meetup
    recurrence: FREQ=WEEKLY;INTERVAL=2;BYDAY=TH
    start: "2026-03-05 10:00"
    duration: 1h
    link: https://meet.example.com/frontend
    capacity: 20
    minAttendees: 3
    agenda: { daysBefore: 3, ifEmpty: cancel }
  - id: platform-office-hours
    community: sre
    title: Platform office hours
    kind: office-hours
    recurrence: RRULE:FREQ=WEEKLY;BYDAY=TU
    start: 2026-03-03 15:30
    duration: 45m
    timezone: America/New_York
    location: Room 4.12
digest:
  schedule: "0 9 * * 1"
  channel: C0GENERAL1
holidays:
  - 2026-12-24
  - { date: 2026-12-31, name: New Year's Eve, communities: [frontend] }
welcome: true
`;

function parseSection(value: unknown): { ok: true; data: CommunitiesConfig } | { ok: false; problems: string[] } {
  const result = zCommunitiesConfig.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, problems: formatIssues(result.error.issues, ['communities'], zCommunitiesConfig) };
}

function example(): Record<string, unknown> & { series: Record<string, unknown>[] } {
  return parse(EXAMPLE);
}

function problemsWith(change: (section: ReturnType<typeof example>) => void): string[] {
  const section = example();
  change(section);
  const result = parseSection(section);
  if (result.ok) throw new Error('expected the section to be refused');
  return result.problems;
}

describe('communities config', () => {
  it('parses a full section with defaults filled in', () => {
    const result = parseSection(example());
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const { communities, series, digest, holidays, welcome } = result.data;
    expect(communities[0]?.leads).toEqual({ users: ['U0LEAD001'], usergroups: ['S0FRONTEND'] });
    expect(series[0]).toMatchObject({
      id: 'frontend-meetup',
      kind: 'meetup',
      timezone: 'Europe/Berlin', // from communities.timezone
      duration: 3_600_000,
      recurrence: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TH',
      agenda: { daysBefore: 3, ifEmpty: 'cancel' },
    });
    expect(series[1]).toMatchObject({ kind: 'office-hours', timezone: 'America/New_York', duration: 2_700_000 });
    expect(digest).toEqual({ schedule: '0 9 * * 1', channel: 'C0GENERAL1' });
    expect(holidays).toEqual([
      { date: '2026-12-24' },
      { date: '2026-12-31', name: "New Year's Eve", communities: ['frontend'] },
    ]);
    expect(welcome).toEqual({});
  });

  it('a series without recurrence is a one-off (recurrence null)', () => {
    const result = parseSection({ ...example(), series: [{ ...example().series[0], recurrence: undefined }] });
    expect(result.ok && result.data.series[0]?.recurrence).toBeNull();
  });

  it('names the key of a bad RRULE and says what is wrong', () => {
    const problems = problemsWith((s) => {
      s.series[1]!.recurrence = 'FREQ=WEEKLY;BYDAY=XX';
    });
    expect(problems).toEqual([
      'communities.series[1].recurrence: expected BYDAY=MO,TH (or 2TU, -1FR with MONTHLY or YEARLY), got BYDAY=XX',
    ]);
  });

  it.each([
    ['FREQ=FOO', 'expected FREQ=DAILY|WEEKLY|MONTHLY|YEARLY, got FREQ=FOO'],
    ['BYDAY=TH', 'FREQ is missing; start the rule with FREQ=WEEKLY (or DAILY, …)'],
    ['FREQ=HOURLY', 'FREQ=HOURLY is not supported'],
    ['FREQ=WEEKLY;BYHOUR=10', "BYHOUR is not supported: the time of day comes from the series' start"],
    ['FREQ=WEEKLY;INTERVAL=0', 'expected INTERVAL=1…999, got INTERVAL=0'],
    ['FREQ=WEEKLY;COUNT=3;UNTIL=20261231', 'use COUNT or UNTIL, not both'],
    ['FREQ=WEEKLY;BYDAY=2TH', 'BYDAY=2TH: a numbered weekday (2TH) needs FREQ=MONTHLY or FREQ=YEARLY'],
    ['FREQ=WEEKLY;FOO=1', 'unknown RRULE part "FOO"'],
    ['FREQ=WEEKLY;FREQ=DAILY', 'FREQ is given twice'],
    ['FREQ=MONTHLY;UNTIL=20260230', 'expected UNTIL=20261231 or UNTIL=20261231T235959Z, got UNTIL=20260230'],
  ])('refuses %s', (rule, message) => {
    const problems = problemsWith((s) => {
      s.series[0]!.recurrence = rule;
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`communities.series[0].recurrence: ${message}`);
  });

  it('accepts numbered weekdays, set positions and lower-case rules', () => {
    const result = parseSection({
      ...example(),
      series: [
        { ...example().series[0], recurrence: 'FREQ=MONTHLY;BYDAY=1TH', start: '2026-03-05 10:00' },
        {
          ...example().series[1],
          recurrence: 'freq=monthly;byday=mo,tu,we,th,fr;bysetpos=-1',
          start: '2026-03-31 15:30',
        },
      ],
    });
    expect(result.ok).toBe(true);
  });

  it('refuses a start that is not an occurrence of the rule and names the next one', () => {
    const problems = problemsWith((s) => {
      s.series[0]!.start = '2026-03-04 10:00'; // a Wednesday; the rule says Thursdays
    });
    expect(problems).toEqual([
      'communities.series[0].start: 2026-03-04 10:00 is not an occurrence of the rule FREQ=WEEKLY;INTERVAL=2;BYDAY=TH; start on the first one (the next is 2026-03-05 10:00)',
    ]);
  });

  it('refuses a rule that never occurs', () => {
    const problems = problemsWith((s) => {
      s.series[0]!.recurrence = 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30';
    });
    expect(problems).toEqual([
      'communities.series[0].recurrence: the rule gives no occurrence within 5 years of 2026-03-05 10:00',
    ]);
  });

  it('refuses a start the clocks jump over, and a start that is not a date-time', () => {
    expect(
      problemsWith((s) => {
        s.series[0]!.recurrence = 'FREQ=WEEKLY;BYDAY=SU';
        s.series[0]!.start = '2026-03-29 02:30';
      }),
    ).toEqual([
      'communities.series[0].start: 2026-03-29 02:30 does not exist in Europe/Berlin (the clocks jump forward over it); pick another time',
    ]);
    expect(
      problemsWith((s) => {
        s.series[0]!.start = 'next thursday';
      }),
    ).toEqual([
      'communities.series[0].start: expected a local date and time like "2026-03-05 10:00", got "next thursday"',
    ]);
  });

  it('checks references to communities', () => {
    const problems = problemsWith((s) => {
      s.series[1]!.community = 'backend';
      (s.holidays as unknown[])[1] = { date: '2026-12-31', communities: ['frontend', 'data'] };
    });
    expect(problems).toEqual([
      'communities.series[1].community: unknown community "backend" (known: frontend, sre)',
      'communities.holidays[1].communities[1]: unknown community "data" (known: frontend, sre)',
    ]);
  });

  it('refuses duplicate and reserved ids', () => {
    const problems = problemsWith((s) => {
      const communities = s.communities as Record<string, unknown>[];
      communities[1]!.id = 'frontend';
      communities.push({ ...communities[0], id: 'all' });
      s.series[1]!.id = 'frontend-meetup';
    });
    expect(problems).toEqual([
      'communities.communities[1].id: community id "frontend" is used twice',
      'communities.communities[2].id: "all" is reserved for the feed of every community',
      'communities.series[1].id: series id "frontend-meetup" is used twice',
      'communities.series[1].community: unknown community "sre" (known: frontend, all)',
    ]);
  });

  it('asks for a time zone when neither the series nor the section names one', () => {
    const problems = problemsWith((s) => {
      delete s.timezone;
    });
    expect(problems).toEqual([
      'communities.series[0].timezone: name the time zone of this series (or set communities.timezone)',
    ]);
  });

  it('names each field mistake in a series', () => {
    const problems = problemsWith((s) => {
      Object.assign(s.series[0]!, {
        kind: 'party',
        capacity: 2,
        minAttendees: 3,
        duration: '2d',
        link: 'ftp://files.example.com',
        agenda: { daysBefore: 1, ifEmpty: 'cancel' },
        colour: 'blue',
      });
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'communities.series[0]: unknown key(s) "colour"',
        'communities.series[0].kind: expected one of meetup, office-hours',
        'communities.series[0].link: expected a link like https://meet.example.com/frontend',
        'communities.series[0].agenda.daysBefore: with ifEmpty the agenda must open at least 2 days before (the check is at T-1 day), got 1',
      ]),
    );
    const fixed = problemsWith((s) => {
      Object.assign(s.series[0]!, { capacity: 2, minAttendees: 3, duration: '25h' });
    });
    expect(fixed).toEqual([
      'communities.series[0].duration: an event lasts at most 24h',
      'communities.series[0].minAttendees: minAttendees (3) is above capacity (2)',
    ]);
  });

  it('names mistakes in communities, digest, holidays and welcome', () => {
    const problems = problemsWith((s) => {
      const communities = s.communities as Record<string, unknown>[];
      communities[0]!.leads = [];
      communities[1]!.channel = '#sre';
      s.digest = { schedule: 'every monday' };
      s.holidays = ['2026-02-30', 5];
      s.welcome = { channel: 'general' };
    });
    expect(problems).toEqual([
      'communities.communities[0].leads: name at least one lead (user ID or usergroup ID)',
      'communities.communities[1].channel: expected a channel ID like C0123ABCD, got "#sre"',
      'communities.digest.schedule: expected a cron expression like "0 9 * * 1" (Mondays at 09:00): expected 5 or 6 fields but got 2',
      'communities.holidays[0].date: expected a date like 2026-12-24',
      'communities.holidays[1]: expected a date like 2026-12-24 or { date, name, communities }',
      'communities.welcome.channel: expected a channel ID like C0123ABCD, got "general"',
    ]);
  });

  it('welcome: false or absent turns it off; an object keeps its channel', () => {
    const off = parseSection({ ...example(), welcome: false });
    expect(off.ok && off.data.welcome).toBeUndefined();
    const channel = parseSection({ ...example(), welcome: { channel: 'C0NEWBIES1', message: 'Hello!' } });
    expect(channel.ok && channel.data.welcome).toEqual({ channel: 'C0NEWBIES1', message: 'Hello!' });
  });

  it('suggests the nearest key for a misspelt one', () => {
    const problems = problemsWith((s) => {
      s.serie = s.series;
      Reflect.deleteProperty(s, 'series');
    });
    expect(problems).toEqual(['communities: unknown key(s) "serie" (did you mean "series"?)']);
  });

  it('the example in docs/communities.md is valid', () => {
    const doc = readFileSync(new URL('../../docs/communities.md', import.meta.url), 'utf8');
    const block = /```yaml\n(communities:\n[\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    const result = parseSection(parse(block!).communities);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.data.series[0]).toMatchObject({ id: 'frontend-meetup', capacity: 20, timezone: 'Europe/Berlin' });
    expect(result.data.welcome).toEqual({});
  });
});
