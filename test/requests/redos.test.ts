import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseTeamConfig, validateTeamConfig } from '../../src/config.js';
import { catastrophicBacktracking } from '../../src/requests/regex-safety.js';
import { TEXT_ANSWER_MAX, validateField } from '../../src/requests/validate.js';
import { baseTeamConfig } from '../support/harness.js';

/** Patterns JavaScript's backtracking engine takes exponential time on, and patterns it does not. */
const CATASTROPHIC = [
  '^(a+)+$',
  '(a|a)*',
  '(a|aa)+',
  '(.*a){12}',
  '^(\\w+\\s?)*$',
  '(a*)*',
  '((ab)+)+',
  '^(a?){25}a{25}$',
];
const SAFE = [
  '^[a-z][a-z0-9-]{2,30}$',
  '^secret/data/[a-z0-9/_-]+$',
  '^[a-z][a-z0-9_]{2,30}$',
  '^[a-z0-9]+(-[a-z0-9]+)*$',
  '^([a-z0-9]+-)*[a-z0-9]+$',
  '^(\\d{1,3}\\.){3}\\d{1,3}$',
  '^(foo|bar)+$',
  '^[{}]+$',
  '^x\\-y+$',
  '^\\d+$',
];

function configWithPattern(pattern: string): Record<string, unknown> {
  return {
    ...baseTeamConfig(),
    requests: {
      channel: 'C0REQUESTS',
      types: [
        {
          id: 'service',
          title: 'Service',
          description: 'A new service',
          fields: [{ id: 'name', label: 'Name', type: 'text', pattern }],
          approval: 'none',
          fulfilment: 'manual',
        },
      ],
    },
  };
}

function problems(pattern: string): string[] {
  try {
    validateTeamConfig(configWithPattern(pattern));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('request field patterns (ReDoS)', () => {
  it.each(CATASTROPHIC)('refuses %s at start-up, naming the field', (pattern) => {
    expect(catastrophicBacktracking(pattern)).toMatch(/repeats/);
    expect(problems(pattern)).toEqual([
      expect.stringMatching(/^groundcrew\.yml: requests\.types\[0\]\.fields\[0\]\.pattern: .*backtrack/),
    ]);
  });

  it.each(SAFE)('accepts %s', (pattern) => {
    expect(catastrophicBacktracking(pattern)).toBeNull();
    expect(problems(pattern)).toEqual([]);
  });

  it('accepts every pattern of the example and demo configs', () => {
    for (const file of ['groundcrew.example.yml', 'src/playground/demo.yml']) {
      const text = readFileSync(file, 'utf8');
      const patterns = [...text.matchAll(/pattern: ['"](.+)['"]/g)].map((m) => m[1]!.replace(/\\\\/g, '\\'));
      expect(patterns.length).toBeGreaterThan(0);
      for (const pattern of patterns) expect(catastrophicBacktracking(pattern), pattern).toBeNull();
    }
  });

  it('the reported attack (^(a+)+$ with a 29-character answer) cannot reach the matcher: the config is refused', () => {
    // Before: the type loaded, and validateField ran /^(a+)+$/ on 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa!' (15 s of CPU).
    const yaml = `timezone: Europe/Berlin
admins: [U0ADMIN01]
platformTeam: [S0PLATFORM]
channels: { help: C0HELP0001, announcements: C0ANNOUNCE }
requests:
  channel: C0REQUESTS
  types:
    - id: service
      title: Service
      description: A new service
      approval: none
      fulfilment: manual
      fields:
        - { id: name, label: Name, type: text, pattern: '^(a+)+$' }
`;
    expect(() => parseTeamConfig(yaml, '/etc/groundcrew.yml')).toThrow(ConfigError);
    expect(() => parseTeamConfig(yaml, '/etc/groundcrew.yml')).toThrow(/fields\[0\]\.pattern/);
  });

  it('refuses a text answer over TEXT_ANSWER_MAX characters before any pattern runs', () => {
    const field = validateTeamConfig(configWithPattern('^[a-z]+$')).requests!.types[0]!.fields[0]!;
    const now = new Date('2026-11-23T10:00:00Z');
    expect(validateField(field, 'a'.repeat(TEXT_ANSWER_MAX), now, 'UTC')).toEqual({
      value: 'a'.repeat(TEXT_ANSWER_MAX),
    });
    expect(validateField(field, 'a'.repeat(TEXT_ANSWER_MAX + 1), now, 'UTC')).toEqual({
      error: `At most ${TEXT_ANSWER_MAX} characters.`,
    });
  });
});
