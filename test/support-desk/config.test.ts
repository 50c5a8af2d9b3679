import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DAY, HOUR, MINUTE } from '../../src/clock.js';
import { formatIssues } from '../../src/config.js';
import { type SupportConfig, scheduleDayMs, targetMs, zSupportConfig } from '../../src/support/config.js';

const BASE = 'channels: [C0HELP0001]\ntriageChannel: C0TRIAGE01\nresponders: [S0PLATFORM, U0PAT0001]\n';

function load(yaml: string): SupportConfig {
  const result = zSupportConfig.safeParse(parse(yaml));
  if (!result.success) throw new Error(formatIssues(result.error.issues, ['support'], zSupportConfig).join('\n'));
  return result.data;
}

function problems(yaml: string): string[] {
  const result = zSupportConfig.safeParse(parse(yaml));
  if (result.success) throw new Error('expected the section to be refused');
  return formatIssues(result.error.issues, ['support'], zSupportConfig);
}

describe('support config: valid sections', () => {
  it('the minimal section gets the defaults: Mon–Fri 09–17, p1/p2/p3 as documented, three escalation steps, 180d', () => {
    const config = load(BASE);
    expect(config.channels).toEqual(['C0HELP0001']);
    expect(config.responders).toEqual({ users: ['U0PAT0001'], usergroups: ['S0PLATFORM'] });
    expect(config.businessHours).toEqual({ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00', holidays: [] });
    expect(config.priorities.map((p) => [p.id, p.firstResponse.text, p.resolution.text, p.allHours, p.page])).toEqual([
      ['p1', '15m', '4h', true, true],
      ['p2', '1h', '1d', false, false],
      ['p3', '4h', '3d', false, false],
    ]);
    expect(config.priorities[1]?.keywords).toContain('blocks my work');
    expect(config.defaultPriority).toBe('p3');
    expect(config.escalation.map((s) => [s.key, s.notify])).toEqual([
      ['firstResponse@75%', ['onDuty']],
      ['firstResponse@100%', ['triage', 'responders']],
      ['resolution@100%', ['triage']],
    ]);
    expect(config.retainTextFor).toBe(180 * DAY);
    expect(config.onDuty).toBeUndefined();
    expect(config.docs).toBeUndefined();
  });

  it('reads every key of a full section', () => {
    const config = load(
      `${BASE}
onDuty:
  rotation:
    people: [U0PAT0001, U0ADA0001]
    handoff: { day: Monday, time: "09:30" }
    timezone: Europe/Berlin
    startsOn: 2026-01-05
businessHours: { days: [mon, tue, wed, thu, fri], start: "08:00", end: "18:00", timezone: Europe/Berlin, holidays: [2026-05-01] }
holidays: [2026-12-24, 2026-12-25]
priorities:
  urgent: { label: "Production is down", firstResponse: 10m, resolution: 2h, allHours: true, page: true, keywords: [Outage] }
  blocked:
    label: "I'm blocked"
    firstResponse: 30m
    resolution: 1d4h
    keywords: [blocks my work]
    businessHours: { days: [mon, tue, wed, thu, fri, sat], start: "07:00", end: "24:00", timezone: America/New_York }
  question: { label: Question, firstResponse: 4h, resolution: 3d }
defaultPriority: question
escalation:
  - { at: 50%, of: firstResponse, notify: [onDuty], priorities: [blocked, question] }
  - { at: "-10m", of: resolution, notify: [onDuty] }
  - { at: breach, of: resolution, notify: [triage, responders] }
  - { at: "+2h", of: resolution, notify: [triage] }
docs: { folder: docs/support, baseUrl: "https://docs.example.com/platform/" }
retainTextFor: 90d
`,
    );
    expect(config.onDuty?.rotation).toEqual({
      people: ['U0PAT0001', 'U0ADA0001'],
      handoff: { day: 1, time: '09:30' },
      timezone: 'Europe/Berlin',
      startsOn: '2026-01-05',
    });
    expect(config.holidays).toEqual(['2026-12-24', '2026-12-25']);
    expect(config.priorities.map((p) => p.id)).toEqual(['urgent', 'blocked', 'question']);
    const blocked = config.priorities[1]!;
    expect(blocked.keywords).toEqual(['blocks my work']);
    expect(blocked.businessHours?.days).toEqual([1, 2, 3, 4, 5, 6]);
    expect(blocked.resolution).toEqual({ text: '1d4h', days: 1, ms: 4 * HOUR });
    // One business day of 07:00–24:00 is 17 h; 1d4h is 21 business hours.
    expect(targetMs(blocked.resolution, scheduleDayMs(blocked.businessHours!))).toBe(21 * HOUR);
    expect(config.priorities[0]?.keywords).toEqual(['outage']);
    expect(config.escalation.map((s) => s.key)).toEqual([
      'firstResponse@50%',
      'resolution@-10m',
      'resolution@100%',
      'resolution@+120m',
    ]);
    expect(config.escalation[1]?.at).toEqual({ kind: 'offset', ms: -10 * MINUTE });
    expect(config.docs).toEqual({ folder: 'docs/support', baseUrl: 'https://docs.example.com/platform/' });
    expect(config.retainTextFor).toBe(90 * DAY);
    expect(config.defaultPriority).toBe('question');
  });

  it('takes a usergroup as the on-duty person', () => {
    expect(load(`${BASE}onDuty: { usergroup: S0ONCALL01 }\n`).onDuty).toEqual({ usergroup: 'S0ONCALL01' });
  });
});

describe('support config: every mistake names its key', () => {
  const cases: [string, string, string][] = [
    [
      'no help channel',
      'channels: []\ntriageChannel: C0TRIAGE01\nresponders: [U0PAT0001]\n',
      'support.channels: name at least one help channel',
    ],
    [
      'a channel name instead of an id',
      'channels: ["#help"]\ntriageChannel: C0TRIAGE01\nresponders: [U0PAT0001]\n',
      'support.channels[0]: expected a channel ID like C0123ABCD, got "#help"',
    ],
    [
      'a channel listed twice',
      'channels: [C0HELP0001, C0HELP0001]\ntriageChannel: C0TRIAGE01\nresponders: [U0PAT0001]\n',
      'support.channels[1]: C0HELP0001 is listed twice',
    ],
    [
      'triage is a help channel',
      'channels: [C0HELP0001]\ntriageChannel: C0HELP0001\nresponders: [U0PAT0001]\n',
      'support.triageChannel: must not be a help channel too: escalations would mix with the questions',
    ],
    [
      'no responders',
      'channels: [C0HELP0001]\ntriageChannel: C0TRIAGE01\nresponders: []\n',
      'support.responders: name at least one responder (user ID or usergroup ID)',
    ],
    [
      'a name as a responder',
      'channels: [C0HELP0001]\ntriageChannel: C0TRIAGE01\nresponders: [pat]\n',
      'support.responders[0]: expected a user ID or usergroup ID like U0123ABCD or S0123ABCD, got "pat"',
    ],
    [
      'on duty both ways',
      `${BASE}onDuty: { usergroup: S0ONCALL01, rotation: { people: [U0PAT0001], handoff: { day: mon, time: "09:00" } } }\n`,
      'support.onDuty: give either rotation: { people, handoff: { day, time } } or usergroup: S…, not both and not neither',
    ],
    [
      'on duty neither way',
      `${BASE}onDuty: {}\n`,
      'support.onDuty: give either rotation: { people, handoff: { day, time } } or usergroup: S…, not both and not neither',
    ],
    [
      'a rotation without people',
      `${BASE}onDuty: { rotation: { people: [], handoff: { day: mon, time: "09:00" } } }\n`,
      'support.onDuty.rotation.people: name at least one person',
    ],
    [
      'a usergroup in a rotation',
      `${BASE}onDuty: { rotation: { people: [S0ONCALL01], handoff: { day: mon, time: "09:00" } } }\n`,
      'support.onDuty.rotation.people[0]: expected a user ID like U0123ABCD, got "S0ONCALL01"',
    ],
    [
      'a bad hand-off day',
      `${BASE}onDuty: { rotation: { people: [U0PAT0001], handoff: { day: someday, time: "09:00" } } }\n`,
      'support.onDuty.rotation.handoff.day: expected a weekday like monday or mon, got "someday"',
    ],
    [
      'a bad hand-off time',
      `${BASE}onDuty: { rotation: { people: [U0PAT0001], handoff: { day: mon, time: "9am" } } }\n`,
      'support.onDuty.rotation.handoff.time: expected a time like 09:00',
    ],
    [
      'a bad time zone',
      `${BASE}businessHours: { timezone: Europe/Berlln }\n`,
      'support.businessHours.timezone: expected an IANA time zone like Europe/Berlin, got "Europe/Berlln"',
    ],
    [
      'closing before opening',
      `${BASE}businessHours: { start: "22:00", end: "06:00" }\n`,
      'support.businessHours.end: must be after start (22:00); a schedule cannot span midnight — end at 24:00 and open again at 00:00, or use allHours: true',
    ],
    [
      'a bad opening time',
      `${BASE}businessHours: { start: "9:00" }\n`,
      'support.businessHours.start: expected a time like 09:00',
    ],
    [
      'a bad closing time',
      `${BASE}businessHours: { end: "25:00" }\n`,
      'support.businessHours.end: expected a time like 17:00 (or 24:00 for midnight)',
    ],
    ['no days', `${BASE}businessHours: { days: [] }\n`, 'support.businessHours.days: name at least one weekday'],
    [
      'a day twice',
      `${BASE}businessHours: { days: [mon, Monday] }\n`,
      'support.businessHours.days[1]: monday is listed twice',
    ],
    [
      'a date that does not exist',
      `${BASE}holidays: [2026-02-30]\n`,
      'support.holidays[0]: 2026-02-30 is not a real date',
    ],
    [
      'a date in another shape',
      `${BASE}holidays: [24.12.2026]\n`,
      'support.holidays[0]: expected a date like 2026-12-24, got "24.12.2026"',
    ],
    [
      'a bad priority id',
      `${BASE}priorities: { P1: { label: Down, firstResponse: 15m, resolution: 4h } }\n`,
      'support.priorities.P1: a priority id is lowercase letters, digits, "-" or "_", starting with a letter (at most 20), like p1, got "P1"',
    ],
    ['no priorities', `${BASE}priorities: {}\n`, 'support.priorities: define at least one priority'],
    [
      'a target that is not a duration',
      `${BASE}priorities: { p2: { label: Blocked, firstResponse: soon, resolution: 1d } }\n`,
      'support.priorities.p2.firstResponse: expected a duration like 1h or 15m, got "soon"',
    ],
    [
      'a missing target',
      `${BASE}priorities: { p2: { label: Blocked, firstResponse: 1h } }\n`,
      'support.priorities.p2.resolution: required: a duration like 1d or 4h',
    ],
    [
      'a missing label',
      `${BASE}priorities: { p2: { firstResponse: 1h, resolution: 1d } }\n`,
      'support.priorities.p2.label: required: the words on the priority button, like "I\'m blocked"',
    ],
    [
      'a misspelt key',
      `${BASE}priorities: { p2: { label: Blocked, firstResponse: 1h, resolution: 1d, keyword: [x] } }\n`,
      'support.priorities.p2: unknown key(s) "keyword" (did you mean "keywords"?)',
    ],
    [
      'first response longer than resolution',
      `${BASE}priorities: { p3: { label: Question, firstResponse: 2d, resolution: 1d } }\n`,
      'support.priorities.p3.firstResponse: 2d is longer than the resolution target 1d',
    ],
    [
      'first response longer in business days',
      `${BASE}priorities: { p3: { label: Question, firstResponse: 9h, resolution: 1d } }\n`,
      'support.priorities.p3.firstResponse: 9h is longer than the resolution target 1d',
    ],
    [
      '24×7 with business hours',
      `${BASE}priorities: { p1: { label: Down, firstResponse: 15m, resolution: 4h, allHours: true, businessHours: { start: "08:00" } } }\n`,
      'support.priorities.p1.businessHours: a 24×7 priority (allHours: true) has no business hours; remove one of the two',
    ],
    [
      'an empty keyword',
      `${BASE}priorities: { p2: { label: Blocked, firstResponse: 1h, resolution: 1d, keywords: ["  "] } }\n`,
      'support.priorities.p2.keywords[0]: a keyword cannot be empty',
    ],
    [
      'a keyword for two priorities',
      `${BASE}priorities: { p1: { label: Down, firstResponse: 15m, resolution: 4h, keywords: [down] }, p2: { label: Blocked, firstResponse: 1h, resolution: 1d, keywords: [Down] } }\n`,
      'support.priorities.p2.keywords[0]: "down" already suggests p1',
    ],
    [
      'an unknown default priority',
      `${BASE}defaultPriority: p4\n`,
      'support.defaultPriority: unknown priority "p4" (known: p1, p2, p3)',
    ],
    [
      'a step at a bad point',
      `${BASE}escalation: [{ at: soon, of: firstResponse, notify: [onDuty] }]\n`,
      'support.escalation[0].at: expected a share of the target like 75%, "breach", or an offset like -15m or +1h, got "soon"',
    ],
    [
      'a step of an unknown clock',
      `${BASE}escalation: [{ at: 75%, of: response, notify: [onDuty] }]\n`,
      'support.escalation[0].of: expected one of firstResponse, resolution',
    ],
    [
      'a step telling nobody',
      `${BASE}escalation: [{ at: 75%, of: firstResponse, notify: [] }]\n`,
      'support.escalation[0].notify: name who hears of it: onDuty, triage, responders',
    ],
    [
      'a step telling an unknown party',
      `${BASE}escalation: [{ at: 75%, of: firstResponse, notify: [manager] }]\n`,
      'support.escalation[0].notify[0]: expected one of onDuty, triage, responders',
    ],
    [
      'two steps at one point',
      `${BASE}escalation: [{ at: breach, of: resolution, notify: [triage] }, { at: 100%, of: resolution, notify: [onDuty] }]\n`,
      'support.escalation[1].at: a step at the same point of resolution is listed twice (resolution@100%)',
    ],
    [
      'a step for an unknown priority',
      `${BASE}escalation: [{ at: 75%, of: firstResponse, notify: [onDuty], priorities: [p9] }]\n`,
      'support.escalation[0].priorities[0]: unknown priority "p9" (known: p1, p2, p3)',
    ],
    [
      'docs without a folder',
      `${BASE}docs: { folder: "" }\n`,
      'support.docs.folder: name the folder of Markdown files',
    ],
    [
      'docs with a bad base URL',
      `${BASE}docs: { folder: docs, baseUrl: "docs.example.com" }\n`,
      'support.docs.baseUrl: expected a URL like https://docs.example.com/platform/',
    ],
    [
      'a bad retention',
      `${BASE}retainTextFor: forever\n`,
      'support.retainTextFor: expected a duration like 180d, got "forever"',
    ],
    ['a retention under a day', `${BASE}retainTextFor: 2h\n`, 'support.retainTextFor: keep text for at least 1d'],
    ['an unknown key', `${BASE}channel: C0HELP0002\n`, 'support: unknown key(s) "channel" (did you mean "channels"?)'],
  ];

  it.each(cases)('%s', (_name, yaml, expected) => {
    expect(problems(yaml)).toContain(expected);
  });
});
