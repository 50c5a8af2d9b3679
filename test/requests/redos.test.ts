import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseTeamConfig, validateTeamConfig } from '../../src/config.js';
import { catastrophicBacktracking } from '../../src/requests/regex-safety.js';
import { PATTERN_ANSWER_MAX, TEXT_ANSWER_MAX, validateField } from '../../src/requests/validate.js';
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
  // A letter outside ASCII is no fence: Ā stands for every character the probe set does not sample.
  '^(\u0100+)+$',
  '^(Ā+)+$',
  // A lookaround is no fence (1.9 s on 27 characters each, accepted before).
  '^(?:a+(?!b))+$',
  '^(?:a+(?<!b))+$',
  '^(?:[a-z0-9]+(?!-))*$',
];
/** Patterns it takes polynomial time on (n² … n³ steps for an n-character answer): seconds at a few thousand. */
const POLYNOMIAL = [
  // A repeated group whose end meets its own start in the next round: 7.1 s on 49 characters, 199 s on 801.
  '^(\\s*,\\s*)*$',
  '^(?:x\\d*\\d*y?)+$',
  '^\\d*\\d*\\d*x$',
  '^\\d+\\d+\\d+x$',
  '^\\w*\\d*\\w*$',
  '\\d*\\d*x',
  '^\\w+.*\\w+$',
  'a+(b|a+)c',
  '\\d+x?\\d+!',
  // Narrow repeats that add up: each varies by less than 8, together by 27 or 70 (an optional alternative too).
  `^${'\\d?'.repeat(27)}x$`,
  `^${'\\d{0,7}'.repeat(10)}x$`,
  '\\d{0,7}'.repeat(8),
  `^${'(?:\\d|)'.repeat(27)}x$`,
  '^Ā*Ā*Ā*Ā*x$',
  // Repeated strings, not single characters: 3.5 s on 41 characters, and over 5 s on 999.
  `^${'(?:ab)?'.repeat(27)}x$`,
  '^(?:ab)*(?:ab)*(?:ab)*(?:ab)*x$',
  // Alternations of fixed strings and nested groups of them are repeated strings too (the first: 6.8 s on 401
  // characters; the third without anchors: 9.5 s on 1,001; accepted before).
  '(?:ab|ba)*(?:ab|ba)*(?:ab|ba)*',
  '^(?:ab|ba)*(?:ab|ba)*(?:ab|ba)*x$',
  '^(?:a(?:b))*(?:a(?:b))*(?:a(?:b))*x$',
  '(?:a(?:b))*(?:a(?:b))*(?:a(?:b))*',
  '^(?:ab|b)*(?:ab|b)*(?:ab|b)*x$',
  '^(?:(?:ab){2}|ba)+(?:ba|ab)*x$',
  // A lookaround ends no run (it matches nothing), and it runs again wherever an earlier stretch can end
  // (\d*(?!x)\d*(?!x)\d*x: 126 s on 1,000 digits, accepted before).
  '\\d*(?!x)\\d*(?!x)\\d*x',
  '^\\d*(?!x)\\d*(?!x)\\d*x$',
  '\\d*(?=\\d*x)\\d',
  // …also when the lookaround sits inside a later part (194 s on 1,000 digits, and 0.9 s; accepted before).
  '\\d*(?:(?=\\d*(?:(?=\\d*x)))a)',
  '\\d*(?:(?=\\d*x)a)*$',
  '\\d*(?:\\d(?=\\d*x))',
  // A group around the end or the start of a stretch hides nothing (\d*\d*x written with groups; accepted before;
  // 0.27 s, 0.33 s and, found by a random search, 0.61 s on 1,000 characters for the first, second and last).
  '\\d*(?:\\d*x)',
  '(?:x\\d*)\\d*(?:\\d*y)',
  '(?:x\\d*|y)\\d*z',
  '[a1]+(?:b*\\d*x{1,9}[ab])$',
  '^\\d*(?=\\d*x)',
  '^\\d+(?=[\\d!]*x)\\d',
  '^.*(?=.*(?=.*x))',
];
const SAFE = [
  '^(\\d+,)*\\d+$',
  '^([a-z]+-)*[a-z]+$',
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
  '^\\d?\\d:\\d\\d$',
  '^\\d+\\.\\d+$',
  '^[A-Z]{2,4}-?\\d{1,6}$',
  // A lookahead with nothing stretching before it runs once per place the pattern is tried.
  '^(?=.*\\d)[a-z\\d]{8,64}$',
  '^(?=.*[A-Z])(?=.*\\d)[A-Za-z\\d!?]{8,64}$',
  '^(?!.*--)[a-z0-9-]{3,40}$',
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

  it.each(POLYNOMIAL)('refuses %s (polynomial) at start-up, naming the field and the pattern', (pattern) => {
    expect(catastrophicBacktracking(pattern)).toMatch(/one after the other/);
    expect(problems(pattern)).toEqual([
      expect.stringMatching(/^groundcrew\.yml: requests\.types\[0\]\.fields\[0\]\.pattern: .*backtrack/),
    ]);
    expect(problems(pattern)[0]).toContain(`${JSON.stringify(pattern)} refused`);
  });

  it('a polynomial pattern would have stalled the process for seconds; what the check accepts stays fast', () => {
    const digits = `${'1'.repeat(PATTERN_ANSWER_MAX - 1)}!`;
    // Reported: ^\d*\d*\d*x$ against a long run of digits blocked the event loop for 14–18 s (3000 characters).
    const started = performance.now();
    /^\d*\d*\d*x$/.test(digits.slice(0, 400));
    const polynomial = performance.now() - started;
    // The same shapes written so the check accepts them, on the longest answer a pattern is run on.
    const rewritten = ['^\\d*x$', '\\d+x', '^\\w+\\s\\w+$', '^\\d+(\\.\\d+)*x$', '^[a-z0-9]+(-[a-z0-9]+)*$'];
    for (const pattern of rewritten) expect(catastrophicBacktracking(pattern), pattern).toBeNull();
    const start = performance.now();
    for (const pattern of rewritten) new RegExp(pattern).test(digits);
    const accepted = performance.now() - start;
    expect(polynomial).toBeGreaterThan(10 * accepted);
    expect(accepted).toBeLessThan(250);
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

  it('refuses a text answer over TEXT_ANSWER_MAX characters, and over PATTERN_ANSWER_MAX before a pattern runs', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const plain = { ...validateTeamConfig(configWithPattern('^[a-z]+$')).requests!.types[0]!.fields[0]! };
    delete plain.pattern;
    expect(validateField(plain, 'a'.repeat(TEXT_ANSWER_MAX), now, 'UTC')).toEqual({
      value: 'a'.repeat(TEXT_ANSWER_MAX),
    });
    expect(validateField(plain, 'a'.repeat(TEXT_ANSWER_MAX + 1), now, 'UTC')).toEqual({
      error: `At most ${TEXT_ANSWER_MAX} characters.`,
    });
    const field = validateTeamConfig(configWithPattern('^[a-z]+$')).requests!.types[0]!.fields[0]!;
    expect(validateField(field, 'a'.repeat(PATTERN_ANSWER_MAX), now, 'UTC')).toEqual({
      value: 'a'.repeat(PATTERN_ANSWER_MAX),
    });
    expect(validateField(field, 'a'.repeat(PATTERN_ANSWER_MAX + 1), now, 'UTC')).toEqual({
      error: `At most ${PATTERN_ANSWER_MAX} characters.`,
    });
  });
});
