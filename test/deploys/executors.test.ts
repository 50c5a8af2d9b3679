import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/clock.js';
import { DEPLOY_IDS } from '../../src/deploys/slack/ids.js';
import { signBody } from '../../src/webhooks/signing.js';
import { blockText, type TestApp } from '../support/harness.js';
import { messageButton } from '../support/payloads.js';
import { persistentDb } from '../support/persistent-db.js';
import { refOf } from '../support/refs.js';
import { eventually, noAnswer, settled } from '../support/wait.js';
import {
  DEPLOYS_CHANNEL,
  DISPATCH,
  deployRow,
  deployRows,
  deploysSection,
  dmsTo,
  ENGINEER,
  expectNockDone,
  GITHUB,
  nockDispatch,
  nockRun,
  RUNS,
  settle,
  startDeploysApp,
  statusVersions,
  threadReplies,
  WEBHOOK_SECRET,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const replyText = async (test: TestApp, includes: string) =>
  String((await test.slack.waitFor('response_url', (c) => String(c.args.text).includes(includes)))[0]!.args.text);

describe('GitHub Actions errors are reported, never silent', () => {
  it('a GitHub API error fails the deploy and tells the requester, the thread and the status message', async () => {
    app = await startDeploysApp();
    nock(GITHUB).post(DISPATCH).reply(422, { message: "Workflow does not have 'workflow_dispatch' trigger" });
    await app.command('deploy web staging', { user_id: ENGINEER });
    const why = "could not start: GitHub answered 422: Workflow does not have 'workflow_dispatch' trigger";
    expect(await replyText(app, 'failed')).toBe(`:x: Deploy #1 · web → staging (\`main\`) failed: ${why}`);
    const row = await deployRow(app, 1);
    expect(row).toMatchObject({ status: 'failed', detail: why });
    expect(dmsTo(app, ENGINEER)).toEqual([`Your deploy #1 web → staging (\`main\`) failed: ${why}.`]);
    expect(threadReplies(app, row.messageTs!)).toEqual([`:information_source: ${why}`]);
    const last = statusVersions(app, row.messageTs!).at(-1)!;
    expect(last.args.text).toBe('Deploy #1 · web → staging (main): Failed');
    expect(blockText(last.args.blocks)).toContain(why);
  });

  it('a GitHub timeout is not a failure: the deploy stays starting while its run is looked for', async () => {
    app = await startDeploysApp({ httpTimeoutMs: 150 });
    nock(GITHUB).post(DISPATCH).reply(noAnswer);
    await app.command('deploy web staging', { user_id: ENGINEER });
    expect(await replyText(app, 'Starting')).toBe(
      ':hourglass_flowing_sand: Deploy #1 · web → staging (`main`): Starting.',
    );
    expect(await deployRow(app, 1)).toMatchObject({
      status: 'starting',
      detail:
        'GitHub did not answer within 150 ms; the run may have started all the same, so groundcrew is looking for it',
    });
    await settled(app);
    expect(dmsTo(app, ENGINEER)).toEqual([]);
  });

  it('a failing poll is noted in the thread and retried with back-off; a failed run fails the deploy', async () => {
    app = await startDeploysApp();
    nockDispatch(31);
    await app.command('deploy web staging', { user_id: ENGINEER });
    await settle(app!, 1, 'running');
    const broken = nock(GITHUB).get(`${RUNS}/31`).reply(502, 'Bad Gateway');
    app.clock.advance(MINUTE);
    await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    expectNockDone(broken);
    const row = await deployRow(app, 1);
    expect(row).toMatchObject({ status: 'running', pollErrors: 1 });
    expect(threadReplies(app, row.messageTs!)).toContain(
      ':warning: Checking the GitHub run failed (will retry): GitHub answered 502: Bad Gateway',
    );
    const failed = nockRun(31, 'completed', 'failure');
    app.clock.advance(MINUTE);
    await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    expectNockDone(failed);
    expect(await deployRow(app, 1)).toMatchObject({ status: 'failed', detail: 'GitHub run 31 completed: failure' });
    expect(dmsTo(app, ENGINEER).at(-1)).toContain('failed: GitHub run 31 completed: failure');
  });
});

describe('restarts', () => {
  it('resumes polling a run after a restart and edits the same status message', async () => {
    const database = await persistentDb();
    app = await startDeploysApp({ database });
    nockDispatch(808);
    await app.command('deploy web staging v5', { user_id: ENGINEER });
    await settle(app!, 1, 'running');
    const ts = (await deployRow(app, 1)).messageTs!;
    const clock = app.clock;
    await app.stop();

    app = await startDeploysApp({ database, clock });
    const done = nockRun(808, 'completed', 'success');
    clock.advance(2 * MINUTE);
    await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    expectNockDone(done);
    expect((await deployRow(app, 1)).status).toBe('succeeded');
    const update = app.slack.callsTo('chat.update').at(-1)!;
    expect(update.args).toMatchObject({
      channel: DEPLOYS_CHANNEL,
      ts,
      text: 'Deploy #1 · web → staging (v5): Succeeded',
    });
  });

  it('a run whose executor was reconfigured away fails after runTimeout instead of staying "running"', async () => {
    const database = await persistentDb();
    app = await startDeploysApp({ database });
    nockDispatch(909);
    await app.command('deploy web staging', { user_id: ENGINEER });
    await settle(app!, 1, 'running');
    const clock = app.clock;
    await app.stop();

    // Restarted with web-actions now a webhook: nothing can poll GitHub run 909.
    const section = deploysSection();
    const executors = section.executors as Record<string, unknown>;
    executors['web-actions'] = executors.deployer;
    app = await startDeploysApp({ database, clock, deploys: section });
    clock.advance(3 * HOUR + MINUTE);
    await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    expect(await deployRow(app, 1)).toMatchObject({
      status: 'failed',
      detail:
        'no word from the executor for 3h 1m and no run to follow (executor "web-actions" cannot follow run 909 any more)',
    });
  });

  it('nothing is left "running" forever: a run with no ID fails after runTimeout, even across a restart', async () => {
    const database = await persistentDb();
    app = await startDeploysApp({ database });
    // An older GitHub (or GHES) answers 204 without run details.
    nock(GITHUB).post(DISPATCH).reply(204);
    await app.command('deploy web staging', { user_id: ENGINEER });
    await settle(app!, 1, 'running');
    expect((await deployRow(app, 1)).runId).toBeNull();
    const clock = app.clock;
    await app.stop();

    app = await startDeploysApp({ database, clock });
    clock.advance(2 * HOUR);
    await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    expect((await deployRow(app, 1)).status).toBe('running');
    clock.advance(HOUR + MINUTE);
    await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    expect(await deployRow(app, 1)).toMatchObject({
      status: 'failed',
      detail: 'no word from the executor for 3h 1m and no run to follow',
    });
    expect(dmsTo(app, ENGINEER).at(-1)).toContain('failed: no word from the executor for 3h 1m');
  });
});

describe('webhook executor', () => {
  it('sends a signed request and accepts signed reports on /hooks/deploys/:id', async () => {
    app = await startDeploysApp();
    let sent: { body: string; signature: string } | undefined;
    const hook = nock('http://deployer.test')
      .post('/hooks/groundcrew')
      .reply(function (_uri, body) {
        sent = { body: JSON.stringify(body), signature: String(this.req.headers['x-groundcrew-signature']) };
        return [202, { url: 'https://deployer.internal/jobs/77' }];
      });
    await app.command('deploy worker staging abc123', { user_id: ENGINEER });
    await settle(app!, 1, 'running');
    expectNockDone(hook);
    const payload = JSON.parse(sent!.body) as Record<string, unknown>;
    expect(payload).toEqual({
      action: 'deploy',
      deployId: 1,
      service: 'worker',
      environment: 'staging',
      ref: 'abc123',
      requestedBy: ENGINEER,
      reason: null,
      callbackUrl: `http://localhost:0/hooks/deploys/${await refOf(app, 'deploys', 1)}`,
    });
    expect(sent!.signature).toBe(signBody(WEBHOOK_SECRET, sent!.body));
    expect((await deployRow(app, 1)).runUrl).toBe('https://deployer.internal/jobs/77');

    const report = async (id: number, body: string, signature = signBody(WEBHOOK_SECRET, body)) =>
      fetch(`${app!.baseUrl}/hooks/deploys/${await refOf(app!, 'deploys', id)}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-groundcrew-signature': signature },
      });
    const progress = JSON.stringify({ status: 'in_progress', message: 'rolling out 2/5 pods' });
    expect((await report(1, progress, signBody('wrong-secret-0000000000', progress))).status).toBe(401);
    expect((await report(99, progress)).status).toBe(404);
    expect((await report(1, '{not json')).status).toBe(400);
    expect((await report(1, JSON.stringify({ status: 'exploded' }))).status).toBe(400);
    expect((await deployRow(app, 1)).status).toBe('running');

    const ok = await report(1, progress);
    expect(ok.status).toBe(200);
    expect(threadReplies(app, (await deployRow(app, 1)).messageTs!).at(-1)).toBe(
      ':arrows_counterclockwise: in progress: rolling out 2/5 pods',
    );
    const done = await report(1, JSON.stringify({ status: 'succeeded', message: 'all 5 pods healthy' }));
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ ok: true, status: 'succeeded' });
    expect(await deployRow(app, 1)).toMatchObject({ status: 'succeeded', detail: 'all 5 pods healthy' });
    expect(dmsTo(app, ENGINEER).at(-1)).toContain('succeeded');
    expect((await report(1, JSON.stringify({ status: 'failed' }))).status).toBe(409);
  });

  it('cancelling a running webhook deploy POSTs a signed {action: "cancel"} to the same URL; a refusal keeps it running', async () => {
    app = await startDeploysApp();
    nock('http://deployer.test').post('/hooks/groundcrew').reply(202, {});
    await app.command('deploy worker staging', { user_id: ENGINEER });
    const running = await settle(app, 1, 'running');
    const cancelButton = async (messageTs: string) =>
      messageButton({
        userId: ENGINEER,
        actionId: DEPLOY_IDS.cancelButton,
        value: await refOf(app!, 'deploys', 1),
        channelId: DEPLOYS_CHANNEL,
        messageTs,
      });

    nock('http://deployer.test').post('/hooks/groundcrew').reply(503, 'deployer is restarting');
    await app.interact(await cancelButton(running.messageTs!));
    expect(await replyText(app, 'still running')).toBe(
      ':warning: Deploy #1 is still running: the deploy webhook answered 503: deployer is restarting',
    );
    expect((await deployRow(app, 1)).status).toBe('running');

    let sent: { body: string; signature: string } | undefined;
    const cancel = nock('http://deployer.test')
      .post('/hooks/groundcrew')
      .reply(function (_uri, body) {
        sent = { body: JSON.stringify(body), signature: String(this.req.headers['x-groundcrew-signature']) };
        return [200, { ok: true }];
      });
    await app.interact(await cancelButton(running.messageTs!));
    const done = await settle(app, 1, 'cancelled');
    expectNockDone(cancel);
    expect(JSON.parse(sent!.body)).toEqual({ action: 'cancel', deployId: 1, requestedBy: ENGINEER });
    expect(sent!.signature).toBe(signBody(WEBHOOK_SECRET, sent!.body));
    expect(done.detail).toBe(`cancelled by <@${ENGINEER}>; the deploy system was asked to stop`);
    // A late report for the cancelled deploy changes nothing.
    const late = JSON.stringify({ status: 'succeeded' });
    const answer = await fetch(`${app.baseUrl}/hooks/deploys/${await refOf(app, 'deploys', 1)}`, {
      method: 'POST',
      body: late,
      headers: { 'content-type': 'application/json', 'x-groundcrew-signature': signBody(WEBHOOK_SECRET, late) },
    });
    expect(answer.status).toBe(409);
    expect((await deployRow(app, 1)).status).toBe('cancelled');
  });

  it('a webhook that cannot be reached fails the deploy with that reason; one that times out waits for its report', async () => {
    app = await startDeploysApp({ httpTimeoutMs: 150 });
    nock('http://deployer.test').post('/hooks/groundcrew').replyWithError({ code: 'ECONNREFUSED', message: 'refused' });
    await app.command('deploy worker staging', { user_id: ENGINEER });
    expect(await replyText(app, 'failed')).toMatch(
      /^:x: Deploy #1 · worker → staging \(`main`\) failed: could not start: could not reach the deploy webhook/,
    );
    nock('http://deployer.test').post('/hooks/groundcrew').reply(noAnswer);
    await app.command('deploy worker staging', { user_id: ENGINEER });
    await eventually(async () =>
      (await deployRows(app!)).find((d) => d.id === 2)?.detail?.includes('did not answer within 150 ms'),
    );
    expect((await deployRow(app, 2)).status).toBe('starting');
  });
});
