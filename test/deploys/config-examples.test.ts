import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTeamConfig } from '../../src/config.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('documented deploys configuration', () => {
  it('groundcrew.example.yml has a valid deploys section with both executors', () => {
    const deploys = parseTeamConfig(read('groundcrew.example.yml')).deploys!;
    expect(deploys.services.map((s) => s.name)).toEqual(['storefront', 'billing']);
    expect(Object.values(deploys.executors).map((e) => e.type)).toEqual(['github-actions', 'webhook']);
    expect(deploys.environments[1]?.approvals).toEqual({
      count: 2,
      approvers: { users: ['U0LEAD001'], usergroups: ['S0SRE0001'] },
    });
  });

  it('the documented example of the deploys section is valid', () => {
    const reference = read('docs/configuration.md');
    const section = reference.slice(reference.indexOf('## deploys'));
    const block = /```yaml\n(deploys:\n[\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBeDefined();
    const team = parseTeamConfig(`admins: [U0ADMIN01]\ntimezone: Europe/Berlin\n${block}`);
    expect(team.deploys?.freezes.recurring[0]?.from).toEqual({ day: 'friday', time: '16:00' });
    expect(team.deploys?.runTimeout).toBe(3 * 3600_000);
  });
});
