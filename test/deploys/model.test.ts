import { describe, expect, it } from 'vitest';
import { validateTeamConfig } from '../../src/config.js';
import type { DeploysConfig } from '../../src/deploys/config.js';
import { freezeStatus } from '../../src/deploys/freezes.js';
import {
  canTransition,
  deployMetrics,
  nextPollDelayMs,
  type PreflightInput,
  preflight,
  rollbackTarget,
} from '../../src/deploys/model.js';

const config: DeploysConfig = validateTeamConfig({
  timezone: 'Europe/Berlin',
  admins: ['U0ADMIN01'],
  deploys: {
    channel: 'C0DEPLOYS1',
    environments: [{ name: 'staging' }, { name: 'production', approvals: { count: 2, approvers: ['S0SRE0001'] } }],
    executors: { gha: { type: 'github-actions', repo: 'acme/web', workflow: 'deploy.yml' } },
    services: [
      { name: 'web', environments: ['staging', 'production'], executor: 'gha' },
      { name: 'batch', environments: ['staging'], executor: 'gha' },
    ],
    freezes: { holidays: [{ date: '2026-12-25', environments: ['production'] }] },
  },
}).deploys!;

const now = new Date('2026-11-23T10:00:00Z');
function input(overrides: Partial<PreflightInput> = {}): PreflightInput {
  return {
    config,
    userId: 'U0ALICE01',
    service: 'web',
    environment: 'production',
    ref: 'main',
    isOwner: true,
    mayBreakGlass: false,
    freeze: null,
    locks: [],
    activeDeploys: [],
    zone: 'Europe/Berlin',
    now,
    ...overrides,
  };
}

describe('preflight', () => {
  it('passes a clean deploy and says how many approvals production needs', () => {
    const result = preflight(input());
    expect(result).toMatchObject({ ok: true, problems: [], approvalsNeeded: 2, breaksGlass: false });
  });

  it('lists every blocking reason at once, each on its field', () => {
    const result = preflight(
      input({
        service: 'batch',
        ref: 'bad ref!',
        isOwner: false,
        locks: [
          {
            id: 1,
            nonce: null,
            environment: 'production',
            service: null,
            holder: 'U0BOB0001',
            reason: 'db migration',
            createdAt: now,
            expiresAt: new Date('2026-11-23T12:00:00Z'),
          },
        ],
        activeDeploys: [
          { id: 9, service: 'batch', environment: 'production', status: 'running', requestedBy: 'U0BOB0001' },
        ],
      }),
    );
    expect(result.problems.map((p) => [p.code, p.field])).toEqual([
      ['not_owner', 'service'],
      ['environment_not_allowed', 'environment'],
      ['bad_ref', 'ref'],
      ['locked', 'environment'],
      ['already_running', 'service'],
    ]);
    expect(result.problems[3]?.message).toBe(
      'production is locked by <@U0BOB0001> — "db migration" (until Mon 13:00 Europe/Berlin); ask them to unlock, or use Notify me when free in `/platform locks`.',
    );
  });

  it('ignores the caller’s own lock and locks on other services', () => {
    const locks = [
      {
        id: 1,
        nonce: null,
        environment: 'production',
        service: null,
        holder: 'U0ALICE01',
        reason: 'mine',
        createdAt: now,
        expiresAt: now,
      },
      {
        id: 2,
        nonce: null,
        environment: 'production',
        service: 'batch',
        holder: 'U0BOB0001',
        reason: 'theirs',
        createdAt: now,
        expiresAt: now,
      },
    ];
    expect(preflight(input({ locks })).ok).toBe(true);
  });

  it('explains a freeze with its end and what to do; break glass needs permission and a reason', () => {
    const at = new Date('2026-12-25T09:00:00Z');
    const freeze = freezeStatus({ config: config.freezes, adhoc: [], zone: 'Europe/Berlin' }, 'production', at);
    const blocked = preflight(input({ now: at, freeze }));
    expect(blocked.problems[0]?.message).toBe(
      'production is frozen until Sat 00:00 Europe/Berlin — holiday freeze; ask an admin to break glass.',
    );
    expect(preflight(input({ now: at, freeze, mayBreakGlass: true })).problems[0]?.message).toContain(
      '--break-glass --reason',
    );
    expect(preflight(input({ now: at, freeze, breakGlass: { reason: 'hotfix' } })).problems[0]?.code).toBe(
      'break_glass_not_allowed',
    );
    expect(
      preflight(input({ now: at, freeze, mayBreakGlass: true, breakGlass: { reason: undefined } })).problems[0]?.code,
    ).toBe('break_glass_needs_reason');
    const broken = preflight(input({ now: at, freeze, mayBreakGlass: true, breakGlass: { reason: 'hotfix' } }));
    expect(broken).toMatchObject({ ok: true, breaksGlass: true });
  });

  it('names unknown services and environments with the known ones', () => {
    const result = preflight(input({ service: 'api', environment: 'prod' }));
    expect(result.problems.map((p) => p.message)).toEqual([
      'There is no service "api". Services: web, batch.',
      'There is no environment "prod". Environments: staging, production.',
    ]);
  });
});

