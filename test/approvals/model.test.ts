import { describe, expect, it } from 'vitest';
import {
  affectedUsers,
  awaits,
  checkDecision,
  eligibleApprovers,
  expiryOf,
  isDue,
  statusFromDecisions,
  tally,
} from '../../src/approvals/model.js';
import type { Approval, ApprovalDecision } from '../../src/approvals/types.js';
import { createManualClock, HOUR } from '../../src/clock.js';

const CREATED = new Date('2026-03-29T00:30:00Z'); // the night Europe/Berlin moves to summer time

function approval(overrides: Partial<Approval> = {}): Approval {
  return {
    id: 7,
    nonce: null,
    subjectType: 'deploy',
    subjectId: '42',
    requester: 'UREQ',
    required: 2,
    approvers: ['UA', 'UB', 'UC'],
    status: 'pending',
    decisions: [],
    createdAt: CREATED,
    expiresAt: expiryOf(CREATED, 2 * HOUR),
    ...overrides,
  };
}

const approve = (userId: string, at = CREATED): ApprovalDecision => ({ userId, decision: 'approve', at });
const reject = (userId: string, reason: string, at = CREATED): ApprovalDecision => ({
  userId,
  decision: 'reject',
  reason,
  at,
});

describe('eligibleApprovers', () => {
  it('drops the requester and duplicates (a user named directly and through a usergroup)', () => {
    expect(eligibleApprovers(['UA', 'UREQ', 'UB', 'UA'], 'UREQ')).toEqual(['UA', 'UB']);
  });
});

describe('tally and statusFromDecisions', () => {
  it('stays pending with 1 of 2 approvals and approves at 2 distinct approvers', () => {
    expect(statusFromDecisions(approval({ decisions: [approve('UA')] }))).toBe('pending');
    expect(tally(approval({ decisions: [approve('UA')] })).remaining).toBe(1);
    expect(statusFromDecisions(approval({ decisions: [approve('UA'), approve('UB')] }))).toBe('approved');
  });

  it('counts the same approver once however many times they appear', () => {
    const a = approval({ decisions: [approve('UA'), approve('UA')] });
    expect(tally(a)).toEqual({ approvedBy: ['UA'], rejectedBy: [], remaining: 1 });
    expect(statusFromDecisions(a)).toBe('pending');
  });

  it('never counts the requester or people outside the approvers, even if a decision was stored', () => {
    const a = approval({ required: 1, decisions: [approve('UREQ'), approve('UOUTSIDER')] });
    expect(tally(a).approvedBy).toEqual([]);
    expect(statusFromDecisions(a)).toBe('pending');
  });

  it('N-of-M: 2 of 3 is enough, the third approver is not needed', () => {
    const a = approval({ required: 2, approvers: ['UA', 'UB', 'UC'], decisions: [approve('UC'), approve('UA')] });
    expect(statusFromDecisions(a)).toBe('approved');
    expect(tally(a).approvedBy).toEqual(['UC', 'UA']);
  });

  it('one rejection short-circuits: rejected even with enough approvals otherwise pending', () => {
    expect(statusFromDecisions(approval({ decisions: [approve('UA'), reject('UB', 'not during the freeze')] }))).toBe(
      'rejected',
    );
    expect(tally(approval({ decisions: [reject('UB', 'no')] })).rejectedBy).toEqual([{ userId: 'UB', reason: 'no' }]);
  });
});

describe('checkDecision', () => {
  const now = new Date('2026-03-29T01:00:00Z');

  it('lets an eligible approver who has not decided approve or reject', () => {
    expect(checkDecision(approval(), 'UA', 'approve', now)).toBeNull();
    expect(checkDecision(approval(), 'UA', 'reject', now, 'too risky')).toBeNull();
  });

  it('refuses the requester, even when the requester is listed as an approver', () => {
    expect(checkDecision(approval(), 'UREQ', 'approve', now)?.code).toBe('requester');
    expect(checkDecision(approval({ approvers: ['UREQ', 'UA'] }), 'UREQ', 'approve', now)?.code).toBe('requester');
  });

  it('refuses someone who is not an approver', () => {
    const refusal = checkDecision(approval(), 'UZ', 'approve', now);
    expect(refusal?.code).toBe('not_approver');
    expect(refusal?.message).toContain('not one of the approvers');
  });

  it('refuses a second decision by the same approver (double click)', () => {
    const refusal = checkDecision(approval({ decisions: [approve('UA')] }), 'UA', 'approve', now);
    expect(refusal).toEqual({ code: 'already_decided', message: expect.stringContaining('already approved') });
  });

  it('refuses decisions on resolved approvals, naming the status', () => {
    for (const status of ['approved', 'rejected', 'expired', 'cancelled'] as const) {
      const refusal = checkDecision(approval({ status }), 'UA', 'approve', now);
      expect(refusal?.code).toBe('resolved');
      expect(refusal?.message).toContain(`already ${status}`);
    }
  });

  it('requires a non-blank reason to reject', () => {
    expect(checkDecision(approval(), 'UA', 'reject', now, '   ')?.code).toBe('reason_required');
  });
});

describe('expiry', () => {
  it('expires at exactly the TTL, by a manual clock (not a millisecond before)', () => {
    const clock = createManualClock(CREATED);
    const a = approval();
    expect(a.expiresAt.toISOString()).toBe('2026-03-29T02:30:00.000Z');
    clock.advance(2 * HOUR - 1);
    expect(isDue(a, clock.now())).toBe(false);
    expect(checkDecision(a, 'UA', 'approve', clock.now())).toBeNull();
    clock.advance(1);
    expect(isDue(a, clock.now())).toBe(true);
    expect(checkDecision(a, 'UA', 'approve', clock.now())?.code).toBe('expired');
  });

  it('TTL is absolute time: the DST jump in Berlin does not stretch or shrink it', () => {
    // 01:00 UTC on 2026-03-29 is when Berlin clocks jump 02:00 → 03:00; two real hours still pass.
    expect(expiryOf(new Date('2026-03-29T00:30:00Z'), 2 * HOUR).getTime() - CREATED.getTime()).toBe(2 * HOUR);
  });

  it('only pending approvals are due', () => {
    const late = new Date('2026-03-30T00:00:00Z');
    expect(isDue(approval({ status: 'approved' }), late)).toBe(false);
    expect(isDue(approval(), late)).toBe(true);
  });
});

describe('awaits and affectedUsers', () => {
  const now = new Date('2026-03-29T01:00:00Z');
  it('an approval waits on approvers who have not decided, not on the requester', () => {
    const a = approval({ decisions: [approve('UA')] });
    expect(['UA', 'UB', 'UC', 'UREQ'].filter((u) => awaits(a, u, now))).toEqual(['UB', 'UC']);
  });
  it('affected users are the approvers plus the requester', () => {
    expect(affectedUsers(approval())).toEqual(['UA', 'UB', 'UC', 'UREQ']);
  });
});
