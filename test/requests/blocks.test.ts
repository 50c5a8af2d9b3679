import { describe, expect, it } from 'vitest';
import type { RequestType } from '../../src/requests/config.js';
import { formModel } from '../../src/requests/form.js';
import type { RequestRow } from '../../src/requests/repo.js';
import { queueCard, requesterMessage } from '../../src/requests/slack/blocks.js';
import { formView, handlingLine, pickerView } from '../../src/requests/slack/form-blocks.js';
import { blockText } from '../support/harness.js';

const longTitle = 'Provision a brand-new PostgreSQL database cluster';
const type: RequestType = {
  id: 'db',
  title: longTitle,
  description: 'A managed Postgres database with backups, point-in-time recovery and read replicas where needed.',
  fields: Array.from({ length: 12 }, (_, i) => ({
    id: `f${i}`,
    label: `Field ${i}`,
    type: 'text' as const,
    required: i === 0,
  })),
  approval: { count: 2, approvers: { users: ['U1'], usergroups: [] }, ttl: 3_600_000 },
  fulfilment: { kind: 'manual' },
  sla: 2 * 86_400_000,
};

function row(overrides: Partial<RequestRow> = {}): RequestRow {
  return {
    id: 7,
    typeId: 'db',
    requester: 'U0REQ0001',
    fields: Object.fromEntries(type.fields.map((f) => [f.id, `value ${f.id}`])),
    status: 'queued',
    mode: 'manual',
    submittedAt: new Date('2026-11-23T09:00:00Z'),
    updatedAt: new Date('2026-11-23T09:00:00Z'),
    completedAt: null,
    approvalId: null,
    claimedBy: null,
    resolvedBy: null,
    message: null,
    outputs: null,
    webhookAttempts: 0,
    nextAttemptAt: null,
    deliveredAt: null,
    lastError: null,
    queueChannel: 'C0Q',
    queueTs: '1.2',
    slaFlaggedAt: null,
    ...overrides,
  };
}

describe('request blocks', () => {
  it('keeps modal titles within 24 characters and option texts within 75', () => {
    const form = formView(type, formModel(type));
    expect(form.title.text).toBe('Provision a brand-new P…');
    expect(form.title.text.length).toBeLessThanOrEqual(24);
    const picker = pickerView([type]);
    const select = picker.blocks.find((b) => b.type === 'input') as unknown as {
      element: { options: { text: { text: string }; description: { text: string } }[] };
    };
    expect(select.element.options[0]!.text.text.length).toBeLessThanOrEqual(75);
    expect(select.element.options[0]!.description.text.length).toBeLessThanOrEqual(75);
    expect(handlingLine(type)).toBe('needs 2 approvals · done by the platform team · target: within 2d');
  });

  it('splits more than ten answers over several sections and shows SLA and claimant on the card', () => {
    const card = queueCard(row({ status: 'claimed', claimedBy: 'U0PLAT001', slaFlaggedAt: new Date() }), type);
    const sections = card.blocks.filter((b) => b.type === 'section' && 'fields' in b && b.fields);
    expect(sections.map((s) => ('fields' in s ? s.fields?.length : 0))).toEqual([10, 2]);
    const text = blockText(card.blocks);
    expect(text).toContain('*claimed* by <@U0PLAT001>');
    expect(text).toContain('Past its SLA');
    const buttons = card.blocks.find((b) => b.type === 'actions');
    expect(
      buttons && 'elements' in buttons ? buttons.elements.map((e) => ('action_id' in e ? e.action_id : '')) : [],
    ).toEqual(['requests_done', 'requests_reject_open']);
  });

  it('gives the requester the webhook’s outputs, escaping text and linking URLs', () => {
    const message = requesterMessage(
      row({
        status: 'done',
        mode: 'webhook',
        message: 'ok <b>',
        outputs: { dashboard: 'https://grafana.example.com/d/1', note: 'a&b' },
      }),
      type,
    );
    const text = blockText(message.blocks);
    expect(text).toContain('> ok &lt;b&gt;');
    expect(text).toContain('• dashboard: <https://grafana.example.com/d/1|https://grafana.example.com/d/1>');
    expect(text).toContain('• note: a&amp;b');
    expect(message.text).toBe(`Your request #7 ${longTitle} is done.`);
  });
});