describe('lifecycle and figures', () => {
  it('allows only the documented transitions', () => {
    expect(canTransition('requested', 'awaiting_approval')).toBe(true);
    expect(canTransition('awaiting_approval', 'running')).toBe(false);
    expect(canTransition('running', 'succeeded')).toBe(true);
    expect(canTransition('succeeded', 'running')).toBe(false);
  });

  it('computes deploys per week, change failure rate and median lead time', () => {
    const at = (iso: string) => new Date(iso);
    const metrics = deployMetrics(
      [
        {
          status: 'succeeded',
          requestedAt: at('2026-11-20T10:00:00Z'),
          finishedAt: at('2026-11-20T10:10:00Z'),
          rolledBack: false,
        },
        {
          status: 'succeeded',
          requestedAt: at('2026-11-21T10:00:00Z'),
          finishedAt: at('2026-11-21T10:30:00Z'),
          rolledBack: true,
        },
        {
          status: 'failed',
          requestedAt: at('2026-11-22T10:00:00Z'),
          finishedAt: at('2026-11-22T10:05:00Z'),
          rolledBack: false,
        },
        {
          status: 'succeeded',
          requestedAt: at('2026-11-22T11:00:00Z'),
          finishedAt: at('2026-11-22T11:20:00Z'),
          rolledBack: false,
        },
        { status: 'rejected', requestedAt: at('2026-11-22T12:00:00Z'), finishedAt: null, rolledBack: false },
        {
          status: 'succeeded',
          requestedAt: at('2026-09-01T10:00:00Z'),
          finishedAt: at('2026-09-01T10:01:00Z'),
          rolledBack: false,
        },
      ],
      now,
    );
    expect(metrics).toEqual({
      windowDays: 28,
      perWeek: 1,
      changeFailureRate: 0.5,
      medianLeadTimeMs: 20 * 60_000,
      ran: 4,
    });
  });

  it('rolls back to the latest earlier success with a different ref', () => {
    const history = [
      { id: 5, ref: 'v3', status: 'succeeded' as const },
      { id: 4, ref: 'v3', status: 'succeeded' as const },
      { id: 3, ref: 'v2.1', status: 'failed' as const },
      { id: 2, ref: 'v2', status: 'succeeded' as const },
      { id: 1, ref: 'v1', status: 'succeeded' as const },
    ];
    expect(rollbackTarget(history, history[0]!)?.ref).toBe('v2');
    expect(rollbackTarget(history, history[3]!)?.ref).toBe('v1');
    expect(rollbackTarget(history, history[4]!)).toBeNull();
  });

  it('backs off polling to at most every 10 minutes', () => {
    expect([0, 4, 5, 10, 15, 50].map(nextPollDelayMs)).toEqual([60_000, 60_000, 120_000, 240_000, 480_000, 600_000]);
  });
});
