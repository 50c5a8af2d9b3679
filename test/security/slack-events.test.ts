import { afterEach, describe, expect, it } from 'vitest';
import { formEncode, startTestApp, type TestApp } from '../support/harness.js';
import { eventCallback } from '../support/payloads.js';
import { settled } from '../support/wait.js';

/** What POST /slack/events does with hostile or odd requests (SLACK_FACTS §1, Bolt's HTTPReceiver). */
let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('POST /slack/events', () => {
  it('refuses a body over Bolt’s 4 MB limit with 413, before any listener runs', async () => {
    app = await startTestApp();
    const big = JSON.stringify(eventCallback({ type: 'app_mention', text: 'x'.repeat(4 * 1024 * 1024) }));
    // Bolt answers 413 as soon as it sees the declared length, without reading the body.
    const response = await app.post(big, { contentType: 'application/json' });
    expect(response.status).toBe(413);
    await settled(app);
    expect(app.slack.calls).toEqual([]);
  });

  it('answers 401 to a JSON event with a bad signature or none, and runs nothing', async () => {
    app = await startTestApp();
    const body = JSON.stringify(eventCallback({ type: 'app_home_opened', user: 'U02ABC3DEFG', tab: 'home' }));
    expect((await app.post(body, { contentType: 'application/json', signed: false })).status).toBe(401);
    const forged = await app.post(body, {
      contentType: 'application/json',
      headers: { 'x-slack-signature': `v0=${'0'.repeat(64)}` },
    });
    expect(forged.status).toBe(401);
    await settled(app);
    expect(app.slack.calls).toEqual([]);
  });

  it('answers ssl_check with an empty 200 without a signature, and runs nothing', async () => {
    app = await startTestApp();
    const response = await app.post(formEncode({ ssl_check: '1', token: 'x' }), { signed: false });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    await settled(app);
    expect(app.slack.calls).toEqual([]);
  });

  it('echoes a signed url_verification challenge; an unsigned one is 401', async () => {
    app = await startTestApp();
    const body = JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 'x' });
    const signed = await app.post(body, { contentType: 'application/json' });
    expect(signed.status).toBe(200);
    expect(await signed.json()).toEqual({ challenge: 'c-123' });
    expect((await app.post(body, { contentType: 'application/json', signed: false })).status).toBe(401);
  });

  it('is 404 for other methods and paths', async () => {
    app = await startTestApp();
    expect((await fetch(`${app.baseUrl}/slack/events`)).status).toBe(404);
    expect((await fetch(`${app.baseUrl}/slack/events/extra`, { method: 'POST', body: '' })).status).toBe(404);
    expect((await fetch(`${app.baseUrl}/`)).status).toBe(404);
  });
});

describe('POST /slack/events with hostile JSON', () => {
  const cases: [string, string, string][] = [
    ...['null', '42', '"text"', '[]', 'true', ' \n null'].map((body): [string, string, string] => [
      body,
      body,
      'application/json',
    ]),
    [' \n[1]', ' \n[1]', 'application/json'],
    ['payload=null', formEncode({ payload: 'null' }), 'application/x-www-form-urlencoded'],
    ['token=…&payload=[]', formEncode({ token: 'x', payload: '[]' }), 'application/x-www-form-urlencoded'],
    // Bolt's form parser decodes field names: this is `payload=null` too.
    ['%70ayload=null', '%70ayload=null', 'application/x-www-form-urlencoded'],
    ['token=…&%70ayload=null', 'token=x&%70ayload=null', 'application/x-www-form-urlencoded'],
  ];
  it.each(cases)('answers a signed %s body with 400, without ending the process', async (_name, body, contentType) => {
    app = await startTestApp();
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const response = await app.post(body, { contentType });
      expect(response.status).toBe(400);
      // The app still serves the next request, and nothing went unhandled on the way.
      const health = await fetch(`${app.baseUrl}/healthz`);
      expect(health.status).toBe(200);
      await settled(app);
      expect(rejections).toEqual([]);
      expect(app.slack.calls).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});
