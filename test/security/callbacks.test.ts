import { connect } from 'node:net';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { auditLogTable as auditTable } from '../../src/db/schema.js';
import { twin } from '../../src/db/twin.js';
import { deploysTable } from '../../src/deploys/schema.js';
import { requestsTable } from '../../src/requests/schema.js';
import { signBody } from '../../src/webhooks/signing.js';
import { settle, startDeploysApp, WEBHOOK_SECRET } from '../deploys/support.js';
import { ALERT_SECRET, DB_SECRET, HOOKS, startRequestsApp, submitForm, text } from '../requests/support.js';
import { ENGINEER, startTestApp, type TestApp } from '../support/harness.js';
import { recordingLogger } from '../support/recording-logger.js';
import { refOf } from '../support/refs.js';
import { eventually, settled } from '../support/wait.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

interface Post {
  body?: string;
  secret?: string;
  signature?: string;
  contentType?: string;
  method?: string;
}

/** POSTs to `path`; `/hooks/<kind>/<id>` of a stored row goes to its callback URL (with the row's nonce). */
async function hook(path: string, options: Post = {}): Promise<Response> {
  const stored = /^\/hooks\/(deploys|requests)\/(\d+)$/.exec(path);
  const kind = stored?.[1] as 'deploys' | 'requests' | undefined;
  const url = stored && kind ? `/hooks/${kind}/${await refOf(app!, kind, Number(stored[2]))}` : path;
  const body = options.body ?? JSON.stringify({ status: 'in_progress' });
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  const signature = options.signature ?? (options.secret ? signBody(options.secret, body) : undefined);
  if (signature) headers['x-groundcrew-signature'] = signature;
  const method = options.method ?? 'POST';
  return fetch(`${app!.baseUrl}${url}`, { method, headers, ...(method === 'GET' ? {} : { body }) });
}

/** Everything a refused callback must leave alone: the tables it could touch and what was sent to Slack. */
async function snapshot(a: TestApp) {
  const { db } = a.groundcrew.services;
  const [requests, deploys, audit] = [twin(db, requestsTable), twin(db, deploysTable), twin(db, auditTable)];
  return {
    requests: await db.orm.select().from(requests).orderBy(requests.id),
    deploys: await db.orm.select().from(deploys).orderBy(deploys.id),
    audit: await db.orm.select().from(audit).orderBy(audit.id),
    slackCalls: a.slack.calls.length,
  };
}

