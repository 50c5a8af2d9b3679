import type { View } from '@slack/types';
import { afterEach, describe, expect, it } from 'vitest';
import { IDS } from '../../src/requests/slack/ids.js';
import { ENGINEER, type TestApp } from '../support/harness.js';
import { viewSubmission } from '../support/payloads.js';
import { formState, startRequestsApp, validDatabase, waitForRow } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('after submitting a request', () => {
  it('the filer sees a short confirmation in the channel they filed it from (ephemeral)', async () => {
    app = await startRequestsApp();
    await app.command('request database', { user_id: ENGINEER, channel_id: 'C0TEAMWEB1' });
    const [open] = await app.slack.waitFor('views.open');
    const form = open!.args.view as View;
    await app.interact(
      viewSubmission({
        userId: ENGINEER,
        callbackId: IDS.formView,
        privateMetadata: form.private_metadata!,
        values: formState(validDatabase()),
      }),
    );
    await waitForRow(app, 1, () => true);
    const [ephemeral] = await app.slack.waitFor('chat.postEphemeral');
    expect(ephemeral!.args).toMatchObject({ channel: 'C0TEAMWEB1', user: ENGINEER });
    expect(String(ephemeral!.args.text)).toBe(
      ':inbox_tray: Request #1 (Postgres database) is filed with the platform team. Updates come to you in a DM; `/platform requests` lists yours.',
    );
  });
});
