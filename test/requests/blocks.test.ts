import { describe, expect, it } from 'vitest';
import { mrkdwn } from '../../src/mrkdwn.js';
import type { RequestType } from '../../src/requests/config.js';
import { formModel } from '../../src/requests/form.js';
import type { RequestRow } from '../../src/requests/repo.js';
import { wrapLine } from '../../src/requests/slack/answers.js';
import { listBlocks, queueCard, queueMessage, requesterMessage } from '../../src/requests/slack/blocks.js';
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
    webhookAttemptStartedAt: null,
    nextAttemptAt: null,
    deliveredAt: null,
    lastError: null,
    queueChannel: 'C0Q',
    queueTs: '1.2',
    slaFlaggedAt: null,
    nonce: 'n0nce7',
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
    ).toEqual(['requests.done', 'requests.reject']);
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

  it('shows an output URL that could close the link early as text, not as a link and a mention', () => {
    const message = requesterMessage(
      row({ status: 'done', mode: 'webhook', outputs: { dashboard: 'https://x.example/d><!channel>|<@U0VICTIM1>' } }),
      type,
    );
    const text = blockText(message.blocks);
    expect(text).toContain('• dashboard: https://x.example/d&gt;&lt;!channel&gt;|&lt;@U0VICTIM1&gt;');
    expect(text).not.toMatch(/<!channel>|<@U0VICTIM1>|<https/);
  });
});

describe('request blocks within Slack limits', () => {
  const textOf = (b: { type: string }) =>
    'text' in b && b.text && typeof b.text === 'object' && 'text' in b.text ? String(b.text.text) : '';
  const longType: RequestType = {
    ...type,
    fields: Array.from({ length: 40 }, (_, i) => ({
      id: `f${i}`,
      label: `Field ${i}`,
      type: 'textarea',
      required: false,
    })),
  };

  it('shows a long answer in full at full width, over several sections of at most 3000 characters', () => {
    const essay = Array.from({ length: 500 }, (_, i) => `word${i} & <more>`).join(' ');
    const card = queueCard(row({ fields: { f0: 'short', f1: essay } }), type);
    const sections = card.blocks.filter((b) => b.type === 'section' && 'text' in b && b.text);
    const long = sections.filter((b) => textOf(b).includes('word'));
    expect(long.length).toBeGreaterThan(2);
    expect(long.every((b) => textOf(b).length <= 3000)).toBe(true);
    // Nothing lost: every piece of the escaped answer is on the card, no escape split.
    const joined = long.map(textOf).join(' ').replace('*Field 1*\n', '');
    expect(joined).toBe(essay.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'));
    // The short answers stay side by side.
    expect(blockText(card.blocks)).toContain('*Field 0*\nshort');
  });

  it('keeps a card with forty long answers within 50 blocks, marking what was cut', () => {
    const fields = Object.fromEntries(longType.fields.map((f) => [f.id, 'x'.repeat(4000)]));
    const card = queueCard(row({ fields, status: 'queued' }), longType);
    expect(card.blocks.length).toBeLessThanOrEqual(50);
    expect(card.blocks.at(-1)?.type).toBe('actions');
    expect(blockText(card.blocks)).toContain('cut to fit Slack’s message limits');
    expect(card.blocks.every((b) => textOf(b).length <= 3000)).toBe(true);
  });

  it('gives the requester every output even when they pass one section', () => {
    const outputs = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`key${i}`, `${'v'.repeat(200)}${i}`]));
    const message = requesterMessage(row({ status: 'done', mode: 'webhook', outputs }), type);
    const text = blockText(message.blocks);
    for (let i = 0; i < 30; i++) expect(text).toContain(`• key${i}: ${'v'.repeat(200)}${i}`);
    expect(message.blocks.every((b) => textOf(b).length <= 3000)).toBe(true);
  });

  it('wraps at a space, and never inside an escape or a mention', () => {
    expect(wrapLine('aaaa bbbb cccc', 10)).toEqual(['aaaa bbbb', 'cccc']);
    expect(wrapLine('abcdefg&amp;xyz', 10)).toEqual(['abcdefg', '&amp;xyz']);
    expect(wrapLine('abcd<@U123>xyz', 10)).toEqual(['abcd', '<@U123>xyz']);
  });

  it('lists at most 50 blocks and counts the lines left out', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => mrkdwn`line ${i} ${'z'.repeat(200)}`);
    const blocks = listBlocks(mrkdwn`*Title*`, lines);
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(blockText(blocks)).toMatch(/…and \d+ more/);
  });

  it('puts the platform team’s work first and what is open elsewhere after, apart', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    const message = queueMessage(
      {
        waiting: [row({ id: 2, slaFlaggedAt: now }), row({ id: 3, status: 'claimed', claimedBy: 'U0PLAT001' })],
        elsewhere: [row({ id: 1, mode: 'webhook', status: 'awaiting_approval' })],
      },
      () => type,
      now,
    );
    expect(message.text).toBe('Waiting for the platform team: 2, 1 past SLA; 1 open elsewhere');
    const text = blockText(message.blocks);
    expect(text.indexOf('#2 ')).toBeLessThan(text.indexOf('#3 '));
    expect(text.indexOf('#3 ')).toBeLessThan(text.indexOf('*Open elsewhere* (1)'));
    expect(text.indexOf('*Open elsewhere* (1)')).toBeLessThan(text.indexOf('#1 '));
    expect(message.blocks?.some((b) => b.type === 'divider')).toBe(true);
    const onlyElsewhere = queueMessage(
      { waiting: [], elsewhere: [row({ id: 1, status: 'in_progress' })] },
      () => type,
      now,
    );
    expect(blockText(onlyElsewhere.blocks)).toContain('*Waiting for the platform team:* nothing.');
    expect(queueMessage({ waiting: [], elsewhere: [] }, () => type, now).text).toBe(
      'The request queue is empty. :sparkles:',
    );
  });
});
