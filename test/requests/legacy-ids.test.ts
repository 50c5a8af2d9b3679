import { afterEach, describe, expect, it } from 'vitest';
import { blockText, PLATFORM_ENGINEER, type TestApp } from '../support/harness.js';
import { messageButton, viewSubmission } from '../support/payloads.js';
import { refOf } from '../support/refs.js';
import { QUEUE, startRequestsApp, submitForm, text, waitForRow } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const secrets = { path: text('secret/data/billing'), why: text('rotate keys') };

/** Messages and modals posted before the ids were renamed `requests.<what>` carry the old ids; they still work. */
describe('old ids on messages already in Slack', () => {
  it('Claim on a queue card posted with the old ids (requests_claim in requests_queue_actions) claims', async () => {
    app = await startRequestsApp();
    await submitForm(app, 'secrets-access', secrets);
    const { queueTs } = await waitForRow(app, 1, (r) => r.queueTs !== null);
    const click = messageButton({
      userId: PLATFORM_ENGINEER,
      actionId: 'requests_claim',
      value: await refOf(app, 'requests', 1),
      blockId: 'requests_queue_actions',
      channelId: QUEUE,
      messageTs: queueTs!,
    });
    expect((await app.interact(click)).status).toBe(200);
    const row = await waitForRow(app, 1, (r) => r.status === 'claimed');
    expect(row.claimedBy).toBe(PLATFORM_ENGINEER);
    const [update] = await app.slack.waitFor('chat.update', (c) => c.args.channel === QUEUE);
    expect(blockText(update!.args.blocks)).toContain(`*claimed* by <@${PLATFORM_ENGINEER}>`);
  });

  it('a reject modal opened with the old ids (requests_reject, reason/reason) rejects with its reason', async () => {
    app = await startRequestsApp();
    await submitForm(app, 'secrets-access', secrets);
    const { queueTs } = await waitForRow(app, 1, (r) => r.queueTs !== null);
    const open = messageButton({
      userId: PLATFORM_ENGINEER,
      actionId: 'requests_reject_open',
      value: await refOf(app, 'requests', 1),
      blockId: 'requests_queue_actions',
      channelId: QUEUE,
      messageTs: queueTs!,
    });
    expect((await app.interact(open)).status).toBe(200);
    const [opened] = await app.slack.waitFor('views.open');
    const modal = opened!.args.view as { private_metadata: string };
    const submit = viewSubmission({
      userId: PLATFORM_ENGINEER,
      callbackId: 'requests_reject',
      privateMetadata: modal.private_metadata,
      values: { reason: { reason: { type: 'plain_text_input', value: 'not on this cluster' } } },
    });
    expect((await app.interact(submit)).status).toBe(200);
    const row = await waitForRow(app, 1, (r) => r.status === 'rejected');
    expect(row.message).toBe('not on this cluster');
  });
});
