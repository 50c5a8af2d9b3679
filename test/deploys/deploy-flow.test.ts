import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/clock.js';
import { ackBody, blockText, type TestApp } from '../support/harness.js';
import { messageButton } from '../support/payloads.js';
import { refOf } from '../support/refs.js';
import { eventually, settled } from '../support/wait.js';
import {
  DEPLOYS_CHANNEL,
  deployRow,
  deployRows,
  dmsTo,
  ENGINEER,
  expectNockDone,
  nockDispatch,
  nockRun,
  settle,
  startDeploysApp,
  statusVersions,
  threadReplies,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('deploying from the command line', () => {
  it('starts a staging deploy, follows the GitHub run and edits one status message through every state', async () => {
    app = await startDeploysApp();
    const dispatch = nockDispatch(555, (body) => {
      expect(body).toEqual({
        ref: 'v1.4.2',
        inputs: { service: 'web', environment: 'staging', ref: 'v1.4.2' },
        return_run_details: true,
      });
      return true;
    });
    const res = await app.command('deploy web staging v1.4.2 --reason "new checkout"', { user_id: ENGINEER });
    expect(res.status).toBe(200);
    const [reply] = await app.slack.waitFor('response_url', (c) => String(c.args.text).includes('started'));
    expect(reply!.args.text).toBe(
      `:rocket: Deploy #1 · web → staging (\`v1.4.2\`) started. <https://github.com/acme/web/actions/runs/555|Open the run>. Follow it in <#${DEPLOYS_CHANNEL}>.`,
    );
    expectNockDone(dispatch);

    const row = await deployRow(app, 1);
    expect(row).toMatchObject({ status: 'running', runId: '555', channel: DEPLOYS_CHANNEL, reason: 'new checkout' });
    const ts = row.messageTs!;
    // Posted once, after GitHub accepted the dispatch, already showing the run. Requested and approved last only
    // until the dispatch, and nothing but the dispatch runs before it: a slow Slack can neither delay the run nor
    // leave a deploy the stuck-start sweep fails while it is being dispatched (docs/security.md).
    let versions = statusVersions(app, ts);
    expect(versions.map((c) => c.method)).toEqual(['chat.postMessage']);
    expect(
      app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === DEPLOYS_CHANNEL && !c.args.thread_ts),
    ).toHaveLength(1);
    expect(versions.map((c) => String(c.args.text))).toEqual(['Deploy #1 · web → staging (v1.4.2): Running']);
    const running = blockText(versions[0]!.args.blocks);
    expect(running).toContain(`*Requested by* <@${ENGINEER}>`);
    expect(running).toContain('<https://github.com/acme/web/actions/runs/555|GitHub run 555>');
    expect(running).toContain('Cancel');
    expect(threadReplies(app, ts)[0]).toContain('Dispatched `deploy.yml` in acme/web: run 555.');

    // Not due yet: the first poll waits a minute.
    await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    const inProgress = nockRun(555, 'in_progress');
    app.clock.advance(MINUTE);
    await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    expectNockDone(inProgress);
    expect((await deployRow(app, 1)).status).toBe('running');

    const completed = nockRun(555, 'completed', 'success');
    app.clock.advance(4 * MINUTE);
    await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    expectNockDone(completed);
    expect(await deployRow(app, 1)).toMatchObject({ status: 'succeeded' });
    versions = statusVersions(app, ts);
    const final = versions.at(-1)!;
    expect(final.method).toBe('chat.update');
    expect(final.args.text).toBe('Deploy #1 · web → staging (v1.4.2): Succeeded');
    expect(blockText(final.args.blocks)).toContain('*Duration* 5m');
    expect(blockText(final.args.blocks)).toContain('Roll back');
    expect(blockText(final.args.blocks)).not.toContain('Cancel');
    expect(dmsTo(app, ENGINEER).at(-1)).toBe(
      'Your deploy #1 web → staging (`v1.4.2`) succeeded in 5m. <https://github.com/acme/web/actions/runs/555|Run>',
    );
  });

  it('explains exactly what blocks a deploy, without creating it', async () => {
    app = await startDeploysApp();
    const body = await ackBody(await app.command('deploy billing qa', { user_id: ENGINEER }));
    expect(body?.text).toBe(
      [
        ':no_entry: Cannot deploy billing → qa (`main`):',
        "• You are not among billing's owners, so you cannot deploy it; ask one of them or the platform team.",
        '• There is no environment "qa". Environments: staging, production.',
      ].join('\n'),
    );
    await settled(app);
    expect(app.slack.callsTo('chat.postMessage')).toEqual([]);
    const [denied] = await app.groundcrew.services.audit.latest(1);
    expect(denied).toMatchObject({ actor: ENGINEER, action: 'deploys.request', outcome: 'denied' });
    expect(denied?.inputs).toMatchObject({ service: 'billing', environment: 'qa', ref: 'main' });
  });

  it('a mistyped flag is refused before anything happens (--dryrun does not deploy)', async () => {
    app = await startDeploysApp();
    const reply = await ackBody(await app.command('deploy web staging --dryrun', { user_id: ENGINEER }));
    expect(reply?.text).toContain(
      'Unknown flag --dryrun — did you mean --dry-run? It takes --reason, --dry-run, --break-glass. Nothing was done.',
    );
    const lock = await ackBody(await app.command('lock staging --reason x --four 2h', { user_id: ENGINEER }));
    expect(lock?.text).toContain('Unknown flag --four — did you mean --for?');
    await settled(app);
    expect(await deployRows(app)).toEqual([]);
    expect((await app.groundcrew.services.audit.latest(20)).some((r) => r.action === 'deploys.lock')).toBe(false);
  });

  it('--dry-run shows the pre-flight without deploying', async () => {
    app = await startDeploysApp();
    const body = await ackBody(await app.command('deploy web production v2 --dry-run', { user_id: ENGINEER }));
    expect(body?.text).toBe(
      ':white_check_mark: Dry run: web → production (`v2`) passes pre-flight and needs 2 approval(s) before it runs. Nothing was deployed.',
    );
    await settled(app);
    expect(app.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('lets the requester cancel a running deploy (GitHub run cancelled), and refuses others', async () => {
    app = await startDeploysApp();
    nockDispatch(600);
    await app.command('deploy web staging', { user_id: ENGINEER });
    await settle(app!, 1, 'running');
    const ts = (await deployRow(app, 1)).messageTs!;

    await app.interact(
      messageButton({
        userId: 'U0STRANGER',
        actionId: 'deploys.cancel',
        value: await refOf(app, 'deploys', 1),
        channelId: DEPLOYS_CHANNEL,
        messageTs: ts,
      }),
    );
    const [refusal] = await app.slack.waitFor('response_url', (c) => String(c.args.text).includes('can cancel'));
    expect(refusal!.args.text).toBe(
      `:warning: Only <@${ENGINEER}> (who asked for it) or an admin can cancel deploy #1.`,
    );
    expect((await deployRow(app, 1)).status).toBe('running');

    const { default: nock } = await import('nock');
    const cancel = nock('http://github.test').post('/repos/acme/web/actions/runs/600/cancel').reply(202, {});
    await app.interact(
      messageButton({
        userId: ENGINEER,
        actionId: 'deploys.cancel',
        value: await refOf(app, 'deploys', 1),
        channelId: DEPLOYS_CHANNEL,
        messageTs: ts,
      }),
    );
    await eventually(async () => (await deployRow(app!, 1)).status === 'cancelled', { what: 'cancelled' });
    expectNockDone(cancel);
    await eventually(
      () => statusVersions(app!, ts).at(-1)!.args.text === 'Deploy #1 · web → staging (main): Cancelled',
      { what: 'update' },
    );
    const last = statusVersions(app, ts).at(-1)!;
    expect(blockText(last.args.blocks)).toContain(`cancelled by <@${ENGINEER}>`);
  });
});
