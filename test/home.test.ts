import { afterEach, describe, expect, it } from 'vitest';
import { DEPLOY_IDS } from '../src/deploys/slack/ids.js';
import { ALICE, BOB, startDeploysApp } from './deploys/support.js';
import { blockText, type TestApp } from './support/harness.js';
import { appHomeOpened, viewAction } from './support/payloads.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** The last Home published for `userId`, as text. */
async function homeOf(test: TestApp, userId: string): Promise<string> {
  test.slack.reset();
  await test.event(appHomeOpened(userId));
  const [publish] = await test.slack.waitFor('views.publish', (c) => c.args.user_id === userId);
  return blockText((publish!.args.view as { blocks: unknown[] }).blocks);
}

describe('Home tab: what needs you first, then your work, then buttons, then the help pointer', () => {
  it('orders the sections and promises nothing that has not landed', async () => {
    app = await startDeploysApp();
    await app.command('deploy web production v2.0.0 --reason "launch"', { user_id: ALICE });
    await app.slack.waitFor('response_url', (c) => String(c.args.text).includes('waiting for approval'));
    const text = await homeOf(app, BOB);
    const at = (needle: string) => {
      const index = text.indexOf(needle);
      expect(index, `"${needle}" on the Home tab`).toBeGreaterThanOrEqual(0);
      return index;
    };
    const order = [
      at('groundcrew — the platform front desk'),
      at('Waiting for your approval (1)'),
      at('Your recent deploys'),
      at('Deploy…'),
      at('`/platform help`'),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).not.toMatch(/support|survey|event/i);
    expect(text).not.toContain('/platform admin');
  });

  it('"Deploy…" opens the same deploy modal as /platform deploy', async () => {
    app = await startDeploysApp();
    const click = viewAction({
      userId: ALICE,
      callbackId: '',
      action: { type: 'button', action_id: DEPLOY_IDS.openModalButton, block_id: DEPLOY_IDS.openModalButton },
    });
    expect((await app.interact(click)).status).toBe(200);
    const [open] = await app.slack.waitFor('views.open');
    expect((open!.args.view as { callback_id: string }).callback_id).toBe(DEPLOY_IDS.modal);
  });
});
