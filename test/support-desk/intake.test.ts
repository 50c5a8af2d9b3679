import { describe, expect, it } from 'vitest';
import { DAY } from '../../src/clock.js';
import { zSupportConfig } from '../../src/support/config.js';
import {
  containsPhrase,
  dutyLookup,
  dutyPeriodAt,
  mergeTarget,
  onDutyAt,
  type RecentTicket,
  suggestPriority,
  textCutoff,
} from '../../src/support/intake.js';

const { priorities, defaultPriority } = zSupportConfig.parse({
  channels: ['C0HELP0001'],
  triageChannel: 'C0TRIAGE01',
  responders: ['S0PLATFORM'],
});
const suggest = (text: string) => suggestPriority(text, priorities, defaultPriority);
const d = (iso: string) => new Date(iso);

describe('priority from keywords', () => {
  it('suggests p2 for "blocks my work" and the other blocked phrasings', () => {
    expect(suggest('The new runner blocks my work since this morning')).toEqual({
      priority: 'p2',
      keyword: 'blocks my work',
    });
    expect(suggest("I'm BLOCKED on the release")).toEqual({ priority: 'p2', keyword: 'blocked' });
    expect(suggest('I can’t deploy to staging').priority).toBe('p2'); // a typographic apostrophe
    expect(suggest('this\nblocks   my\twork').priority).toBe('p2');
  });

  it('suggests p1 for an outage, and the most urgent priority wins when several match', () => {
    expect(suggest('prod is down!!')).toEqual({ priority: 'p1', keyword: 'prod is down' });
    expect(suggest('blocked by the outage')).toEqual({ priority: 'p1', keyword: 'outage' });
  });

  it('falls back to the default priority; whole words only', () => {
    expect(suggest('How do I rotate a secret?')).toEqual({ priority: 'p3', keyword: null });
    expect(suggest("I'm unblocked now, thanks")).toEqual({ priority: 'p3', keyword: null });
    expect(suggest('our incidents page')).toEqual({ priority: 'p3', keyword: null });
    expect(containsPhrase('sev1: db', 'sev1')).toBe(true);
    expect(containsPhrase('anything', '')).toBe(false);
    expect(containsPhrase('a (b) c', '(b)')).toBe(true); // regex characters are literal
    expect(containsPhrase('a b c', '.')).toBe(false);
    expect(containsPhrase('1+1 is 2', '1+1')).toBe(true);
  });
});

describe('the 2-minute merge window', () => {
  const recent: RecentTicket[] = [
    {
      id: 't1',
      askerId: 'U0ADA0001',
      channelId: 'C0HELP0001',
      state: 'open',
      lastMessageAt: d('2026-01-13T09:00:00Z'),
    },
    {
      id: 't2',
      askerId: 'U0BOB0001',
      channelId: 'C0HELP0001',
      state: 'open',
      lastMessageAt: d('2026-01-13T09:00:30Z'),
    },
    {
      id: 't3',
      askerId: 'U0ADA0001',
      channelId: 'C0HELP0002',
      state: 'open',
      lastMessageAt: d('2026-01-13T09:00:30Z'),
    },
  ];
  const message = (at: string, userId = 'U0ADA0001', channelId = 'C0HELP0001') => ({ userId, channelId, at: d(at) });

  it('joins the same person in the same channel within 2 minutes of the last message', () => {
    expect(mergeTarget(recent, message('2026-01-13T09:01:59Z'))).toBe('t1');
    expect(mergeTarget(recent, message('2026-01-13T09:02:00Z'))).toBe('t1');
    expect(mergeTarget(recent, message('2026-01-13T09:02:00.001Z'))).toBeNull();
  });

  it('never joins another person, another channel, a resolved ticket, or a message older than the ticket', () => {
    expect(mergeTarget(recent, message('2026-01-13T09:01:00Z', 'U0CAT0001'))).toBeNull();
    expect(mergeTarget(recent, message('2026-01-13T09:01:00Z', 'U0ADA0001', 'C0HELP0002'))).toBe('t3');
    expect(mergeTarget(recent, message('2026-01-13T09:01:00Z', 'U0ADA0001', 'C0HELP0003'))).toBeNull();
    const resolved = recent.map((t) => ({ ...t, state: 'resolved' as const }));
    expect(mergeTarget(resolved, message('2026-01-13T09:01:00Z'))).toBeNull();
    expect(mergeTarget(recent, message('2026-01-13T08:59:59Z'))).toBeNull();
  });

  it('a burst of messages chains: the window runs from the latest joined message', () => {
    const chained = [{ ...recent[0]!, lastMessageAt: d('2026-01-13T09:03:30Z') }];
    expect(mergeTarget(chained, message('2026-01-13T09:05:00Z'))).toBe('t1');
  });

  it('picks the latest of several candidates', () => {
    const two: RecentTicket[] = [
      { ...recent[0]!, id: 'older', lastMessageAt: d('2026-01-13T09:00:00Z') },
      { ...recent[0]!, id: 'newer', lastMessageAt: d('2026-01-13T09:00:40Z') },
    ];
    expect(mergeTarget(two, message('2026-01-13T09:01:00Z'))).toBe('newer');
  });
});

