import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { signBody } from '../../src/webhooks/signing.js';
import { ackBody, formEncode, PLATFORM_GROUP, type TestApp } from '../support/harness.js';
import { slashCommand } from '../support/payloads.js';
import { refOf } from '../support/refs.js';
import { eventually, settled } from '../support/wait.js';
import {
  DISPATCH,
  deployRows,
  ENGINEER,
  GITHUB,
  holdUsergroups,
  settle,
  startDeploysApp,
  WEBHOOK_SECRET,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const ALREADY = /web is already being deployed to staging \(deploy #1, .*\); wait for it to finish or cancel it\./;

describe('one deploy in flight per service and environment, enforced by the database', () => {
  it('two commands arriving together with a cold usergroup cache make one deploy; the other is told why', async () => {
    app = await startDeploysApp();
    const lookups = holdUsergroups(app);
    let dispatches = 0;
    nock(GITHUB)
      .post(DISPATCH)
      .times(2)
      .reply(200, () => {
        dispatches++;
        return {
          workflow_run_id: 800 + dispatches,
          html_url: `https://github.com/acme/web/actions/runs/${800 + dispatches}`,
        };
      });
    const both = Promise.all([
      app.command('deploy web staging v1', { user_id: ENGINEER }),
      app.command('deploy web staging v2', { user_id: 'U0OTHER001' }),
    ]);
    // Both are past the signature check and waiting on the same lookup before either can check the target.
    await eventually(() => lookups.asked() >= 1 && app!.groundcrew.slack.inFlight() === 2);
    lookups.open();
    const acks = await Promise.all((await both).map((response) => ackBody(response)));
    // The other one is told why in one of two correct ways, depending on how the two requests meet in the database.
    // Both pre-flight checks ran before either insert: the one-in-flight key refused the second insert, and it is
    // told through its response_url after the ack (:warning:). Or the first deploy was stored before the second
    // one's check read the target (seen on PostgreSQL, where the two run on separate connections): the check
    // refuses it in the ack itself (:no_entry:). Either way: one deploy, one dispatch, one refusal naming deploy #1.
    const refusedInAck = acks.filter((ack) => ALREADY.test(String(ack?.text)));
    if (refusedInAck.length === 1) {
      expect(String(refusedInAck[0]!.text)).toMatch(/^:no_entry: Cannot deploy web → staging/);
    } else {
      const [told] = await app.slack.waitFor('response_url', (c) => ALREADY.test(String(c.args.text)));
      expect(String(told!.args.text)).toMatch(/^:warning: /);
      expect(told!.path).toBeDefined();
    }
    await settle(app, 1, 'running');
    await settled(app);
    expect(await deployRows(app)).toHaveLength(1);
    expect(dispatches).toBe(1);
    // Told once, not both ways.
    const toldLater = app.slack.calls.filter((c) => c.method === 'response_url' && ALREADY.test(String(c.args.text)));
    expect(refusedInAck.length + toldLater.length).toBe(1);
  });

  it('the same signed command posted again makes no second deploy: together, and after the first finished', async () => {
    app = await startDeploysApp();
    app.slack.usergroups[PLATFORM_GROUP] = [];
    const posts: unknown[] = [];
    nock('http://deployer.test')
      .post('/hooks/groundcrew', (body) => {
        posts.push(body);
        return true;
      })
      .times(3)
      .reply(202, {});
    const body = formEncode({ ...slashCommand('deploy worker staging', { user_id: ENGINEER }) });

    await Promise.all([app.post(body), app.post(body)]);
    await settle(app, 1, 'running');
    await settled(app);
    expect(await deployRows(app)).toHaveLength(1);
    expect(posts).toHaveLength(1);

    // The deploy system reports success; the very same signed command arrives once more.
    const report = JSON.stringify({ status: 'succeeded', message: 'done' });
    const answer = await app.request(`/hooks/deploys/${await refOf(app, 'deploys', 1)}`, {
      method: 'POST',
      body: report,
      headers: { 'content-type': 'application/json', 'x-groundcrew-signature': signBody(WEBHOOK_SECRET, report) },
    });
    expect(answer.status).toBe(200);
    await settle(app, 1, 'succeeded');
    const again = await ackBody(await app.post(body));
    expect(again?.text).toContain('Deploy #1 · worker → staging (`main`): Succeeded.');
    await settled(app);
    expect(await deployRows(app)).toHaveLength(1);
    expect(posts).toHaveLength(1);
  });
});
