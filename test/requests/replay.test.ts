import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { twin } from '../../src/db/twin.js';
import { requestsTable } from '../../src/requests/schema.js';
import { signBody } from '../../src/webhooks/signing.js';
import { ENGINEER, type TestApp } from '../support/harness.js';
import { refOf } from '../support/refs.js';
import { eventually } from '../support/wait.js';
import { ALERT_SECRET, HOOKS, startRequestsApp, submitForm, text } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('request callbacks: side effects once per state change', () => {
  it('a signed in_progress callback replayed 20 times tells the requester once', async () => {
    app = await startRequestsApp();
    nock(HOOKS).post('/alert').reply(202, 'accepted');
    await submitForm(app, 'alert', { query: text('up == 0') });
    const db = app.groundcrew.services.db;
    const requests = twin(db, requestsTable);
    await eventually(async () => (await db.orm.select().from(requests))[0]?.status === 'queued', {
      what: 'request #1 queued',
    });
    const dms = () =>
      app!.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args.channel === ENGINEER && /in progress/i.test(JSON.stringify(c.args)));
    const body = JSON.stringify({ status: 'in_progress', message: 'creating the rule' });
    for (let i = 0; i < 20; i++) {
      const answer = await fetch(`${app.baseUrl}/hooks/requests/${await refOf(app, 'requests', 1)}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-groundcrew-signature': signBody(ALERT_SECRET, body) },
      });
      expect(answer.status).toBe(200);
    }
    await eventually(() => dms().length >= 1, { what: 'the in-progress DM' });
    // Every callback was answered after its effects: count them.
    expect(dms()).toHaveLength(1);
    expect((await db.orm.select().from(requests))[0]).toMatchObject({ status: 'in_progress' });
  });
});
