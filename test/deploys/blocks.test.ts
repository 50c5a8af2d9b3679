import { describe, expect, it } from 'vitest';
import type { DeploysConfig } from '../../src/deploys/config.js';
import type { DeployRow } from '../../src/deploys/schema.js';
import { deployModal, historyMessage, statusMessage } from '../../src/deploys/slack/blocks.js';
import { DEPLOY_IDS } from '../../src/deploys/slack/ids.js';

const at = new Date('2026-11-23T10:00:00Z');
function row(overrides: Partial<DeployRow> = {}): DeployRow {
  return {
    id: 7,
    service: 'storefront',
    environment: 'production',
    ref: 'v1.2.3',
    reason: 'a <b>reason</b> & more',
    requestedBy: 'U0ALICE01',
    status: 'running',
    executor: 'web-actions',
    breakGlassReason: null,
    rollbackOf: null,
    requestedAt: at,
    updatedAt: at,
    startedAt: at,
    finishedAt: null,
    finishedBy: null,
    approvalId: null,
    approvedBy: null,
    runId: '99',
    runUrl: 'https://github.com/acme/web/actions/runs/99',
    nextPollAt: null,
    pollAttempts: 0,
    pollErrors: 0,
    detail: null,
    channel: 'C0DEPLOYS1',
    messageTs: '1.1',
    ...overrides,
  };
}

const walk = (node: unknown, visit: (o: Record<string, unknown>) => void): void => {
  if (Array.isArray(node)) for (const n of node) walk(n, visit);
  else if (node && typeof node === 'object') {
    visit(node as Record<string, unknown>);
    for (const v of Object.values(node)) walk(v, visit);
  }
};

describe('status message', () => {
  it('escapes user text, offers Cancel while running and Roll back once succeeded', () => {
    const running = statusMessage(row());
    const text = JSON.stringify(running.blocks);
    expect(text).toContain('a &lt;b&gt;reason&lt;/b&gt; &amp; more');
    expect(text).toContain(DEPLOY_IDS.cancelButton);
    expect(text).not.toContain(DEPLOY_IDS.rollbackButton);
    const done = statusMessage(row({ status: 'succeeded', finishedAt: new Date(at.getTime() + 90_000) }));
    expect(JSON.stringify(done.blocks)).toContain('*Duration* 1m 30s');
    expect(JSON.stringify(done.blocks)).toContain(DEPLOY_IDS.rollbackButton);
    expect(JSON.stringify(done.blocks)).not.toContain(DEPLOY_IDS.cancelButton);
  });

  it('keeps mentions in the detail line and stays within Slack limits with long input', () => {
    const long = 'x'.repeat(5000);
    const message = statusMessage(
      row({ reason: long, detail: `cancelled by <@U0BOB0001> ${long}`, status: 'cancelled' }),
    );
    expect(JSON.stringify(message.blocks)).toContain('cancelled by <@U0BOB0001>');
    walk(message.blocks, (o) => {
      if (o.type === 'mrkdwn' && typeof o.text === 'string') expect(o.text.length).toBeLessThanOrEqual(3000);
    });
    const history = historyMessage(
      Array.from({ length: 15 }, (_, i) => row({ id: i + 1, reason: long })),
      [],
    );
    expect(history.blocks.length).toBeLessThanOrEqual(50);
  });
});

describe('deploy modal', () => {
  it('uses short labels and option values within Slack limits', () => {
    const service = {
      name: 'storefront',
      description: 'd'.repeat(200),
      owners: { users: [], usergroups: [] },
      environments: ['staging', 'production'],
      executor: 'web-actions',
    } satisfies DeploysConfig['services'][number];
    const view = deployModal({ services: [service], selected: service, mayBreakGlass: true, privateMetadata: '{}' });
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    walk(view.blocks, (o) => {
      if (o.type === 'plain_text' && typeof o.text === 'string') expect(o.text.length).toBeLessThanOrEqual(75);
      if (typeof o.value === 'string') expect(o.value.length).toBeLessThanOrEqual(150);
    });
    expect(view.blocks.map((b) => b.block_id)).toEqual([
      DEPLOY_IDS.serviceBlock,
      'deploys.environment.storefront',
      DEPLOY_IDS.refBlock,
      DEPLOY_IDS.reasonBlock,
      DEPLOY_IDS.breakGlassBlock,
    ]);
  });
});
