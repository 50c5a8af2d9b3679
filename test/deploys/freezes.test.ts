import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/clock.js';
import { ConfigError, validateTeamConfig } from '../../src/config.js';
import type { FreezesConfig } from '../../src/deploys/config.js';
import {
  activeFreezes,
  formatLocal,
  freezeStatus,
  parseUntil,
  readUntil,
  recurringOccurrence,
} from '../../src/deploys/freezes.js';

const ZONE = 'Europe/Berlin';

function freezes(partial: Partial<FreezesConfig>): FreezesConfig {
  return { windows: [], recurring: [], holidays: [], ...partial };
}

const weekend = {
  reason: 'weekend freeze',
  from: { day: 'friday' as const, time: '16:00' },
  until: { day: 'monday' as const, time: '08:00' },
  environments: ['production'],
};

describe('recurring freezes', () => {
  it('covers Friday 16:00 to Monday 08:00 Berlin time, across the weekend', () => {
    const sources = { config: freezes({ recurring: [weekend] }), adhoc: [], zone: ZONE };
    // 2026-11-27 is a Friday. Berlin is UTC+1 in November.
    expect(freezeStatus(sources, 'production', new Date('2026-11-27T14:59:00Z'))).toBeNull();
    const friday = freezeStatus(sources, 'production', new Date('2026-11-27T15:00:00Z'));
    expect(friday?.until.toISOString()).toBe('2026-11-30T07:00:00.000Z');
    expect(freezeStatus(sources, 'production', new Date('2026-11-29T12:00:00Z'))?.freeze.reason).toBe('weekend freeze');
    expect(freezeStatus(sources, 'production', new Date('2026-11-30T06:59:00Z'))).not.toBeNull();
    expect(freezeStatus(sources, 'production', new Date('2026-11-30T07:00:00Z'))).toBeNull();
    expect(freezeStatus(sources, 'staging', new Date('2026-11-28T12:00:00Z'))).toBeNull();
  });

  it('keeps local wall-clock times across the October DST change', () => {
    // Clocks go back on Sunday 2026-10-25: Friday 16:00 is 14:00Z (CEST), Monday 08:00 is 07:00Z (CET).
    const { from, until } = recurringOccurrence(weekend, new Date('2026-10-24T12:00:00Z'), ZONE);
    expect(from.toUTC().toISO()).toBe('2026-10-23T14:00:00.000Z');
    expect(until.toUTC().toISO()).toBe('2026-10-26T07:00:00.000Z');
  });

  it('keeps local wall-clock times across the March DST change (2026-03-29), before, during and after', () => {
    const sources = { config: freezes({ recurring: [weekend] }), adhoc: [], zone: ZONE };
    // Friday 16:00 CET is 15:00Z; Monday 08:00 CEST is 06:00Z (clocks went forward on Sunday).
    expect(freezeStatus(sources, 'production', new Date('2026-03-27T14:59:00Z'))).toBeNull();
    expect(freezeStatus(sources, 'production', new Date('2026-03-27T15:00:00Z'))?.until.toISOString()).toBe(
      '2026-03-30T06:00:00.000Z',
    );
    // In the hour that does not exist and just after it.
    expect(freezeStatus(sources, 'production', new Date('2026-03-29T01:00:00Z'))).not.toBeNull();
    expect(freezeStatus(sources, 'production', new Date('2026-03-30T05:59:00Z'))).not.toBeNull();
    expect(freezeStatus(sources, 'production', new Date('2026-03-30T06:00:00Z'))).toBeNull();
  });

  it('a window inside the spring-forward gap is empty that night, not a week long', () => {
    const night = {
      reason: 'backup',
      from: { day: 'sunday' as const, time: '02:30' },
      until: { day: 'sunday' as const, time: '03:30' },
    };
    const sources = { config: freezes({ recurring: [night] }), adhoc: [], zone: ZONE };
    // The Friday before, the Sunday itself (03:10 CEST) and the Monday after: never frozen.
    for (const at of ['2026-03-27T15:00:00Z', '2026-03-29T01:10:00Z', '2026-03-30T10:00:00Z']) {
      expect(freezeStatus(sources, 'production', new Date(at)), at).toBeNull();
    }
    // A normal Sunday: 02:30–03:30 CET.
    expect(freezeStatus(sources, 'production', new Date('2026-03-22T01:45:00Z'))?.until.toISOString()).toBe(
      '2026-03-22T02:30:00.000Z',
    );
    // The autumn Sunday (2026-10-25) has 02:30 twice: the window is the second 02:30 (CET) to 03:30 CET.
    expect(freezeStatus(sources, 'production', new Date('2026-10-25T00:45:00Z'))).toBeNull(); // first 02:45
    const autumn = freezeStatus(sources, 'production', new Date('2026-10-25T01:45:00Z')); // second 02:45
    expect(autumn?.until.toISOString()).toBe('2026-10-25T02:30:00.000Z');
  });

  it('handles a same-day window and one that wraps the week (Sunday to Monday)', () => {
    const evening = {
      reason: 'batch',
      from: { day: 'tuesday' as const, time: '18:00' },
      until: { day: 'tuesday' as const, time: '20:00' },
    };
    const sources = { config: freezes({ recurring: [evening] }), adhoc: [], zone: ZONE };
    expect(activeFreezes(sources, new Date('2026-11-24T17:30:00Z'))).toHaveLength(1); // 18:30 Berlin
    expect(activeFreezes(sources, new Date('2026-11-24T19:00:00Z'))).toHaveLength(0); // 20:00 Berlin
    const wrap = {
      reason: 'sun',
      from: { day: 'sunday' as const, time: '22:00' },
      until: { day: 'monday' as const, time: '02:00' },
    };
    const wrapped = { config: freezes({ recurring: [wrap] }), adhoc: [], zone: ZONE };
    expect(activeFreezes(wrapped, new Date('2026-11-30T00:30:00Z'))).toHaveLength(1); // Mon 01:30 Berlin
  });
});

