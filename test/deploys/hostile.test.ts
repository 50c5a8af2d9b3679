import { eq } from 'drizzle-orm';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/clock.js';
import { twin } from '../../src/db/twin.js';
import { deploysTable } from '../../src/deploys/schema.js';
import { DEPLOY_IDS } from '../../src/deploys/slack/ids.js';
import { signBody } from '../../src/webhooks/signing.js';
import type { TestApp } from '../support/harness.js';
import { messageButton } from '../support/payloads.js';
import { refOf } from '../support/refs.js';
import { eventually, gate } from '../support/wait.js';
import { DEPLOYS_CHANNEL, ENGINEER, settle, startDeploysApp, threadReplies, WEBHOOK_SECRET } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const responses = (a: TestApp) => a.slack.callsTo('response_url').map((c) => String(c.args.text));

const click = (a: TestApp, actionId: string, value: string, messageTs = '1767225600.000001') =>
  a.interact(messageButton({ userId: ENGINEER, actionId, value, channelId: DEPLOYS_CHANNEL, messageTs }));

describe('deploys: odd inputs get clear answers', () => {
  it('says the status message could not be posted instead of "Follow it in <#null>"', async () => {
    app = await startDeploysApp();
    let ts = 0;
    app.slack.on('chat.postMessage', (args) =>
      args.channel === DEPLOYS_CHANNEL
        ? { ok: false, error: 'not_in_channel' }
        : { ok: true, channel: args.channel, ts: `1767225700.${String(++ts).padStart(6, '0')}` },
    );
    nock('http://deployer.test').post('/hooks/groundcrew').reply(202, {});
    await app.command('deploy worker staging', { user_id: ENGINEER });
    const reply = (await app.slack.waitFor('response_url', (c) => /started/.test(String(c.args.text))))[0]!;
    expect(String(reply.args.text)).not.toContain('null');
    expect(String(reply.args.text)).toContain(
      'Its status message could not be posted; you will get a DM when it finishes.',
    );
  });

  it.each(['', 'abc', '1.5', '-3', 'NaN'])(
    'answers a Cancel or Roll back button with value %j clearly',
    async (value) => {
      app = await startDeploysApp();
      await click(app, DEPLOY_IDS.cancelButton, value);
      await click(app, DEPLOY_IDS.rollbackButton, value);
      await eventually(() => responses(app!).length === 2, { what: 'both answers' });
      for (const text of responses(app)) {
        expect(text).not.toMatch(/NaN|#-|#1\.5|#0\b/);
        expect(text).toContain('does not name a deploy');
      }
    },
  );
});

describe('deploys: side effects once', () => {
  it('a signed in_progress report replayed 20 times posts one thread reply', async () => {
    app = await startDeploysApp();
    nock('http://deployer.test').post('/hooks/groundcrew').reply(202, {});
    await app.command('deploy worker staging', { user_id: ENGINEER });
    const running = await settle(app, 1, 'running');
    const report = JSON.stringify({ status: 'in_progress', message: 'rolling out 3 pods' });
    for (let i = 0; i < 20; i++) {
      const answer = await fetch(`${app.baseUrl}/hooks/deploys/${await refOf(app, 'deploys', 1)}`, {
        method: 'POST',
        body: report,
        headers: { 'content-type': 'application/json', 'x-groundcrew-signature': signBody(WEBHOOK_SECRET, report) },
      });
      expect(answer.status).toBe(200);
    }
    const progress = () => threadReplies(app!, running.messageTs!).filter((t) => t.includes('rolling out'));
    await eventually(() => progress().length >= 1, { what: 'the progress reply' });
    // Every report was answered, so its handling is finished: count what they posted.
    expect(progress()).toEqual([':arrows_counterclockwise: in progress: rolling out 3 pods']);
  });
});

describe('deploys: Cancel once', () => {
  it('a double-clicked Cancel asks the deploy system to stop once', async () => {
    app = await startDeploysApp();
    nock('http://deployer.test').post('/hooks/groundcrew').reply(202, {});
    await app.command('deploy worker staging', { user_id: ENGINEER });
    const running = await settle(app, 1, 'running');
    const cancels: unknown[] = [];
    // The deploy system holds its answer to the first cancel until the second click has been answered.
    const asking = gate();
    nock('http://deployer.test')
      .persist()
      .post('/hooks/groundcrew')
      .reply(async (_uri, body) => {
        cancels.push(body);
        await asking.opened;
        return [200, { ok: true }];
      });
    const ref = await refOf(app!, 'deploys', 1);
    const button = () => click(app!, DEPLOY_IDS.cancelButton, ref, running.messageTs!);
    const clicks = Promise.all([button(), button()]);
    await eventually(() => responses(app!).some((t) => t.includes('already being cancelled')), {
      what: 'the second click answered while the first is still asking',
    });
    asking.open();
    await clicks;
    await settle(app, 1, 'cancelled');
    expect(cancels).toHaveLength(1);
  });

  it('a Cancel claim left by a process that died mid-cancel is taken over after two minutes', async () => {
    app = await startDeploysApp();
    nock('http://deployer.test').post('/hooks/groundcrew').reply(202, {});
    await app.command('deploy worker staging', { user_id: ENGINEER });
    const running = await settle(app, 1, 'running');
    // What a crash between the claim and the cancel leaves behind.
    const { db } = app.groundcrew.services;
    const deploys = twin(db, deploysTable);
    await db.orm.update(deploys).set({ cancelClaimedAt: app.clock.now() }).where(eq(deploys.id, 1));
    nock('http://deployer.test').post('/hooks/groundcrew').reply(200, { ok: true });
    await click(app, DEPLOY_IDS.cancelButton, await refOf(app, 'deploys', 1), running.messageTs!);
    await eventually(() => responses(app!).some((t) => t.includes('already being cancelled')), {
      what: 'the click within two minutes refused',
    });
    app.clock.advance(2 * MINUTE);
    await click(app, DEPLOY_IDS.cancelButton, await refOf(app, 'deploys', 1), running.messageTs!);
    await settle(app, 1, 'cancelled');
  });
});
