import { describe, expect, it } from 'vitest';
import { approvalCardBlocks, pendingHomeBlocks, rejectModal, statusLine } from '../../src/approvals/slack/blocks.js';
import type { Approval } from '../../src/approvals/types.js';
import { mrkdwn } from '../../src/mrkdwn.js';
import { blockText } from '../support/harness.js';

const base: Approval = {
  id: 3,
  nonce: 'n0nce3',
  subjectType: 'deploy',
  subjectId: '9',
  requester: 'UREQ',
  required: 2,
  approvers: ['UA', 'UB'],
  status: 'pending',
  decisions: [],
  createdAt: new Date('2026-11-23T10:00:00Z'),
  expiresAt: new Date('2026-11-23T12:00:00Z'),
};
const card = (overrides: Partial<Approval> = {}) => ({
  approval: { ...base, ...overrides },
  subject: { title: 'Deploy api v1.2 to production', lines: [mrkdwn`*Ref:* \`v1.2\``] },
});

const types = (blocks: { type: string }[]) => blocks.map((b) => b.type);

describe('approval card', () => {
  it('shows title, lines, requester, required count, expiry and buttons while pending', () => {
    const blocks = approvalCardBlocks(card());
    const text = blockText(blocks);
    expect(text).toContain('Deploy api v1.2 to production');
    expect(text).toContain('*Ref:* `v1.2`');
    expect(text).toContain('Requested by <@UREQ> · needs 2 approvals from distinct approvers · expires after 2h');
    expect(text).toContain('<!date^1795435200^{date_short_pretty} {time}|2026-11-23 12:00 UTC>');
    expect(types(blocks).at(-1)).toBe('actions');
    expect(blocks.at(-1)).toMatchObject({ block_id: 'approvals.actions.3' });
  });

  it('has no buttons once resolved, and names the rejecter and escaped reason', () => {
    const blocks = approvalCardBlocks(
      card({
        status: 'rejected',
        resolvedAt: new Date('2026-11-23T10:30:00Z'),
        decisions: [{ userId: 'UB', decision: 'reject', reason: 'a <b> & c', at: new Date('2026-11-23T10:30:00Z') }],
      }),
    );
    expect(types(blocks)).not.toContain('actions');
    expect(blockText(blocks)).toContain('*Rejected by* <@UB>: _a &lt;b&gt; &amp; c_');
  });

  it('spreads long subject lines over several sections instead of cutting them at 3000 characters', () => {
    const lines = Array.from({ length: 8 }, (_, i) => mrkdwn`*Answer ${i}:* ${'x'.repeat(1000)} end${i}`);
    const blocks = approvalCardBlocks({ ...card(), subject: { title: 'Request #1', lines } });
    const text = blockText(blocks);
    for (let i = 0; i < 8; i++) expect(text).toContain(`end${i}`);
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(types(blocks).at(-1)).toBe('actions');
  });

  it('falls back to the bare subject when the subject cannot describe itself', () => {
    expect(blockText(approvalCardBlocks({ approval: base, subject: null }))).toContain('Approval for deploy 9');
  });

  it('status lines for every status', () => {
    expect(statusLine({ ...base, status: 'expired' })).toContain('*Expired*');
    expect(statusLine({ ...base, status: 'cancelled', cancelledBy: 'UREQ' })).toContain('*Cancelled* by <@UREQ>');
    expect(statusLine({ ...base, status: 'approved' })).toContain('*Approved*');
  });
});

describe('reject modal and Home section', () => {
  it('keeps modal title/submit/close within 24 characters and carries the approval ID', () => {
    const modal = rejectModal(card());
    for (const t of [modal.title, modal.submit, modal.close]) expect(t?.text.length).toBeLessThanOrEqual(24);
    expect(JSON.parse(modal.private_metadata ?? '')).toEqual({ approvalId: '3.n0nce3' });
  });

  it('gives every listed approval its own actions block_id and caps the list', () => {
    const cards = Array.from({ length: 12 }, (_, i) => card({ id: i + 1 }));
    const blocks = pendingHomeBlocks(cards);
    const ids = blocks.filter((b) => b.type === 'actions').map((b) => b.block_id);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
    expect(blockText(blocks)).toContain('…and 2 more');
    expect(pendingHomeBlocks([])).toEqual([]);
  });
});