describe('holidays, one-off windows and chaining', () => {
  it('freezes a whole local day and names the holiday', () => {
    const sources = {
      config: freezes({ holidays: [{ date: '2026-12-25', name: 'Christmas Day', environments: undefined }] }),
      adhoc: [],
      zone: ZONE,
    };
    expect(freezeStatus(sources, 'production', new Date('2026-12-24T22:59:00Z'))).toBeNull();
    const status = freezeStatus(sources, 'production', new Date('2026-12-24T23:00:00Z'));
    expect(status?.freeze.reason).toBe('holiday freeze (Christmas Day)');
    expect(status?.until.toISOString()).toBe('2026-12-25T23:00:00.000Z');
  });

  it('chains a holiday Friday into the weekend freeze: frozen until Monday 08:00', () => {
    const sources = {
      config: freezes({
        recurring: [weekend],
        holidays: [{ date: '2026-12-25', name: undefined, environments: undefined }],
      }),
      adhoc: [],
      zone: ZONE,
    };
    const now = new Date('2026-12-25T09:00:00Z');
    const status = freezeStatus(sources, 'production', now);
    expect(status?.freeze.reason).toBe('holiday freeze'); // the one in force now
    expect(status?.until.toISOString()).toBe('2026-12-28T07:00:00.000Z');
    expect(formatLocal(status!.until, ZONE, now)).toBe('Mon 08:00 Europe/Berlin');
  });

  it('applies one-off windows and ad-hoc freezes until their end', () => {
    const sources = {
      config: freezes({
        windows: [
          { from: '2026-12-20 00:00', to: '2027-01-04 08:00', reason: 'year-end', environments: ['production'] },
        ],
      }),
      adhoc: [
        {
          id: 7,
          environment: 'all',
          reason: 'incident',
          startsAt: new Date('2026-11-23T10:00:00Z'),
          until: new Date('2026-11-23T12:00:00Z'),
          createdBy: 'U0ADMIN01',
        },
      ],
      zone: ZONE,
    };
    expect(freezeStatus(sources, 'staging', new Date('2026-11-23T11:00:00Z'))?.freeze.key).toBe('adhoc:7');
    expect(freezeStatus(sources, 'staging', new Date('2026-11-23T12:00:00Z'))).toBeNull();
    const yearEnd = freezeStatus(sources, 'production', new Date('2026-12-22T10:00:00Z'));
    expect(yearEnd?.until.toISOString()).toBe('2027-01-04T07:00:00.000Z');
    expect(formatLocal(yearEnd!.until, ZONE, new Date('2026-12-22T10:00:00Z'))).toBe('Mon 4 Jan 08:00 Europe/Berlin');
  });
});

