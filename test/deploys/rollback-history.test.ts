import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/clock.js';
import { DEPLOY_IDS } from '../../src/deploys/slack/ids.js';
import { ackBody, blockText, type TestApp } from '../support/harness.js';
import { appHomeOpened, messageButton } from '../support/payloads.js';
import { refOf } from '../support/refs.js';
import { eventually } from '../support/wait.js';
import {
  ADMIN,
  ALICE,
  DEPLOYS_CHANNEL,
  deployRow,
  deployRows,
  ENGINEER,
  expectNockDone,
  nockDispatch,
  nockRun,
  settle,
  startDeploysApp,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** Deploys web to staging at `ref` and lets GitHub report `conclusion`. */
async function shipStaging(test: TestApp, id: number, ref: string, conclusion: 'success' | 'failure', runId: number) {
  const dispatch = nockDispatch(runId, (body) => body.ref === ref);
  await test.command(`deploy web staging ${ref}`, { user_id: ENGINEER });
  await settle(test, id, 'running');
  expectNockDone(dispatch);
  const run = nockRun(runId, 'completed', conclusion);
  test.clock.advance(MINUTE);
  await test.groundcrew.services.scheduler.runNow('deploys.poll-runs');
  expectNockDone(run);
  test.clock.advance(10 * MINUTE);
}

/** ENGINEER presses Roll back on deploy `id`'s status message. */
const pressRollback = async (test: TestApp, id: number) =>
  test.interact(
    messageButton({
      userId: ENGINEER,
      actionId: DEPLOY_IDS.rollbackButton,
      value: await refOf(test, 'deploys', id),
      channelId: DEPLOYS_CHANNEL,
      messageTs: (await deployRow(test, id)).messageTs!,
    }),
  );

describe('rollback', () => {
  it('redeploys the previous good ref, from the command and from the Roll back button', async () => {
    app = await startDeploysApp();
    await shipStaging(app, 1, 'v1', 'success', 101);
    await shipStaging(app, 2, 'v2-broken', 'failure', 102);
    await shipStaging(app, 3, 'v3', 'success', 103);
    expect((await deployRows(app)).map((d) => d.status)).toEqual(['succeeded', 'failed', 'succeeded']);

    const dispatch = nockDispatch(104, (body) => body.ref === 'v1');
    await app.command('rollback web staging', { user_id: ALICE });
    await settle(app!, 4, 'running');
    expectNockDone(dispatch);
    expect(await deployRow(app, 4)).toMatchObject({
      ref: 'v1',
      rollbackOf: 3,
      requestedBy: ALICE,
      reason: 'roll back #3 (v3) to v1 from #1',
    });

    // Same guardrails: while #4 runs, the button on #3 is refused with the reason.
    await pressRollback(app, 3);
    const [refused] = await app.slack.waitFor('response_url', (c) =>
      String(c.args.text).startsWith(':no_entry: Cannot roll back'),
    );
    expect(refused!.args.text).toContain('web is already being deployed to staging (deploy #4, running');

    const finished = nockRun(104, 'completed', 'success');
    app.clock.advance(MINUTE);
    await app.groundcrew.services.scheduler.runNow('deploys.poll-runs');
    expectNockDone(finished);

    const again = nockDispatch(105, (body) => body.ref === 'v1');
    await pressRollback(app, 3);
    await settle(app!, 5, 'running');
    expectNockDone(again);
    expect(await deployRow(app, 5)).toMatchObject({ ref: 'v1', rollbackOf: 3 });
  });

  it('says so when there is nothing earlier to go back to', async () => {
    app = await startDeploysApp();
    await shipStaging(app, 1, 'v1', 'success', 201);
    await app.command('rollback web staging', { user_id: ENGINEER });
    const [reply] = await app.slack.waitFor('response_url', (c) => String(c.args.text).includes('roll back to'));
    expect(reply!.args.text).toBe(':warning: There is no earlier successful ref of web in staging to roll back to.');
  });
});

describe('rollback through a freeze', () => {
  it('is blocked by a freeze like any deploy; an admin can break glass with --reason; typos are named', async () => {
    app = await startDeploysApp();
    await shipStaging(app, 1, 'v1', 'success', 301);
    await shipStaging(app, 2, 'v2', 'success', 302);
    await app.command('freeze staging --until 2h --reason "incident 12"', { user_id: ADMIN });
    await eventually(
      () => app!.slack.callsTo('chat.postMessage').some((c) => String(c.args.text).includes('Freeze started')),
      { what: 'freeze' },
    );
    const reply = async (text: string, includes: string) => {
      await app!.command(text, { user_id: ADMIN });
      const [answer] = await app!.slack.waitFor('response_url', (c) => String(c.args.text).includes(includes));
      return String(answer!.args.text);
    };
    expect(await reply('rollback wbe staging', 'no service')).toContain(
      'There is no service "wbe". Services: web, billing, worker.',
    );
    const typo = await ackBody(await app.command('deploys wbx', { user_id: ADMIN }));
    expect(typo?.text).toContain('There is no service "wbx". Services: web, billing, worker.');
    expect(await reply('rollback web stagign', 'no environment')).toContain('There is no environment "stagign"');
    expect(await reply('rollback web staging', 'incident 12; if')).toMatch(
      /^:warning: staging is frozen until Mon 1\d:\d\d Europe\/Berlin — incident 12; if it cannot wait, add --break-glass --reason/,
    );
    expect(await reply('rollback web staging --break-glass', 'needs a reason')).toContain(
      'breaking glass needs a reason: add --reason',
    );
    expect(await deployRows(app)).toHaveLength(2);

    const dispatch = nockDispatch(303, (body) => body.ref === 'v1');
    await app.command('rollback web staging --break-glass --reason "v2 corrupts carts"', { user_id: ADMIN });
    await settle(app, 3, 'running');
    expectNockDone(dispatch);
    expect(await deployRow(app, 3)).toMatchObject({
      ref: 'v1',
      rollbackOf: 2,
      breakGlassReason: 'v2 corrupts carts',
      reason: 'v2 corrupts carts — roll back #2 (v2) to v1 from #1',
    });
    // Announced once the rollback started (nothing but the dispatch runs before it).
    await app.slack.waitFor(
      'chat.postMessage',
      (c) => String(c.args.text).includes('broke glass') && String(c.args.text).includes('Reason: v2 corrupts carts'),
    );
  });
});

describe('history, figures and Home', () => {
  it('lists the latest deploys with who, ref, status, duration and per-environment figures', async () => {
    app = await startDeploysApp();
    await shipStaging(app, 1, 'v1', 'success', 301);
    await shipStaging(app, 2, 'v2', 'failure', 302);
    await shipStaging(app, 3, 'v3', 'success', 303);
    const body = await ackBody(await app.command('deploys web staging', { user_id: ALICE }));
    const text = blockText(body?.blocks);
    expect(text).toContain(`:large_green_circle: #3 *web* → staging \`v3\` succeeded · <@${ENGINEER}> · 1m`);
    expect(text).toContain(`:red_circle: #2 *web* → staging \`v2\` failed · <@${ENGINEER}> · 1m`);
    expect(text.indexOf('#3')).toBeLessThan(text.indexOf('#1'));
    expect(text).toContain('*web → staging*: 0.8 deploys/week · change failure rate 33% · median request→success 1m');

    app.slack.reset();
    await app.event(appHomeOpened(ENGINEER));
    const [publish] = await app.slack.waitFor(
      'views.publish',
      (c) => c.args.user_id === ENGINEER && blockText(c.args.view).includes('Your recent deploys'),
    );
    expect(blockText(publish!.args.view)).toContain('#3 *web* → staging `v3` — succeeded');
  });
});
