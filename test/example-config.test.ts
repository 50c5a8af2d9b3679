import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTeamConfig } from '../src/config.js';

describe('groundcrew.example.yml', () => {
  it('is a valid team file', () => {
    const team = parseTeamConfig(readFileSync(new URL('../groundcrew.example.yml', import.meta.url), 'utf8'));
    expect(team.admins.length).toBeGreaterThan(0);
    expect(team.timezone).toBe('Europe/Berlin');
  });
});