/** Sends headers and part of a declared body, then hangs up: the route's body read fails mid-way. */
function abortedUpload(baseUrl: string, path: string): Promise<void> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      // Once the partial body is on its way, close our side (FIN, so the bytes sent still arrive first).
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"status":`,
        () => socket.end(resolve),
      );
    });
  });
}

async function queuedAlertRequest(a: TestApp): Promise<void> {
  nock(HOOKS).post('/alert').reply(202, 'accepted');
  await submitForm(a, 'alert', { query: text('up == 0') });
  await eventually(
    async () =>
      (await a.groundcrew.services.db.orm.select().from(twin(a.groundcrew.services.db, requestsTable)))[0]?.status ===
      'queued',
    {
      what: 'request #1 to be queued',
    },
  );
  await a.slack.waitFor(
    'chat.postMessage',
    (c) => c.args.channel === ENGINEER && /is queued/.test(String(c.args.text)),
  );
  await settled(a);
}

describe('POST /hooks/requests/:id refuses before it looks anything up', () => {
  it('answers 401 (not 404) to an unsigned report for an unknown id; only a signed one learns it is unknown', async () => {
    app = await startRequestsApp();
    await queuedAlertRequest(app);
    const before = await snapshot(app);

    expect((await hook('/hooks/requests/999')).status).toBe(401);
    expect((await hook('/hooks/requests/999', { secret: 'not-a-configured-secret' })).status).toBe(401);
    expect((await hook('/hooks/requests/not-a-number', { signature: 'sha256=00' })).status).toBe(401);
    expect((await hook('/hooks/requests/1', { signature: 'sha256=00' })).status).toBe(401);
    expect((await hook('/hooks/requests/1', { signature: ['sha256=', 'x'].join('') })).status).toBe(401);
    // Nothing about those is recorded: anyone can send them, and they must not fill the audit log.
    await settled(app);
    expect(await snapshot(app)).toEqual(before);

    const unknown = await hook('/hooks/requests/999', { secret: ALERT_SECRET });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ ok: false, error: 'no request 999' });
  });

  it('413 for a body over 100 kB, 415 for a body that is not JSON, 404 for other methods; nothing changes', async () => {
    app = await startRequestsApp();
    await queuedAlertRequest(app);
    const before = await snapshot(app);

    const big = JSON.stringify({ status: 'in_progress', message: 'x'.repeat(120_000) });
    const tooLarge = await hook('/hooks/requests/1', { body: big, secret: ALERT_SECRET });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ ok: false, error: 'body too large (limit 100000 bytes)' });

    const form = 'status=done';
    const notJson = await hook('/hooks/requests/1', {
      body: form,
      secret: ALERT_SECRET,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(notJson.status).toBe(415);
    expect(await notJson.json()).toEqual({ ok: false, error: 'send the report as Content-Type: application/json' });
    const done = JSON.stringify({ status: 'done' });
    expect(
      (await hook('/hooks/requests/1', { body: done, secret: ALERT_SECRET, contentType: 'text/plain' })).status,
    ).toBe(415);
    expect((await hook('/hooks/requests/1', { method: 'GET' })).status).toBe(404);
    expect((await hook('/hooks/requests/1', { method: 'PUT', body: done, secret: ALERT_SECRET })).status).toBe(404);
    // Signed with the right secret, but wrong in content: 400, the request is untouched.
    expect((await hook('/hooks/requests/1', { body: '{"status":', secret: ALERT_SECRET })).status).toBe(400);
    expect((await hook('/hooks/requests/1', { body: '{"status":"exploded"}', secret: ALERT_SECRET })).status).toBe(400);
    // Another type's secret is a configured one, so it passes the gate, but not this request's: 401.
    expect((await hook('/hooks/requests/1', { body: done, secret: DB_SECRET })).status).toBe(401);
    const after = await snapshot(app);
    expect(after.requests).toEqual(before.requests);
    expect(after.slackCalls).toBe(before.slackCalls);
    // The three signed refusals are audited as denied, and nothing else was written.
    expect(after.audit.slice(before.audit.length).map((r) => `${r.action} ${r.outcome}`)).toEqual([
      'requests.callback denied',
      'requests.callback denied',
      'requests.callback denied',
    ]);

    // A charset parameter is fine.
    const ok = await hook('/hooks/requests/1', {
      body: done,
      secret: ALERT_SECRET,
      contentType: 'application/json; charset=utf-8',
    });
    expect(ok.status).toBe(200);
  });

  it('survives a client that hangs up mid-body (was an unhandled rejection, which ends the process)', async () => {
    const logger = recordingLogger();
    app = await startRequestsApp({ logger });
    const unhandled: unknown[] = [];
    const collect = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', collect);
    try {
      await abortedUpload(app.baseUrl, '/hooks/requests/1');
      await eventually(() => logger.lines.some((l) => l.includes('HTTP POST /hooks/requests/1 failed')));
      await settled(app);
      expect(unhandled).toEqual([]);
      expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200);
    } finally {
      process.off('unhandledRejection', collect);
    }
  });
});

describe('POST /hooks/deploys/:id refuses before it looks anything up', () => {
  it('answers 401 (not 404) to an unsigned report for an unknown deploy; 413, 415, 404 by method; nothing changes', async () => {
    app = await startDeploysApp();
    nock('http://deployer.test').post('/hooks/groundcrew').reply(202, {});
    await app.command('deploy worker staging', { user_id: ENGINEER });
    await settle(app, 1, 'running');
    await settled(app);
    const before = await snapshot(app);

    expect((await hook('/hooks/deploys/99')).status).toBe(401);
    expect((await hook('/hooks/deploys/99', { secret: 'wrong-secret-0000000000' })).status).toBe(401);
    expect((await hook('/hooks/deploys/abc', { signature: 'sha256=00' })).status).toBe(401);
    expect((await hook('/hooks/deploys/99', { secret: WEBHOOK_SECRET })).status).toBe(404);

    const big = JSON.stringify({ status: 'in_progress', message: 'x'.repeat(120_000) });
    expect((await hook('/hooks/deploys/1', { body: big, secret: WEBHOOK_SECRET })).status).toBe(413);
    const done = JSON.stringify({ status: 'succeeded' });
    const wrongType = await hook('/hooks/deploys/1', { body: done, secret: WEBHOOK_SECRET, contentType: 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect((await hook('/hooks/deploys/1', { method: 'GET' })).status).toBe(404);
    expect((await hook('/hooks/deploys/1', { method: 'PUT', body: done, secret: WEBHOOK_SECRET })).status).toBe(404);
    expect((await hook('/hooks/deploys/1', { body: '{not json', secret: WEBHOOK_SECRET })).status).toBe(400);
    expect((await hook('/hooks/deploys/1', { body: '{"status":"exploded"}', secret: WEBHOOK_SECRET })).status).toBe(
      400,
    );
    // A signed report naming another deploy (a replay against this URL) is refused too.
    const replay = await hook('/hooks/deploys/1', {
      body: '{"status":"succeeded","deployId":7}',
      secret: WEBHOOK_SECRET,
    });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toEqual({ ok: false, error: 'deployId: 7 in the body, but this is /hooks/deploys/1' });
    await settled(app);
    expect(await snapshot(app)).toEqual(before);

    const named = JSON.stringify({ status: 'succeeded', deployId: 1 });
    expect((await hook('/hooks/deploys/1', { body: named, secret: WEBHOOK_SECRET })).status).toBe(200);
  });

  it('a signed report for a deploy run by GitHub Actions (not a webhook) is 404', async () => {
    app = await startDeploysApp();
    nock('http://github.test')
      .post('/repos/acme/web/actions/workflows/deploy.yml/dispatches')
      .reply(200, { workflow_run_id: 5, html_url: 'https://github.com/acme/web/actions/runs/5' });
    await app.command('deploy web staging', { user_id: ENGINEER });
    await settle(app, 1, 'running');
    await settled(app);
    const before = await snapshot(app);
    const report = await hook('/hooks/deploys/1', { body: '{"status":"succeeded"}', secret: WEBHOOK_SECRET });
    expect(report.status).toBe(404);
    await settled(app);
    expect(await snapshot(app)).toEqual(before);
  });

  it('is 404 when deploys are not configured (was an unhandled rejection), and survives an aborted upload', async () => {
    app = await startTestApp();
    const unhandled: unknown[] = [];
    const collect = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', collect);
    try {
      const report = await hook('/hooks/deploys/1', { secret: WEBHOOK_SECRET });
      expect(report.status).toBe(404);
      expect(await report.json()).toEqual({ ok: false, error: 'deploys are not configured' });
      expect((await hook('/hooks/requests/1', { secret: WEBHOOK_SECRET })).status).toBe(404);
      await app.stop();
      const logger = recordingLogger();
      app = await startDeploysApp({ logger });
      await abortedUpload(app.baseUrl, '/hooks/deploys/1');
      await eventually(() => logger.lines.some((l) => l.includes('HTTP POST /hooks/deploys/1 failed')));
      await settled(app);
      expect(unhandled).toEqual([]);
      expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200);
    } finally {
      process.off('unhandledRejection', collect);
    }
  });
});

describe('normal mode', () => {
  it('serves no playground routes: only a 410 Gone that tells a leftover tab to stop', async () => {
    app = await startTestApp();
    for (const path of ['/playground', '/playground/state?user=U0ENGINEER', '/playground/static/app.js']) {
      const response = await fetch(`${app.baseUrl}${path}`);
      expect(response.status, path).toBe(410);
      expect(await response.text(), path).toContain('running for real');
    }
    const ui = await fetch(`${app.baseUrl}/playground/ui/command`, { method: 'POST', body: '{}' });
    expect(ui.status).toBe(410);
    expect(await ui.json()).toMatchObject({ ok: false, error: 'playground_off' });
  });

  it('/healthz answers GET and HEAD with nothing but the database state; other methods are 404', async () => {
    app = await startTestApp();
    const health = await fetch(`${app.baseUrl}/healthz`);
    expect(await health.json()).toEqual({ ok: true, db: 'up' });
    expect((await fetch(`${app.baseUrl}/healthz`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${app.baseUrl}/healthz`, { method: 'POST', body: '{}' })).status).toBe(404);
  });
});
