import { describe, expect, it } from 'vitest';
import { REPLICA_ID_PATTERN, ReplicaIdError, replicaId } from '../src/replica.js';

describe('the replica id', () => {
  it('is GROUNDCREW_REPLICA_ID when set (trimmed)', () => {
    expect(replicaId({ GROUNDCREW_REPLICA_ID: ' groundcrew-7d9f-2 ' })).toBe('groundcrew-7d9f-2');
  });

  it('else <hostname>-<pid>-<4 hex>, so two processes with the same host name and pid still differ', () => {
    const sources = { hostname: () => 'web-1', pid: 1 };
    expect(replicaId({}, { ...sources, random: () => 'a1b2' })).toBe('web-1-1-a1b2');
    const ids = new Set(Array.from({ length: 20 }, () => replicaId({ GROUNDCREW_REPLICA_ID: '' }, sources)));
    expect(ids.size).toBeGreaterThan(1);
    for (const id of ids) expect(id).toMatch(/^web-1-1-[0-9a-f]{4}$/);
  });

  it('this process gets a usable one from its own host name and pid', () => {
    const id = replicaId({});
    expect(id).toMatch(REPLICA_ID_PATTERN);
    expect(id).toContain(`-${process.pid}-`);
  });

  it('a host name with odd characters still gives a usable id', () => {
    const id = replicaId({}, { hostname: () => '_pod name/ä', pid: 42, random: () => '0f0f' });
    expect(id).toBe('pod-name-42-0f0f');
    expect(id).toMatch(REPLICA_ID_PATTERN);
    expect(replicaId({}, { hostname: () => '', pid: 42, random: () => '0f0f' })).toBe('groundcrew-42-0f0f');
    expect(replicaId({}, { hostname: () => 'h'.repeat(300), pid: 4194304, random: () => 'ffff' })).toMatch(
      REPLICA_ID_PATTERN,
    );
  });

  it('refuses a GROUNDCREW_REPLICA_ID that could not be shown or stored as one word', () => {
    for (const bad of ['two words', '-leading', 'x'.repeat(65), 'semi;colon']) {
      expect(() => replicaId({ GROUNDCREW_REPLICA_ID: bad }), bad).toThrow(ReplicaIdError);
    }
  });
});
