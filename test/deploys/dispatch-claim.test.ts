import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/clock.js';
import type { TestApp } from '../support/harness.js';
import { eventually, gate, settled } from '../support/wait.js';
import { DISPATCH, deployRow, ENGINEER, GITHUB, nockRun, startDeploysApp } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** Every chat.postMessage / chat.update waits until the test lets Slack answer. */
function slowSlack(test: TestApp) {
  const slack = gate();
  let waiting = 0;
  let n = 0;
  const hold = async () => {
    waiting++;
    await slack.opened;
    waiting--;
  };
  test.slack.on('chat.postMessage', async (args) => {
    await hold();
    return { ok: true, channel: args.channel, ts: `1767225700.${String(++n).padStart(6, '0')}` };
  });
  test.slack.on('chat.update', async (args) => {
    await hold();
    return { ok: true, channel: args.channel, ts: args.ts };
  });
  return { held: () => waiting, release: slack.open };
}

describe('the dispatch claims the deploy; the stuck-start sweep cannot fail one that is then dispatched', () => {
  it('with Slack hanging past the stuck-start limit, exactly one of the sweep and the dispatch wins', async () => {
    app = await startDeploysApp();
    const slack = slowSlack(app);
    let dispatches = 0;
    nock(GITHUB)
      .post(DISPATCH)
      .times(2)
      .reply(200, () => {
        dispatches++;
        return { workflow_run_id: 801, html_url: 'https://github.com/acme/web/actions/runs/801' };
      });
    nockRun(801, 'in_progress');

    await app.command('deploy web staging', { user_id: ENGINEER });
    // Slack has been asked for something and has not answered.
    await eventually(() => slack.held() > 0, { what: 'a Slack call held' });
    app.clock.advance(16 * MINUTE);
    const sweep = app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    await eventually(
      async () => (await deployRow(app!, 1)).status !== 'approved' && (await deployRow(app!, 1)).status !== 'requested',
      {
        what: 'the sweep or the dispatch to take the deploy',
      },
    );
    slack.release();
    await sweep;
    await settled(app);

    const row = await deployRow(app, 1);
    expect(dispatches).toBe(1);
    expect(row.status).toBe('running');
    expect(row.detail).toBeNull();
    expect((await app.groundcrew.services.audit.latest(50)).map((r) => r.action)).not.toContain('deploys.failed');
  });
});
