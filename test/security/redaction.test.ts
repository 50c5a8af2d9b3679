import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { auditLogTable } from '../../src/db/schema.js';
import { twin } from '../../src/db/twin.js';
import { deploysTable } from '../../src/deploys/schema.js';
import { REDACTED, redactSecrets } from '../../src/redact.js';
import { requestsTable } from '../../src/requests/schema.js';
import { signBody } from '../../src/webhooks/signing.js';
import { DISPATCH, GITHUB, settle, startDeploysApp, WEBHOOK_SECRET } from '../deploys/support.js';
import { ALERT_SECRET, HOOKS, startRequestsApp, submitForm, text } from '../requests/support.js';
import { ENGINEER, type TestApp } from '../support/harness.js';
import { refOf } from '../support/refs.js';
import { eventually } from '../support/wait.js';

/** The harness's GITHUB_TOKEN and SLACK_BOT_TOKEN. */
const GITHUB_TOKEN = 'ghp_test';
const SLACK_TOKEN = 'xoxb-test-token';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** Everything groundcrew said to Slack and everything it stored, as one string. */
async function everything(a: TestApp): Promise<string> {
  const { db } = a.groundcrew.services;
  return JSON.stringify({
    slack: a.slack.calls.map((c) => c.args),
    deploys: await db.orm.select().from(twin(db, deploysTable)),
    requests: await db.orm.select().from(twin(db, requestsTable)),
    audit: await db.orm.select().from(twin(db, auditLogTable)),
  });
}

describe('secrets echoed by a remote are redacted before they are shown or stored', () => {
  it('redactSecrets: known secrets and token-shaped strings', () => {
    expect(
      redactSecrets('bad credentials ghp_test and webhook-secret-0123456789', [WEBHOOK_SECRET, GITHUB_TOKEN]),
    ).toBe(`bad credentials ${REDACTED} and ${REDACTED}`);
    expect(redactSecrets('token xoxb-1234-5678-abcdef leaked, Authorization: Bearer abcdefghijklmnop')).toBe(
      `token ${REDACTED} leaked, Authorization: Bearer ${REDACTED}`,
    );
    expect(redactSecrets('nothing to hide', ['short', undefined])).toBe('nothing to hide');
  });

  it('GitHub refusing a dispatch with a message that echoes the token', async () => {
    app = await startDeploysApp();
    nock(GITHUB)
      .post(DISPATCH)
      .reply(401, { message: `Bad credentials: ${GITHUB_TOKEN} (sent as Bearer ${GITHUB_TOKEN}); bot ${SLACK_TOKEN}` });
    await app.command('deploy web staging', { user_id: ENGINEER });
    const row = await settle(app, 1, 'failed');
    expect(row.detail).toContain('GitHub answered 401: Bad credentials: [redacted]');
    expect(await everything(app)).not.toContain(GITHUB_TOKEN);
    expect(await everything(app)).not.toContain(SLACK_TOKEN);
  });

  it('a deploy webhook answering with its shared secret, and reporting it in a signed callback', async () => {
    app = await startDeploysApp();
    nock('http://deployer.test').post('/hooks/groundcrew').reply(202, {});
    await app.command('deploy worker staging', { user_id: ENGINEER });
    await settle(app, 1, 'running');
    const report = JSON.stringify({ status: 'failed', message: `signature check with ${WEBHOOK_SECRET} failed` });
    const answer = await fetch(`${app.baseUrl}/hooks/deploys/${await refOf(app, 'deploys', 1)}`, {
      method: 'POST',
      body: report,
      headers: { 'content-type': 'application/json', 'x-groundcrew-signature': signBody(WEBHOOK_SECRET, report) },
    });
    expect(answer.status).toBe(200);
    const failed = await settle(app, 1, 'failed');
    expect(JSON.stringify(failed)).toContain(`signature check with ${REDACTED} failed`);

    nock('http://deployer.test').post('/hooks/groundcrew').reply(500, `expected secret ${WEBHOOK_SECRET}`);
    await app.command('deploy worker staging', { user_id: ENGINEER });
    await settle(app, 2, 'failed');
    expect(await everything(app)).not.toContain(WEBHOOK_SECRET);
  });

  it('a request fulfilment webhook answering with its shared secret', async () => {
    app = await startRequestsApp();
    nock(HOOKS).post('/alert').reply(500, `bad signature, expected HMAC with ${ALERT_SECRET}`);
    await submitForm(app, 'alert', { query: text('up == 0') });
    const db = app.groundcrew.services.db;
    // The try is stored before the POST; its error once the answer came back.
    const requests = twin(db, requestsTable);
    await eventually(async () => (await db.orm.select().from(requests))[0]?.lastError, {
      what: 'the first try answered',
    });
    expect((await db.orm.select().from(requests))[0]!.lastError).toBe(
      `HTTP 500: bad signature, expected HMAC with ${REDACTED}`,
    );
    expect(await everything(app)).not.toContain(ALERT_SECRET);
  });
});