describe('on duty', () => {
  const rotation = {
    people: ['U0PAT0001', 'U0ADA0001', 'U0BOB0001'],
    handoff: { day: 1, time: '09:00' },
    startsOn: '2026-01-05',
  };

  it('hands off weekly at the local time, starting with the first person', () => {
    // Monday 2026-01-05 09:00 Berlin is 08:00Z.
    expect(onDutyAt(rotation, 'Europe/Berlin', d('2026-01-05T07:59:59Z'))).toBe('U0BOB0001');
    expect(onDutyAt(rotation, 'Europe/Berlin', d('2026-01-05T08:00:00Z'))).toBe('U0PAT0001');
    expect(onDutyAt(rotation, 'Europe/Berlin', d('2026-01-11T22:00:00Z'))).toBe('U0PAT0001');
    expect(onDutyAt(rotation, 'Europe/Berlin', d('2026-01-12T08:00:00Z'))).toBe('U0ADA0001');
    expect(onDutyAt(rotation, 'Europe/Berlin', d('2026-01-19T08:00:00Z'))).toBe('U0BOB0001');
    expect(onDutyAt(rotation, 'Europe/Berlin', d('2026-01-26T08:00:00Z'))).toBe('U0PAT0001');
  });

  it('keeps the local hand-off time across the DST change', () => {
    // Monday 2026-03-30 is 12 weeks on: Pat again, from 09:00 CEST = 07:00Z.
    expect(onDutyAt(rotation, 'Europe/Berlin', d('2026-03-30T06:59:00Z'))).toBe('U0BOB0001');
    expect(onDutyAt(rotation, 'Europe/Berlin', d('2026-03-30T07:00:00Z'))).toBe('U0PAT0001');
  });

  it('the first hand-off is the first hand-off weekday on or after startsOn; its own zone wins', () => {
    const wednesday = { ...rotation, handoff: { day: 3, time: '10:00' }, timezone: 'America/New_York' };
    // Wednesday 2026-01-07 10:00 New York is 15:00Z.
    expect(onDutyAt(wednesday, 'Europe/Berlin', d('2026-01-07T14:59:00Z'))).toBe('U0BOB0001');
    expect(onDutyAt(wednesday, 'Europe/Berlin', d('2026-01-07T15:00:00Z'))).toBe('U0PAT0001');
  });

  it('the week on duty runs from one hand-off to the next, across the DST change too', () => {
    expect(dutyPeriodAt(rotation, 'Europe/Berlin', d('2026-03-25T12:00:00Z'))).toEqual({
      person: 'U0BOB0001',
      from: d('2026-03-23T08:00:00Z').getTime(),
      until: d('2026-03-30T07:00:00Z').getTime(),
    });
  });

  it('the remembered week answers what onDutyAt answers, in any order of instants', () => {
    const lookup = dutyLookup(rotation, 'Europe/Berlin');
    const instants = [
      '2026-03-30T06:59:00Z',
      '2026-03-30T07:00:00Z',
      '2026-01-05T07:59:59Z',
      '2026-01-05T08:00:00Z',
      '2026-01-11T22:00:00Z',
      '2026-01-12T07:59:59Z',
      '2026-01-12T08:00:00Z',
      '2026-03-29T12:00:00Z',
      '2025-12-31T12:00:00Z',
    ].map(d);
    for (const at of instants) expect(lookup(at), at.toISOString()).toBe(onDutyAt(rotation, 'Europe/Berlin', at));
  });
});

describe('retention', () => {
  it('removes text from before now minus retainTextFor', () => {
    expect(textCutoff(d('2026-07-01T00:00:00Z'), 180 * DAY).toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });
});
