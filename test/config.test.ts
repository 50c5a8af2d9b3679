import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseEnv, parseTeamConfig, reservedKeyNotes } from '../src/config.js';

const secrets = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret' };

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('environment', () => {
  it('names every missing secret in one line', () => {
    expect(problemsOf(() => parseEnv({}))).toEqual(['missing SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET']);
    expect(problemsOf(() => parseEnv({ SLACK_BOT_TOKEN: 'x', SLACK_SIGNING_SECRET: '  ' }))).toEqual([
      'missing SLACK_SIGNING_SECRET',
    ]);
  });

  it('applies defaults and treats blank optional values as unset', () => {
    const env = parseEnv({ ...secrets, SLACK_APP_TOKEN: '' });
    expect(env).toMatchObject({
      SLACK_API_URL: 'https://slack.com/api/',
      PORT: 3000,
      GROUNDCREW_DB: './data/groundcrew.db',
      GROUNDCREW_CONFIG: './groundcrew.yml',
      GITHUB_API_URL: 'https://api.github.com',
      LOG_LEVEL: 'info',
    });
    expect(env.SLACK_APP_TOKEN).toBeUndefined();
  });

  it('rejects a bad port and log level with their names', () => {
    const problems = problemsOf(() => parseEnv({ ...secrets, PORT: 'eighty', LOG_LEVEL: 'loud' }));
    expect(problems.some((p) => p.startsWith('PORT:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('LOG_LEVEL:'))).toBe(true);
  });
});

describe('groundcrew.yml', () => {
  it('parses a minimal file and splits people from usergroups', () => {
    const team = parseTeamConfig(
      'timezone: Europe/Berlin\nadmins: [U0ADMIN01]\nplatformTeam: [U0PLAT001, S0PLATFORM]\n',
    );
    expect(team.timezone).toBe('Europe/Berlin');
    expect(team.platformTeam).toEqual({ users: ['U0PLAT001'], usergroups: ['S0PLATFORM'] });
    expect(Object.isFrozen(team)).toBe(true);
  });

  it('lists every invalid value with its path', () => {
    const problems = problemsOf(() =>
      parseTeamConfig('timezone: Mars/Olympus\nadmins: [alice]\nchannels:\n  help: "#platform-help"\nshipit: true\n'),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'groundcrew.yml: timezone: expected an IANA time zone like Europe/Berlin, got "Mars/Olympus"',
        'groundcrew.yml: admins[0]: expected a user ID like U0123ABCD, got "alice"',
        'groundcrew.yml: channels.help: expected a channel ID like C0123ABCD, got "#platform-help"',
        'groundcrew.yml: unknown key(s) "shipit"',
      ]),
    );
  });

  it('reports YAML syntax errors with line and column', () => {
    const problems = problemsOf(() => parseTeamConfig('admins: [U0ADMIN01\ntimezone: UTC\n'));
    expect(problems[0]).toMatch(/^groundcrew\.yml:\d+:\d+: /);
  });

  it('requires at least one admin', () => {
    expect(problemsOf(() => parseTeamConfig('timezone: UTC\n'))[0]).toMatch(/^groundcrew\.yml: admins: /);
  });

  it('accepts channels.help and channels.announcements but says, in one line, that they do nothing yet', () => {
    const team = parseTeamConfig('admins: [U0ADMIN01]\nchannels:\n  help: C0HELP0001\n  announcements: C0ANNOUNCE\n');
    expect(reservedKeyNotes(team)).toEqual([
      'groundcrew.yml: channels.help, channels.announcements are reserved for capabilities not built yet (support, communities) and have no effect; you can remove them.',
    ]);
    expect(reservedKeyNotes(parseTeamConfig('admins: [U0ADMIN01]\n'))).toEqual([]);
  });

  it('an empty file says what it minimally needs, naming the file', () => {
    for (const text of ['', '# nothing yet\n']) {
      expect(problemsOf(() => parseTeamConfig(text, '/etc/groundcrew/groundcrew.yml'))).toEqual([
        '/etc/groundcrew/groundcrew.yml is empty: it needs at least `admins:` with one Slack user ID (U…), e.g. `admins: [U0123ABCD]`',
      ]);
    }
  });

  it('suggests the nearest known key for a misspelt one, at any depth', () => {
    const problems = problemsOf(() =>
      parseTeamConfig(
        'admins: [U0ADMIN01]\ntimezon: UTC\nplatfromTeam: [U0PLAT001]\nshipit: true\n' +
          'deploys:\n  chanel: C0DEPLOYS1\n  environments: [{ name: staging, aprovals: { count: 1 } }]\n  executors: {}\n',
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'groundcrew.yml: unknown key(s) "timezon" (did you mean "timezone"?), "platfromTeam" (did you mean "platformTeam"?), "shipit"',
        'groundcrew.yml: deploys: unknown key(s) "chanel" (did you mean "channel"?)',
        'groundcrew.yml: deploys.environments[0]: unknown key(s) "aprovals" (did you mean "approvals"?)',
      ]),
    );
  });

  it('says which file is missing', () => {
    const problems = problemsOf(() =>
      loadConfig({ ...secrets, GROUNDCREW_CONFIG: '/nowhere/gc.yml' }, () => {
        throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      }),
    );
    expect(problems).toEqual(['cannot read /nowhere/gc.yml: no such file']);
  });
});
