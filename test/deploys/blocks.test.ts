import { describe, expect, it } from 'vitest';
import type { DeploysConfig } from '../../src/deploys/config.js';
import type { ActiveFreeze } from '../../src/deploys/freezes.js';
import type { LockView } from '../../src/deploys/model.js';
import type { DeployRow } from '../../src/deploys/schema.js';
import {
  deployModal,
  historyMessage,
  homeSection,
  locksMessage,
  statusMessage,
} from '../../src/deploys/slack/blocks.js';
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
    requestKey: null,
    dispatchStartedAt: null,
    cancelClaimedAt: null,
    nonce: 'n0nce7',
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

describe('lists stay within Slack limits and lose no row', () => {
  const withinLimits = (blocks: unknown[], maxBlocks: number) => {
    expect(blocks.length).toBeLessThanOrEqual(maxBlocks);
    walk(blocks, (o) => {
      if (o.type === 'mrkdwn' && typeof o.text === 'string') expect(o.text.length).toBeLessThanOrEqual(3000);
    });
  };
  const longRow = (id: number) =>
    row({ id, service: `s${'v'.repeat(39)}`, environment: `e${'n'.repeat(39)}`, ref: `r${'f'.repeat(199)}` });

  it('history: 15 deploys with the longest names and refs are all listed, spread over sections', () => {
    const rows = Array.from({ length: 15 }, (_, i) => longRow(i + 1));
    const figures = rows.slice(0, 8).map((r) => ({
      service: r.service,
      environment: r.environment,
      metrics: { windowDays: 28, perWeek: 1, changeFailureRate: 0.5, medianLeadTimeMs: 60_000, ran: 4 },
    }));
    const message = historyMessage(rows, figures);
    withinLimits(message.blocks, 50);
    const text = JSON.stringify(message.blocks);
    for (let id = 1; id <= 15; id++) expect(text).toContain(`#${id} *`);
    expect(text).not.toContain('…');
  });

  it('Home: five long deploys are all shown', () => {
    const blocks = homeSection(Array.from({ length: 5 }, (_, i) => longRow(i + 1)));
    withinLimits(blocks, 100);
    for (let id = 1; id <= 5; id++) expect(JSON.stringify(blocks)).toContain(`#${id} *`);
  });

  it('/platform locks: 30 locks and 30 freezes with long reasons fit one message and say how many more', () => {
    const long = 'r'.repeat(3000);
    const locks: LockView[] = Array.from({ length: 30 }, (_, i) => ({
      id: i + 1,
      nonce: `nonce-of-lock-${i + 1}`,
      environment: 'production',
      service: `svc${i}`,
      holder: 'U0ALICE01',
      reason: long,
      createdAt: at,
      expiresAt: new Date(at.getTime() + 3_600_000),
    }));
    const freezes: ActiveFreeze[] = Array.from({ length: 30 }, (_, i) => ({
      key: `adhoc:${i}`,
      kind: 'adhoc',
      reason: long,
      environments: ['production'],
      from: at,
      until: new Date(at.getTime() + 3_600_000),
    }));
    const message = locksMessage(locks, freezes, 'Europe/Berlin', at);
    withinLimits(message.blocks, 50);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('…and 10 more lock(s).');
    expect(text).toContain('…and 10 more freeze(s).');
    // Every listed lock still shows its expiry after the cut reason.
    expect(text.match(/expires Mon 12:00 Europe\/Berlin/g)).toHaveLength(20);
  });

  it('status message: a very long reason is cut so the run link still shows', () => {
    const message = statusMessage(row({ reason: 'x'.repeat(4000) }));
    withinLimits(message.blocks, 50);
    expect(JSON.stringify(message.blocks)).toContain('GitHub run 99');
  });
});
