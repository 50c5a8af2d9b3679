import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/clock.js';
import { signBody } from '../../src/webhooks/signing.js';
import type { TestApp } from '../support/harness.js';
import { refOf } from '../support/refs.js';
import { eventually, noAnswer, settled } from '../support/wait.js';
import {
  DISPATCH,
  deployRow,
  dmsTo,
  ENGINEER,
  expectNockDone,
  GITHUB,
  nockDispatch,
  settle,
  startDeploysApp,
  WEBHOOK_SECRET,
} from './support.js';

const WORKFLOW_RUNS = '/repos/acme/web/actions/workflows/deploy.yml/runs';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** GitHub takes the dispatch (the run starts) but never answers before groundcrew stops waiting. */
function slowDispatch() {
  return nock(GITHUB).post(DISPATCH).reply(noAnswer);
}

describe('a dispatch with no answer is looked for, not reported failed', () => {
  it('GitHub timed out but the run started: the run is found among the workflow runs and followed', async () => {
    app = await startDeploysApp({ httpTimeoutMs: 150 });
    slowDispatch();
    await app.command('deploy web staging v7', { user_id: ENGINEER });
    await eventually(
      async () => (await deployRow(app!, 1)).status === 'starting' && (await deployRow(app!, 1)).detail !== null,
      {
        what: 'the dispatch to time out',
      },
    );
    await settled(app);
    expect((await deployRow(app, 1)).status).toBe('starting');
    expect(dmsTo(app, ENGINEER)).toEqual([]);

    const created = new Date(app.clock.now().getTime() + 2000).toISOString();
    const listed = nock(GITHUB)
      .get(WORKFLOW_RUNS)
      .query(true)
      .reply(200, {
        total_count: 2,
        workflow_runs: [
          // Started before this deploy's dispatch: someone else's.
          { id: 4100, event: 'workflow_dispatch', created_at: '2026-11-23T09:00:00Z', html_url: 'https://x/4100' },
          {
            id: 4242,
            event: 'workflow_dispatch',
            created_at: created,
            html_url: 'https://github.com/acme/web/actions/runs/4242',
          },
        ],
      });
    app.clock.advance(MINUTE);
    await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    expectNockDone(listed);
    const row = await settle(app, 1, 'running');
    expect(row).toMatchObject({ runId: '4242', runUrl: 'https://github.com/acme/web/actions/runs/4242' });
  });

  it('GitHub timed out and no run appeared: failed after a few minutes, and the target is free again', async () => {
    app = await startDeploysApp({ httpTimeoutMs: 150 });
    slowDispatch();
    await app.command('deploy web staging v7', { user_id: ENGINEER });
    await eventually(async () => (await deployRow(app!, 1)).detail !== null, { what: 'the dispatch to time out' });
    nock(GITHUB).get(WORKFLOW_RUNS).query(true).times(10).reply(200, { total_count: 0, workflow_runs: [] });
    for (let minute = 0; minute < 4; minute++) {
      app.clock.advance(MINUTE);
      await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    }
    expect((await deployRow(app, 1)).status).toBe('starting');
    app.clock.advance(MINUTE);
    await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    expect(await deployRow(app, 1)).toMatchObject({ status: 'failed' });
    expect((await deployRow(app, 1)).detail).toContain('no run of `deploy.yml` in acme/web appeared within 5m');

    nockDispatch(4300);
    await app.command('deploy web staging v8', { user_id: ENGINEER });
    await settle(app, 2, 'running');
  });

  it('the webhook executor timed out but ran it: its signed success report is accepted', async () => {
    app = await startDeploysApp({ httpTimeoutMs: 150 });
    nock('http://deployer.test').post('/hooks/groundcrew').reply(noAnswer);
    await app.command('deploy worker staging', { user_id: ENGINEER });
    await eventually(async () => (await deployRow(app!, 1)).detail !== null, { what: 'the dispatch to time out' });
    expect((await deployRow(app, 1)).status).toBe('starting');

    const report = JSON.stringify({ status: 'succeeded', message: 'rolled out' });
    const answer = await app.request(`/hooks/deploys/${await refOf(app, 'deploys', 1)}`, {
      method: 'POST',
      body: report,
      headers: { 'content-type': 'application/json', 'x-groundcrew-signature': signBody(WEBHOOK_SECRET, report) },
    });
    expect(answer.status).toBe(200);
    await settle(app, 1, 'succeeded');
    expect(dmsTo(app, ENGINEER).at(-1)).toContain('succeeded');
  });
});

describe('a connection reset after GitHub received the dispatch', () => {
  it('is treated as unanswered: stored starting, then the run is found and followed', async () => {
    app = await startDeploysApp();
    let received: unknown = null;
    nock(GITHUB)
      .post(DISPATCH, (body) => {
        received = body;
        return true;
      })
      .replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    await app.command('deploy web staging v7', { user_id: ENGINEER });
    await eventually(async () => (await deployRow(app!, 1)).detail !== null, { what: 'the dispatch to be answered' });
    await settled(app);
    expect(received).toMatchObject({ ref: 'v7' });
    const row = await deployRow(app, 1);
    expect(row.status).toBe('starting');
    expect(row.detail).toContain('may have started');
    expect(dmsTo(app, ENGINEER)).toEqual([]);

    const created = new Date(app.clock.now().getTime() + 2000).toISOString();
    nock(GITHUB)
      .get(WORKFLOW_RUNS)
      .query(true)
      .reply(200, {
        total_count: 1,
        workflow_runs: [{ id: 4343, event: 'workflow_dispatch', created_at: created, html_url: 'https://x/4343' }],
      });
    app.clock.advance(MINUTE);
    await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    expect(await settle(app, 1, 'running')).toMatchObject({ runId: '4343' });
  });

  it('a refused connection (nothing was sent) is still reported failed at once', async () => {
    app = await startDeploysApp();
    nock(GITHUB).post(DISPATCH).replyWithError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' });
    await app.command('deploy web staging v7', { user_id: ENGINEER });
    await eventually(async () => (await deployRow(app!, 1)).status === 'failed', { what: 'the deploy failed' });
  });
});
