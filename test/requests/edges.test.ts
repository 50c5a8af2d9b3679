import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { IDS } from '../../src/requests/slack/ids.js';
import { ackBody, blockText, ENGINEER, PLATFORM_ENGINEER, startTestApp, type TestApp } from '../support/harness.js';
import { viewSubmission } from '../support/payloads.js';
import { settled } from '../support/wait.js';
import {
  ALERT_SECRET,
  callback,
  clickQueue,
  dmsTo,
  HOOKS,
  option,
  QUEUE,
  requestRows,
  requestsSection,
  startRequestsApp,
  submitForm,
  text,
  validDatabase,
  waitForDm,
  waitForRow,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('requests: edges', () => {
  it('"Next" on the picker (no dispatched select) updates the modal to the chosen form', async () => {
    app = await startRequestsApp();
    const pick = (value?: string) =>
      app!.interact(
        viewSubmission({
          userId: ENGINEER,
          callbackId: IDS.pickerView,
          values: {
            [IDS.pickTypeBlock]: {
              [IDS.pickTypeAction]: {
                type: 'static_select',
                selected_option: value ? option(value).selected_option! : null,
              },
            },
          },
        }),
      );
    expect(await (await pick()).json()).toEqual({
      response_action: 'errors',
      errors: { [IDS.pickTypeBlock]: 'Pick a request type.' },
    });
    const body = (await (await pick('alert')).json()) as {
      response_action: string;
      view: { private_metadata: string };
    };
    expect(body.response_action).toBe('update');
    expect(JSON.parse(body.view.private_metadata)).toEqual({ typeId: 'alert' });
  });

  it('expires a request nobody approved in time, and tells the requester', async () => {
    app = await startRequestsApp();
    await submitForm(app, 'database', validDatabase());
    await waitForRow(app, 1, (r) => r.approvalId !== null);
    app.clock.advance(24 * 3_600_000 + 60_000); // ttl 1d
    await app.groundcrew.services.scheduler.runNow('approvals.expire');
    await waitForRow(app, 1, (r) => r.status === 'expired');
    await waitForDm(app, ENGINEER, 'Your request #1 Postgres database was not approved in time and is closed.');
    expect(dmsTo(app, ENGINEER).at(-1)).toBe(
      'Your request #1 Postgres database was not approved in time and is closed.',
    );
  });

  it('closes a request as failed when nobody could approve it (an empty approver group)', async () => {
    const section = requestsSection();
    section.types[0]!.approval = { count: 1, approvers: ['S0NOBODY1'], ttl: '1d' };
    app = await startTestApp({ team: { requests: section } });
    await submitForm(app, 'database', validDatabase());
    const row = await waitForRow(app, 1, (r) => r.status === 'failed');
    expect(row.message).toMatch(/^Could not ask for approval: /);
    await waitForDm(app, ENGINEER, 'Your request #1 Postgres database failed.');
    const last = app.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === ENGINEER)
      .at(-1)!;
    expect(last.args.text).toBe('Your request #1 Postgres database failed.');
    expect(blockText(last.args.blocks)).toContain('Could not ask for approval');
    expect((await app.groundcrew.services.audit.latest(10)).map((r) => `${r.action} ${r.outcome}`)).toContain(
      'requests.approval-request failed',
    );
  });

  it('carries on when the requester cannot be DMed: stored, queued, claimable', async () => {
    app = await startRequestsApp();
    let ts = 0;
    app.slack.on('chat.postMessage', (args) =>
      args.channel === ENGINEER
        ? { ok: false, error: 'cannot_dm_bot' }
        : { ok: true, channel: args.channel, ts: `1800000000.${String(++ts).padStart(6, '0')}` },
    );
    await submitForm(app, 'secrets-access', { path: text('secret/data/x'), why: text('because') });
    const row = await waitForRow(app, 1, (r) => r.queueTs !== null);
    expect(row).toMatchObject({ status: 'queued', mode: 'manual', queueChannel: QUEUE });
    await clickQueue(app, PLATFORM_ENGINEER, IDS.claim, 1, row.queueTs!);
    await waitForRow(app, 1, (r) => r.status === 'claimed');
    // The claim is stored before the DM is tried: wait for the attempt.
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === ENGINEER);
    expect(app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === ENGINEER).length).toBeGreaterThan(0);
  });

  it('says so when the catalog is not configured', async () => {
    app = await startTestApp();
    const body = await ackBody(await app.command('request', { user_id: ENGINEER }));
    expect(body?.text).toContain('the `requests:` section of groundcrew.yml is missing');
    await settled(app);
    expect(await requestRows(app)).toEqual([]);
  });
});

describe('requests: a webhook that reports failure', () => {
  it('closes the request as failed, tells the requester and shows the platform team', async () => {
    app = await startRequestsApp();
    nock(HOOKS).post('/alert').reply(202);
    await submitForm(app, 'alert', { query: text('up == 0') });
    await waitForRow(app, 1, (r) => r.status === 'queued');
    const res = await callback(
      app,
      1,
      { status: 'failed', message: 'Prometheus rejected the rule: parse error' },
      ALERT_SECRET,
    );
    expect(res.status).toBe(200);
    await waitForRow(app, 1, (r) => r.status === 'failed' && r.queueTs !== null);
    const [card] = app.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === QUEUE);
    expect(blockText(card!.args.blocks)).toContain(
      'The automation reported a failure:* Prometheus rejected the rule: parse error',
    );
    await waitForDm(app, ENGINEER, 'Your request #1 Monitoring alert failed.');
    expect(dmsTo(app, ENGINEER).at(-1)).toBe('Your request #1 Monitoring alert failed.');
  });
});
