import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { together } from '../support/database.js';
import { ENGINEER, type TestApp } from '../support/harness.js';
import { settled } from '../support/wait.js';
import { ALERT_SECRET, callback, HOOKS, startRequestsApp, submitForm, text, waitForRow } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
  nock.cleanAll();
});

describe('request callbacks arriving at the same moment', () => {
  it('the same progress news sent three times at once tells the requester once; new news once more', async () => {
    app = await startRequestsApp();
    nock(HOOKS).post('/alert').reply(202, 'accepted');
    await submitForm(app, 'alert', { query: text('up == 0') });
    await waitForRow(app, 1, (r) => r.status === 'queued');
    await settled(app);
    const progressDms = () =>
      app!.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args.channel === ENGINEER && /in progress/i.test(JSON.stringify(c.args)));

    // The three reports meet in the database: each reads the request before any of them writes.
    const send = (message: string) =>
      together(
        app!,
        [1, 2, 3].map(() => () => callback(app!, 1, { status: 'in_progress', message }, ALERT_SECRET)),
      );
    expect((await send('creating the rule')).map((r) => r.status)).toEqual([200, 200, 200]);
    await settled(app);
    expect(progressDms()).toHaveLength(1);

    expect((await send('rule created, waiting for the first scrape')).map((r) => r.status)).toEqual([200, 200, 200]);
    await settled(app);
    expect(progressDms()).toHaveLength(2);
    expect((await waitForRow(app, 1, (r) => r.status === 'in_progress')).message).toBe(
      'rule created, waiting for the first scrape',
    );
  });
});
