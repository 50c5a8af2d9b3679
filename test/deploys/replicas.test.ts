import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeases } from '../../src/db/leases.js';
import { STATUS_LEASE_TTL_MS, statusLeaseKey } from '../../src/deploys/lifecycle.js';
import type { TestApp } from '../support/harness.js';
import { settled } from '../support/wait.js';
import { DEPLOYS_CHANNEL, deployRow, ENGINEER, startDeploysApp } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
  nock.cleanAll();
});

const statusPosts = (a: TestApp) =>
  a.slack
    .callsTo('chat.postMessage')
    .filter(
      (c) => c.args.channel === DEPLOYS_CHANNEL && !c.args.thread_ts && String(c.args.text).startsWith('Deploy #'),
    );

/**
 * A deploy's first status message while another replica is posting it (its lease `deploy-status:<id>` held in the
 * shared database): this replica posts none, neither from the request nor from its sweep; once that replica's
 * claim has expired (it died mid-post), the sweep posts one, with the status the deploy has reached.
 */
describe('the first status message across replicas', () => {
  it("is left to the replica posting it, and posted once by the sweep when that replica's claim ran out", async () => {
    app = await startDeploysApp();
    const { clock } = app;
    const other = createLeases({ db: app.database, clock, holder: 'replica-2' });
    expect(await other.claim(statusLeaseKey(1), STATUS_LEASE_TTL_MS)).toBe(true);
    nock('http://deployer.test').post('/hooks/groundcrew').reply(202, {});

    await app.command('deploy worker staging', { user_id: ENGINEER });
    await app.slack.waitFor('response_url', (c) => /started/.test(String(c.args.text)));
    await settled(app);
    expect((await deployRow(app, 1)).status).toBe('running');
    const { scheduler } = app.groundcrew.services;
    await scheduler.runNow('deploys.poll-runs');
    await settled(app);
    expect(statusPosts(app)).toEqual([]);

    clock.advance(STATUS_LEASE_TTL_MS);
    await scheduler.runNow('deploys.poll-runs');
    await settled(app);
    expect(statusPosts(app).map((c) => c.args.text)).toEqual(['Deploy #1 · worker → staging (main): Running']);
    expect((await deployRow(app, 1)).messageTs).not.toBeNull();
    await scheduler.runNow('deploys.poll-runs');
    await settled(app);
    expect(statusPosts(app)).toHaveLength(1);
  });
});