describe('parseUntil', () => {
  const now = new Date('2026-11-23T10:00:00Z'); // Monday 11:00 Berlin
  it('reads durations, dates, times and weekdays in the team zone', () => {
    expect(parseUntil('2h', now, ZONE, parseDuration)?.toISOString()).toBe('2026-11-23T12:00:00.000Z');
    expect(parseUntil('2026-11-24 08:00', now, ZONE, parseDuration)?.toISOString()).toBe('2026-11-24T07:00:00.000Z');
    expect(parseUntil('2026-11-25', now, ZONE, parseDuration)?.toISOString()).toBe('2026-11-24T23:00:00.000Z');
    expect(parseUntil('18:00', now, ZONE, parseDuration)?.toISOString()).toBe('2026-11-23T17:00:00.000Z');
    expect(parseUntil('09:00', now, ZONE, parseDuration)?.toISOString()).toBe('2026-11-24T08:00:00.000Z');
    expect(parseUntil('friday 16:00', now, ZONE, parseDuration)?.toISOString()).toBe('2026-11-27T15:00:00.000Z');
    expect(parseUntil('mon', now, ZONE, parseDuration)?.toISOString()).toBe('2026-11-29T23:00:00.000Z');
    expect(parseUntil('yesterday-ish', now, ZONE, parseDuration)).toBeNull();
    expect(parseUntil('2026-11-01', now, ZONE, parseDuration)).toBeNull();
  });

  it('reads what people type for --until, with a message for each mistake', () => {
    const read = (text: string) => readUntil(text, now, ZONE, parseDuration);
    expect(read('Mon 08:00')).toEqual({ ok: true, until: new Date('2026-11-30T07:00:00.000Z') }); // next Monday
    expect(read('  monday   8:00 ')).toEqual({ ok: true, until: new Date('2026-11-30T07:00:00.000Z') });
    expect(read('Mon 12:00')).toEqual({ ok: true, until: new Date('2026-11-23T11:00:00.000Z') }); // later today
    expect(read('2026-12-01')).toEqual({ ok: true, until: new Date('2026-11-30T23:00:00.000Z') });
    expect(read('1h30m')).toEqual({ ok: true, until: new Date('2026-11-23T11:30:00.000Z') });
    // Across the DST change: a date-time in summer is read as CEST.
    expect(read('2027-03-29 08:00')).toEqual({ ok: true, until: new Date('2027-03-29T06:00:00.000Z') });
    const error = (text: string) => {
      const result = read(text);
      if (result.ok) throw new Error(`${text} was accepted`);
      return result.error;
    };
    expect(error('25:00')).toBe('"25:00" is not a time of day; use 00:00 to 23:59.');
    expect(error('mon 08:60')).toBe('"08:60" is not a time of day; use 00:00 to 23:59.');
    expect(error('2026-02-30')).toBe('2026-02-30 is not a date on the calendar.');
    expect(error('2026-11-01')).toBe('Sun 1 Nov 00:00 Europe/Berlin is not in the future; the freeze must end later.');
    expect(error('tomorrow')).toContain('"tomorrow" is not a time I can read; try 2h');
    expect(error('next week')).toContain('mon 08:00');
  });
});

describe('deploys config', () => {
  const base = {
    channel: 'C0DEPLOYS1',
    environments: [{ name: 'staging' }, { name: 'production', approvals: { count: 2, approvers: ['S0SRE0001'] } }],
    executors: { gha: { type: 'github-actions', repo: 'acme/web', workflow: 'deploy.yml' } },
    services: [{ name: 'web', environments: ['staging', 'production'], executor: 'gha' }],
  };

  const team = (deploys: unknown) => validateTeamConfig({ timezone: 'Europe/Berlin', admins: ['U0ADMIN01'], deploys });

  it('applies defaults: 2h approval TTL, everyone may deploy, no freezes', () => {
    const config = team(base).deploys!;
    expect(config.environments[1]?.approvalTtl).toBe(2 * 3600_000);
    expect(config.environments[0]?.approvals.count).toBe(0);
    expect(config.services[0]?.owners).toEqual({ users: [], usergroups: [] });
    expect(config.freezes).toEqual({ windows: [], recurring: [], holidays: [] });
  });

  it('reports unknown cross-references with their paths', () => {
    let problems: string[] = [];
    try {
      team({
        ...base,
        environments: [...base.environments, { name: 'staging' }],
        services: [
          { name: 'web', environments: ['staging', 'prod'], executor: 'argo' },
          { name: 'web', environments: ['staging'], executor: 'gha' },
        ],
        freezes: {
          recurring: [
            {
              reason: 'x',
              from: { day: 'Friday', time: '16:00' },
              until: { day: 'monday', time: '08:00' },
              environments: ['qa'],
            },
          ],
          holidays: ['2026-02-30'],
        },
      });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        'groundcrew.yml: deploys.services[0].environments[1]: unknown environment "prod" (known: staging, production)',
        'groundcrew.yml: deploys.services[0].executor: unknown executor "argo" (known: gha)',
        'groundcrew.yml: deploys.freezes.recurring[0].environments[0]: unknown environment "qa" (known: staging, production)',
        'groundcrew.yml: deploys.freezes.holidays[0]: 2026-02-30 is not a real date',
        'groundcrew.yml: deploys.environments[2].name: environment "staging" is listed twice',
        'groundcrew.yml: deploys.services[1].name: service "web" is listed twice',
      ]),
    );
  });
});
