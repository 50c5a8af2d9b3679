import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseTeamConfig, reservedKeyNotes } from '../src/config.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('groundcrew.example.yml', () => {
  it('is a valid team file', () => {
    const team = parseTeamConfig(read('../groundcrew.example.yml'));
    expect(team.admins.length).toBeGreaterThan(0);
    expect(team.timezone).toBe('Europe/Berlin');
  });

  it('the example and the playground ask for no key that has no effect', () => {
    const example = parseTeamConfig(read('../groundcrew.example.yml'));
    expect(reservedKeyNotes(example)).toEqual([]);
    expect(parse(read('../src/playground/demo.yml'))).not.toHaveProperty('channels');
  });
});
