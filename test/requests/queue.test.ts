import { afterEach, describe, expect, it } from 'vitest';
import { IDS } from '../../src/requests/slack/ids.js';
import { ackBody, blockText, ENGINEER, PLATFORM_ENGINEER, type TestApp } from '../support/harness.js';
import { appHomeOpened } from '../support/payloads.js';
import { settled } from '../support/wait.js';
import { clickQueue, startRequestsApp, submitForm, text, validDatabase, waitForRow } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const HOUR = 3_600_000;
const secrets = { path: text('secret/data/x'), why: text('because') };

describe('/platform requests --open: the platform team’s queue', () => {
  it('lists their manual work first (past SLA first), then what is open elsewhere; refusals are audited', async () => {
    app = await startRequestsApp();
    await submitForm(app, 'database', validDatabase()); // #1: oldest, but waiting for an approver
    await waitForRow(app, 1, (r) => r.status === 'awaiting_approval');
    app.clock.advance(60_000);
    await submitForm(app, 'secrets-access', secrets); // #2
    const two = await waitForRow(app, 2, (r) => r.queueTs !== null);
    app.clock.advance(3 * HOUR);
    await submitForm(app, 'secrets-access', secrets); // #3
    await waitForRow(app, 3, (r) => r.queueTs !== null);
    app.clock.advance(HOUR + 60_000);
    await app.groundcrew.services.scheduler.runNow('requests.sla-sweep'); // #2 is past its 4h SLA, #3 is not
    await waitForRow(app, 2, (r) => r.slaFlaggedAt !== null);

    const queue = await ackBody(await app.command('requests --open', { user_id: PLATFORM_ENGINEER }));
    expect(queue?.text).toBe('Waiting for the platform team: 2, 1 past SLA; 1 open elsewhere');
    const shown = blockText(queue?.blocks);
    const at = (needle: string) => {
      const index = shown.indexOf(needle);
      expect(index, needle).toBeGreaterThan(-1);
      return index;
    };
    expect(at('*Waiting for the platform team* (2, 1 past SLA)')).toBeLessThan(at('#2 Secrets access'));
    expect(at('#2 Secrets access')).toBeLessThan(at('#3 Secrets access'));
    expect(at('#3 Secrets access')).toBeLessThan(at('*Open elsewhere* (1)'));
    expect(at('*Open elsewhere* (1)')).toBeLessThan(at('#1 Postgres database* — awaiting approval'));

    await app.event(appHomeOpened(PLATFORM_ENGINEER));
    const publish = await app.slack.waitFor('views.publish', (c) => c.args.user_id === PLATFORM_ENGINEER);
    const home = blockText((publish.at(-1)!.args.view as { blocks: unknown }).blocks);
    expect(home).toContain('Queue: 2 waiting for the platform team, 1 past SLA');

    // Someone outside the platform team tries the queue and the Reject button: told no, and it is on record.
    const refused = await ackBody(await app.command('requests --open', { user_id: ENGINEER }));
    expect(refused?.text).toContain('is for the platform team');
    await clickQueue(app, ENGINEER, IDS.reject, 2, two.queueTs!);
    await app.slack.waitFor('response_url', (c) => /Only the platform team/.test(String(c.args.text)));
    await settled(app);
    expect(app.slack.callsTo('views.open')).toEqual([]);
    const audit = (await app.groundcrew.services.audit.latest(30)).map(
      (r) => `${r.actor} ${r.action} ${r.target ?? '-'} ${r.outcome}`,
    );
    expect(audit).toEqual(
      expect.arrayContaining([`${ENGINEER} requests.queue - denied`, `${ENGINEER} requests.reject request:2 denied`]),
    );
  });
});
