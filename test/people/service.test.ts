import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { createPeopleService } from '../../src/people/service.js';

const team = { admins: ['U0ADMIN01'], platformTeam: { users: ['U0PLAT001'], usergroups: ['S0PLATFORM'] } };

function setup() {
  const clock = createManualClock('2026-11-23T10:00:00Z');
  const asked: string[] = [];
  let members = ['U0GROUP01'];
  const people = createPeopleService(
    team,
    {
      async members(id) {
        asked.push(id);
        return members;
      },
    },
    clock,
  );
  return { clock, asked, people, setMembers: (m: string[]) => (members = m) };
}

describe('people', () => {
  it('knows admins and named platform people without asking Slack', async () => {
    const { people, asked } = setup();
    expect(people.knownRoleOf('U0ADMIN01')).toBe('admin');
    expect(people.knownRoleOf('U0PLAT001')).toBe('platform');
    expect(await people.roleOf('U0PLAT001')).toBe('platform');
    expect(asked).toEqual([]);
  });

  it('asks Slack for usergroup members once per 5 minutes, then answers from the cache', async () => {
    const { people, asked, clock, setMembers } = setup();
    expect(people.knownRoleOf('U0GROUP01')).toBeUndefined();
    expect(await people.roleOf('U0GROUP01')).toBe('platform');
    expect(people.knownRoleOf('U0GROUP01')).toBe('platform');
    expect(people.knownRoleOf('U0SOMEONE')).toBe('member');
    expect(asked).toEqual(['S0PLATFORM']);

    setMembers([]);
    clock.advance(4 * 60_000);
    expect(await people.roleOf('U0GROUP01')).toBe('platform');
    clock.advance(60_000);
    expect(people.knownRoleOf('U0GROUP01')).toBeUndefined();
    expect(await people.roleOf('U0GROUP01')).toBe('member');
    expect(asked).toEqual(['S0PLATFORM', 'S0PLATFORM']);
  });

  it('expands people and usergroups without duplicates', async () => {
    const { people } = setup();
    expect(await people.expand({ users: ['U0GROUP01', 'U0X'], usergroups: ['S0PLATFORM'] })).toEqual([
      'U0GROUP01',
      'U0X',
    ]);
  });

  it('forgets a failed lookup so the next call asks again', async () => {
    const clock = createManualClock('2026-11-23T10:00:00Z');
    let calls = 0;
    const people = createPeopleService(
      team,
      {
        async members() {
          calls++;
          if (calls === 1) throw new Error('ratelimited');
          return ['U0GROUP01'];
        },
      },
      clock,
    );
    await expect(people.roleOf('U0GROUP01')).rejects.toThrow('ratelimited');
    expect(await people.roleOf('U0GROUP01')).toBe('platform');
  });
});
