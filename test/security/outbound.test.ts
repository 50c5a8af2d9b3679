import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { readTextCapped, scrubUrl, sendWebhook } from '../../src/webhooks/sender.js';
import { ENGINEER, startDeploysApp } from '../deploys/support.js';
import type { TestApp } from '../support/harness.js';
import { noAnswer } from '../support/wait.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
  nock.cleanAll();
});

describe('outbound webhooks', () => {
  it('does not follow a redirect: the signed body goes only to the configured URL, and the error names where it pointed', async () => {
    const elsewhere = nock('http://elsewhere.test').post('/steal').reply(200, 'thanks');
    nock('http://hooks.test').post('/x').reply(307, '', { location: 'http://elsewhere.test/steal?token=abc' });
    const result = await sendWebhook(fetch, { url: 'http://hooks.test/x', secret: 'k', payload: { a: 1 } });
    expect(result).toEqual({
      ok: false,
      status: 307,
      error: 'HTTP 307: redirects are not followed (it pointed to http://elsewhere.test); configure the final URL',
    });
    expect(elsewhere.isDone()).toBe(false);
  });

  it('reads at most the cap of an answer', async () => {
    nock('http://hooks.test').post('/x').reply(500, 'e'.repeat(200_000));
    const result = await sendWebhook(fetch, {
      url: 'http://hooks.test/x',
      secret: 'k',
      payload: {},
      maxResponseBytes: 1000,
    });
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.body).toHaveLength(1000);
    expect(result.ok ? '' : result.error).toBe(`HTTP 500: ${'e'.repeat(200)}`);
  });

  it('readTextCapped keeps whole answers under the cap and cuts longer ones', async () => {
    expect(await readTextCapped(new Response('short'), 100)).toBe('short');
    expect(await readTextCapped(new Response('x'.repeat(70_000)))).toHaveLength(64 * 1024);
    expect(await readTextCapped(new Response(null), 10)).toBe('');
  });

  it('times out a webhook that never answers', async () => {
    nock('http://hooks.test').post('/x').reply(noAnswer);
    const result = await sendWebhook(fetch, { url: 'http://hooks.test/x', secret: 'k', payload: {}, timeoutMs: 50 });
    expect(result).toEqual({ ok: false, status: null, error: 'timed out' });
  });

  it('a deploy webhook that redirects fails the deploy, saying why, without the redirect path', async () => {
    app = await startDeploysApp();
    nock('http://deployer.test')
      .post('/hooks/groundcrew')
      .reply(302, '', { location: 'https://login.example.com/sso?session=secret' });
    await app.command('deploy worker staging', { user_id: ENGINEER });
    const [reply] = await app.slack.waitFor('response_url', (c) => String(c.args.text).includes('failed'));
    expect(reply!.args.text).toBe(
      ':x: Deploy #1 · worker → staging (`main`) failed: could not start: the deploy webhook answered HTTP 302: ' +
        'redirects are not followed (it pointed to https://login.example.com); configure the final URL',
    );
  });
});

describe('errors fit to show', () => {
  it('a webhook URL with credentials in it never reaches the error (fetch puts the whole URL in its message)', async () => {
    const result = await sendWebhook(fetch, {
      url: 'http://user:s3cret-pass@hooks.test/x?token=t0ken',
      secret: 'k',
      payload: {},
    });
    expect(result.ok).toBe(false);
    const error = result.ok ? '' : result.error;
    expect(error).toBe('Request cannot be constructed from a URL that includes credentials: hooks.test');
  });

  it('scrubUrl replaces the URL by its host and drops any other user:password@', () => {
    expect(scrubUrl('failed: https://a.test/p?k=v', 'https://a.test/p?k=v')).toBe('failed: a.test');
    expect(scrubUrl('see https://u:p@b.test/x', 'https://a.test/')).toBe('see https://b.test/x');
  });
});
