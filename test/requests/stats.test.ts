import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { IDS } from '../../src/requests/slack/ids.js';
import { ADMIN, ackBody, blockText, ENGINEER, PLATFORM_ENGINEER, type TestApp } from '../support/harness.js';
import { viewSubmission } from '../support/payloads.js';
import { refOf } from '../support/refs.js';
import {
  ALERT_SECRET,
  callback,
  clickQueue,
  HOOKS,
  requestRows,
  startRequestsApp,
  submitForm,
  text,
  waitForRow,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const HOUR = 3_600_000;

describe('/platform admin stats', () => {
  it('reports volume, self-service rate, median and p90 time to fulfil and rejection rate per type', async () => {
    app = await startRequestsApp();
    const t0 = app.clock.now().getTime();
    const at = (ms: number) => app!.clock.set(new Date(t0 + ms));
    const secrets = { path: text('secret/x'), why: text('because') };

    // t0: two manual secrets requests (#1, #2) and three alerts whose webhooks accept (#3, #4) or fail (#5).
    await submitForm(app, 'secrets-access', secrets);
    await waitForRow(app, 1, (r) => r.queueTs !== null);
    await submitForm(app, 'secrets-access', secrets);
    await waitForRow(app, 2, (r) => r.queueTs !== null);
    nock(HOOKS).post('/alert').times(2).reply(202);
    await submitForm(app, 'alert', { query: text('a') });
    await waitForRow(app, 3, (r) => r.status === 'queued');
    await submitForm(app, 'alert', { query: text('b') });
    await waitForRow(app, 4, (r) => r.status === 'queued');
    nock(HOOKS).post('/alert').times(3).reply(500);
    await submitForm(app, 'alert', { query: text('c') });
    await waitForRow(app, 5, (r) => r.webhookAttempts === 1 && r.lastError !== null);
    at(1 * 60_000);
    await app.groundcrew.services.scheduler.runNow('requests.retry-webhooks');
    at(3 * 60_000);
    await app.groundcrew.services.scheduler.runNow('requests.retry-webhooks');
    const fellBack = await waitForRow(app, 5, (r) => r.mode === 'manual' && r.queueTs !== null);
    // #6 stays open.
    nock(HOOKS).post('/alert').reply(202);
    await submitForm(app, 'alert', { query: text('d') });
    await waitForRow(app, 6, (r) => r.status === 'queued');

    // #2 rejected by the platform team.
    const rejectModal = await app.interact(
      viewSubmission({
        userId: PLATFORM_ENGINEER,
        callbackId: IDS.rejectView,
        privateMetadata: JSON.stringify({ requestId: await refOf(app, 'requests', 2) }),
        values: { [IDS.rejectReasonBlock]: { [IDS.rejectReasonAction]: { type: 'plain_text_input', value: 'no' } } },
      }),
    );
    expect(rejectModal.status).toBe(200);
    await waitForRow(app, 2, (r) => r.status === 'rejected');

    at(1 * HOUR);
    expect((await callback(app, 3, { status: 'done' }, ALERT_SECRET)).status).toBe(200); // 1h, self-service
    at(2 * HOUR);
    await clickQueue(app, PLATFORM_ENGINEER, IDS.done, 1, (await requestRows(app))[0]!.queueTs!); // 2h, manual
    await waitForRow(app, 1, (r) => r.status === 'done');
    at(3 * HOUR);
    expect((await callback(app, 4, { status: 'in_progress' }, ALERT_SECRET)).status).toBe(200);
    expect((await callback(app, 4, { status: 'done' }, ALERT_SECRET)).status).toBe(200); // 3h, self-service
    at(5 * HOUR);
    await clickQueue(app, PLATFORM_ENGINEER, IDS.done, 5, fellBack.queueTs!); // 5h, fell back: touched
    await waitForRow(app, 5, (r) => r.status === 'done');

    // Hand-computed:
    // alert:   volume 4 (#3 #4 #5 #6); done 3 in 1h, 3h, 5h; by webhook alone 2 → 67%;
    //          median of [1h, 3h, 5h] = 3h; p90 = rank ceil(0.9 × 3) = 3 → 5h; rejected 0/4; open 1.
    // secrets: volume 2; done 1 (#1, 2h, manual) → 0%; median = p90 = 2h; rejected 1/2 = 50%; open 0.
    // database: nothing yet.
    const body = await ackBody(await app.command('admin stats', { user_id: ADMIN }));
    const shown = blockText(body?.blocks);
    expect(shown).toContain(
      '*Monitoring alert* (`alert`)\nVolume *4* · self-service *67%* (2/3 fulfilled) · ' +
        'time to fulfil median *3h*, p90 *5h* · rejected *0%* (0/4) · open 1',
    );
    expect(shown).toContain(
      '*Secrets access* (`secrets-access`)\nVolume *2* · self-service *0%* (0/1 fulfilled) · ' +
        'time to fulfil median *2h*, p90 *2h* · rejected *50%* (1/2) · open 0',
    );
    expect(shown).toContain(
      '*Postgres database* (`database`)\nVolume *0* · self-service *—* (0/0 fulfilled) · ' +
        'time to fulfil median *—*, p90 *—* · rejected *—* (0/0) · open 0',
    );

    const member = await ackBody(await app.command('admin stats', { user_id: ENGINEER }));
    expect(member?.text).toContain('is for the platform team');

    // --days N counts only requests submitted in the last N days: #7 (3 days later) alone in the last day.
    at(3 * 24 * HOUR);
    nock(HOOKS).post('/alert').reply(202);
    await submitForm(app, 'alert', { query: text('e') });
    await waitForRow(app, 7, (r) => r.status === 'queued');
    const lastDay = await ackBody(await app.command('admin stats --days 1', { user_id: ADMIN }));
    expect(blockText(lastDay?.blocks)).toContain('Request stats (last 1 day)');
    expect(blockText(lastDay?.blocks)).toContain(
      '*Monitoring alert* (`alert`)\nVolume *1* · self-service *—* (0/0 fulfilled) · ' +
        'time to fulfil median *—*, p90 *—* · rejected *0%* (0/1) · open 1',
    );
    expect(blockText(lastDay?.blocks)).toContain('*Secrets access* (`secrets-access`)\nVolume *0*');
    const fourDays = await ackBody(await app.command('admin stats --days 4', { user_id: ADMIN }));
    expect(blockText(fourDays?.blocks)).toContain('*Monitoring alert* (`alert`)\nVolume *5* · self-service *67%*');
    const wrong = await ackBody(await app.command('admin stats --days week', { user_id: ADMIN }));
    expect(wrong?.text).toContain('`--days week` is not a number of days');
  });
});
