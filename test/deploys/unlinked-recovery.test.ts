import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/clock.js';
import { createDeploysRepo } from '../../src/deploys/repo.js';
import type { TestApp } from '../support/harness.js';
import { eventually, gate, settled } from '../support/wait.js';
import {
  ALICE,
  auditActions,
  BOB,
  CAROL,
  DEPLOYS_CHANNEL,
  deployRow,
  dmsTo,
  ENGINEER,
  startDeploysApp,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** What a process killed right after storing a deploy leaves: the row, `requested`, with no approval linked. */
async function storedThenDied(test: TestApp, environment: 'production' | 'staging') {
  const now = test.clock.now();
  const inserted = await createDeploysRepo(test.database).insert({
    service: 'web',
    environment,
    ref: 'v2.0.0',
    reason: 'launch',
    requestedBy: ENGINEER,
    status: 'requested',
    executor: 'web-actions',
    requestedAt: now,
    updatedAt: now,
  });
  if (!('row' in inserted)) throw new Error('not stored');
  return inserted.row;
}

const cardsTo = (test: TestApp, userId: string) =>
  test.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === userId && Array.isArray(c.args.blocks));

const sweep = (test: TestApp) => test.groundcrew.services.scheduler.runNow('deploys.poll-runs');

describe('a deploy stored just before a crash, before its approval was linked', () => {
  it('is linked to a new approval by the next sweep a minute later, not after 15 minutes, and asked once', async () => {
    app = await startDeploysApp();
    await storedThenDied(app, 'production');
    await sweep(app);
    expect((await deployRow(app, 1)).status).toBe('requested'); // too fresh: its request may still be on its way

    app.clock.advance(2 * MINUTE);
    await sweep(app);
    await eventually(async () => (await deployRow(app!, 1)).status === 'awaiting_approval', {
      what: 'the deploy awaiting approval',
    });
    await sweep(app);
    await settled(app);
    const row = await deployRow(app, 1);
    const approval = await app.groundcrew.services.approvals.latestFor('deploy', '1');
    expect(row.approvalId).toBe(approval?.id);
    for (const approver of [ALICE, BOB, CAROL]) expect(cardsTo(app, approver)).toHaveLength(1);
    expect((await auditActions(app)).filter((a) => a === 'deploys.recover')).toHaveLength(1);
  });

  it('a deploy that needs no approval is failed a minute later and the requester is told', async () => {
    app = await startDeploysApp();
    await storedThenDied(app, 'staging');
    app.clock.advance(2 * MINUTE);
    await sweep(app);
    await eventually(async () => (await deployRow(app!, 1)).status === 'failed', { what: 'the deploy failed' });
    await settled(app);
    expect((await deployRow(app, 1)).detail).toContain('groundcrew stopped before starting it');
    expect(dmsTo(app, ENGINEER).some((t) => t.includes('request it again'))).toBe(true);
  });

  it('leaves alone a deploy whose own request is still asking for its approval', async () => {
    app = await startDeploysApp();
    // The request's first Slack call (the status message) hangs past the sweep's wait.
    const slack = gate();
    let held = 0;
    app.slack.on('chat.postMessage', async (args) => {
      if (args.channel === DEPLOYS_CHANNEL && !args.thread_ts) {
        held++;
        await slack.opened;
      }
      return { ok: true, channel: args.channel, ts: `1767225700.00000${held}` };
    });
    const command = app.command('deploy web production v2.0.0 --reason "launch"', { user_id: ENGINEER });
    await eventually(() => held === 1, { what: 'the status message post held' });
    app.clock.advance(2 * MINUTE);
    // The request renews its hold (every 5 s) on the clock as it now reads, as it would have all along.
    const { leases } = app.groundcrew.services;
    await eventually(async () => ((await leases.find('deploy-start:1'))?.expiresAt ?? 0) > app!.clock.now(), {
      timeoutMs: 10_000,
      what: 'the start lease renewed',
    });
    await sweep(app);
    expect((await deployRow(app, 1)).status).toBe('requested');
    slack.open();
    await command;
    await eventually(async () => (await deployRow(app!, 1)).status === 'awaiting_approval', {
      what: 'the deploy awaiting approval',
    });
    await settled(app);
    for (const approver of [ALICE, BOB, CAROL]) expect(cardsTo(app, approver)).toHaveLength(1);
    expect(await auditActions(app)).not.toContain('deploys.recover');
  });
});
