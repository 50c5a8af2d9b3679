import { afterEach, describe, expect, it } from 'vitest';
import { defineCapability } from '../../src/capability.js';
import { ackBody, PLATFORM_ENGINEER, PLATFORM_GROUP, startTestApp, type TestApp } from '../support/harness.js';
import { eventually } from '../support/wait.js';
import {
  BILLING_OWNER,
  deployRows,
  deploysSection,
  holdUsergroups,
  nockDispatch,
  settle,
  startDeploysApp,
} from './support.js';

/** Slack shows the person an error when a slash command is not acked within this. */
const SLACK_ACK_BUDGET_MS = 3000;
const BILLING_OWNERS = 'S0BILLOWNS';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('the ack deadline covers the whole /platform handler', () => {
  it('acks a deploy in time while the role and owner lookups are still waiting for Slack, then finishes it', async () => {
    const billing = { name: 'billing', owners: [BILLING_OWNERS], environments: ['staging'], executor: 'web-actions' };
    const section = deploysSection();
    section.services = [
      ...(section.services as object[]).filter((s) => (s as { name: string }).name !== 'billing'),
      billing,
    ];
    app = await startDeploysApp({ deploys: section });
    const lookups = holdUsergroups(app, { [BILLING_OWNERS]: [BILLING_OWNER], [PLATFORM_GROUP]: [] });
    nockDispatch(701);

    const sent = Date.now();
    const res = await app.command('deploy billing staging', { user_id: BILLING_OWNER });
    const took = Date.now() - sent;
    // The HTTP answer came back while Slack still held every usergroup lookup: it is the deferred (empty) ack.
    expect(lookups.opened()).toBe(false);
    expect(lookups.asked()).toBeGreaterThan(0);
    expect(res.status).toBe(200);
    expect(await ackBody(res)).toBeNull();
    expect(took).toBeLessThan(SLACK_ACK_BUDGET_MS);
    expect(await deployRows(app)).toEqual([]);

    lookups.open();
    const running = await settle(app, 1, 'running');
    expect(running).toMatchObject({ service: 'billing', requestedBy: BILLING_OWNER });
    await app.slack.waitFor('response_url', (c) => String(c.args.text).includes('started'));
  });

  it('does not guess a role to beat the deadline: a platform command waits for the lookup and runs', async () => {
    let ran = 0;
    const platformOnly = defineCapability('probe', () => ({
      commands: [
        {
          name: 'probe',
          usage: 'probe',
          summary: 'platform team only',
          minRole: 'platform',
          async handle(ctx) {
            ran++;
            await ctx.reply(`ran as ${ctx.role}`);
          },
        },
      ],
    }));
    app = await startTestApp({ capabilities: [platformOnly] });
    const lookups = holdUsergroups(app, { [PLATFORM_GROUP]: [PLATFORM_ENGINEER] });

    const res = await app.command('probe', { user_id: PLATFORM_ENGINEER });
    expect(lookups.opened()).toBe(false);
    expect(res.status).toBe(200);
    // Not "this is for the platform team" from a role guessed while Slack was slow: the deferred ack.
    expect(await ackBody(res)).toBeNull();
    lookups.open();
    const [reply] = await app.slack.waitFor('response_url');
    expect(reply!.args.text).toBe('ran as platform');
    await eventually(() => ran === 1);
  });
});
