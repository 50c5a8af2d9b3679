import { describe, expect, it } from 'vitest';
import { ArgsError, closestMatch, parseArgs, tokenize } from '../../src/slack/command-args.js';

describe('tokenize', () => {
  it('keeps quoted values together, including the curly quotes Slack clients insert', () => {
    expect(tokenize('deploy api --reason "db migration"')).toEqual(['deploy', 'api', '--reason', 'db migration']);
    expect(tokenize('lock prod --reason “hotfix in flight”')).toEqual(['lock', 'prod', '--reason', 'hotfix in flight']);
    expect(tokenize("x 'a b' c")).toEqual(['x', 'a b', 'c']);
    expect(tokenize('  spaced   out  ')).toEqual(['spaced', 'out']);
    expect(tokenize('empty ""')).toEqual(['empty', '']);
  });

  it('refuses an unclosed quote with a hint', () => {
    expect(() => tokenize('x --reason "oops')).toThrow(ArgsError);
  });
});

describe('parseArgs', () => {
  it('separates flags from positionals', () => {
    expect(parseArgs('api staging v1.2 --reason "db migration" --for=2h --dry-run', ['dry-run'])).toEqual({
      positional: ['api', 'staging', 'v1.2'],
      flags: { reason: 'db migration', for: '2h', 'dry-run': true },
    });
  });

  it('reads an em dash as -- (Slack autocorrect)', () => {
    expect(parseArgs('api —reason hi').flags).toEqual({ reason: 'hi' });
  });

  it('does not let a boolean flag swallow the next word', () => {
    expect(parseArgs('--dry-run api', ['dry-run'])).toEqual({ positional: ['api'], flags: { 'dry-run': true } });
  });
});

describe('closestMatch', () => {
  it('suggests near misses and prefixes, not unrelated words', () => {
    const names = ['deploy', 'deploys', 'lock', 'unlock', 'locks', 'request', 'help'];
    expect(closestMatch('deplyo', names)).toBe('deploy');
    expect(closestMatch('reqest', names)).toBe('request');
    expect(closestMatch('lok', names)).toBe('lock');
    expect(closestMatch('banana', names)).toBeNull();
  });
});

describe('onlyFlags', () => {
  it('accepts known flags and names the nearest for a typo', async () => {
    const { onlyFlags, parseArgs: parse } = await import('../../src/slack/command-args.js');
    expect(() => onlyFlags(parse('api --dry-run', ['dry-run']), ['dry-run', 'reason'])).not.toThrow();
    expect(() => onlyFlags(parse('api --dryrun', ['dry-run']), ['dry-run', 'reason'])).toThrow(
      'Unknown flag --dryrun — did you mean --dry-run? It takes --dry-run, --reason. Nothing was done.',
    );
  });
});
