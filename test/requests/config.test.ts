import { describe, expect, it } from 'vitest';
import { ConfigError, validateTeamConfig } from '../../src/config.js';
import { baseTeamConfig } from '../support/harness.js';

function problems(requests: unknown): string[] {
  try {
    validateTeamConfig({ ...baseTeamConfig(), requests });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const validType = {
  id: 'database',
  title: 'Database',
  description: 'A Postgres database',
  fields: [
    { id: 'name', label: 'Name', type: 'text', required: true, pattern: '^[a-z]+$', patternMessage: 'lowercase' },
    { id: 'size', label: 'Size', type: 'select', options: ['small', { value: 'large', label: 'Large (64 GB)' }] },
  ],
  approval: { count: 1, approvers: ['S0PLATFORM'], ttl: '4h' },
  fulfilment: { webhook: { url: 'https://automation.example.com/db', secret: 'a-long-shared-secret-123' } },
  sla: '2d',
};

describe('requests config', () => {
  it('parses a valid type: options normalised, durations in ms, defaults filled', () => {
    const team = validateTeamConfig({ ...baseTeamConfig(), requests: { channel: 'C0REQUESTS', types: [validType] } });
    const type = team.requests!.types[0]!;
    expect(type.fields[1]!.options).toEqual([
      { value: 'small', label: 'small' },
      { value: 'large', label: 'Large (64 GB)' },
    ]);
    expect(type.fields[1]!.required).toBe(false);
    expect(type.approval).toEqual({
      count: 1,
      approvers: { users: [], usergroups: ['S0PLATFORM'] },
      ttl: 4 * 3_600_000,
    });
    expect(type.fulfilment).toEqual({
      kind: 'webhook',
      url: 'https://automation.example.com/db',
      secret: 'a-long-shared-secret-123',
      retries: 3,
    });
    expect(type.sla).toBe(2 * 86_400_000);
  });

  it('accepts approval: none and fulfilment: manual', () => {
    const team = validateTeamConfig({
      ...baseTeamConfig(),
      requests: { channel: 'C0REQUESTS', types: [{ ...validType, approval: 'none', fulfilment: 'manual' }] },
    });
    expect(team.requests!.types[0]!.approval).toBeNull();
    expect(team.requests!.types[0]!.fulfilment).toEqual({ kind: 'manual' });
    const { approval: _omitted, ...withoutApproval } = validType;
    const defaults = validateTeamConfig({
      ...baseTeamConfig(),
      requests: { channel: 'C0REQUESTS', types: [withoutApproval] },
    });
    expect(defaults.requests!.types[0]!.approval).toBeNull();
  });

  it('reports an unknown field type, a select without options and a bad regex with their paths', () => {
    const broken = {
      ...validType,
      id: 'broken',
      fields: [
        { id: 'a', label: 'A', type: 'colour' },
        { id: 'b', label: 'B', type: 'select' },
        { id: 'c', label: 'C', type: 'text', pattern: '^[a-z+$' },
      ],
    };
    expect(problems({ channel: 'C0REQUESTS', types: [validType, broken] })).toEqual([
      'groundcrew.yml: requests.types[1].fields[0].type: unknown field type "colour" (known: text, textarea, select, multiselect, user, channel, number, date)',
      'groundcrew.yml: requests.types[1].fields[1].options: a select field needs at least one option',
      expect.stringMatching(
        /^groundcrew\.yml: requests\.types\[1\]\.fields\[2\]\.pattern: not a valid regular expression: .+/,
      ),
    ]);
  });

  it('reports duplicate field and type ids, unsafe ids, bad durations and defaults', () => {
    const broken = {
      ...validType,
      id: 'database',
      fields: [
        { id: 'name', label: 'A', type: 'text' },
        { id: 'name', label: 'B', type: 'number', min: 5, max: 1, default: 9 },
        { id: 'Bad Id', label: 'C', type: 'select', options: ['x'], default: 'y' },
      ],
      sla: 'soon',
    };
    const found = problems({ channel: 'C0REQUESTS', types: [validType, broken] });
    expect(found).toContain('groundcrew.yml: requests.types[1].sla: expected a duration like 4h or 2d, got "soon"');
    expect(found).toContain('groundcrew.yml: requests.types[1].fields[1].max: max (1) is below min (5)');
    expect(found).toContain('groundcrew.yml: requests.types[1].fields[1].default: default 9 is outside min/max');
    expect(found).toContain(
      'groundcrew.yml: requests.types[1].fields[2].default: default "y" is not one of the options',
    );
    expect(found.some((p) => p.startsWith('groundcrew.yml: requests.types[1].fields[2].id: a field id must be'))).toBe(
      true,
    );
  });

  it('reports duplicate ids once the fields themselves are valid', () => {
    const dupFields = { ...validType, id: 'other', fields: [validType.fields[0], validType.fields[0]] };
    expect(problems({ channel: 'C0REQUESTS', types: [validType, dupFields, validType] })).toEqual([
      'groundcrew.yml: requests.types[1].fields[1].id: field id "name" is used twice',
      'groundcrew.yml: requests.types[2].id: request type id "database" is used twice',
    ]);
  });

  it('reports a bad fulfilment and approval readably', () => {
    const found = problems({
      channel: 'C0REQUESTS',
      types: [
        { ...validType, approval: { count: 2, approvers: [] }, fulfilment: { webhook: { url: 'nope', secret: 'x' } } },
      ],
    });
    expect(found).toEqual([
      'groundcrew.yml: requests.types[0].approval.approvers: name at least one approver (user ID or usergroup ID)',
      'groundcrew.yml: requests.types[0].fulfilment.webhook.url: expected the webhook URL, like https://automation.example.com/hooks/new-service',
      'groundcrew.yml: requests.types[0].fulfilment.webhook.secret: the shared signing secret must be at least 16 characters',
    ]);
    expect(problems({ channel: 'C0REQUESTS', types: [{ ...validType, fulfilment: 'auto' }] })).toEqual([
      'groundcrew.yml: requests.types[0].fulfilment: expected "manual" or { webhook: { url, secret, retries } }, got "auto"',
    ]);
  });
});

describe('requests config: the picker’s limit', () => {
  it('accepts 100 types and refuses 101 (one Slack select holds 100 options)', () => {
    const types = (n: number) => Array.from({ length: n }, (_, i) => ({ ...validType, id: `type-${i}` }));
    expect(problems({ channel: 'C0REQUESTS', types: types(100) })).toEqual([]);
    expect(problems({ channel: 'C0REQUESTS', types: types(101) })).toEqual([
      'groundcrew.yml: requests.types: at most 100 request types (the picker is one Slack select)',
    ]);
  });
});

describe('groundcrew.example.yml requests section', () => {
  it('ships at least four realistic types that validate', async () => {
    const { readFileSync } = await import('node:fs');
    const { parseTeamConfig } = await import('../../src/config.js');
    const team = parseTeamConfig(readFileSync(new URL('../../groundcrew.example.yml', import.meta.url), 'utf8'));
    expect(team.requests?.types.map((t) => t.id)).toEqual([
      'new-service',
      'database',
      'secrets-access',
      'monitoring-alert',
    ]);
    expect(team.requests?.types.map((t) => t.fulfilment.kind)).toEqual(['webhook', 'webhook', 'manual', 'webhook']);
  });
});
