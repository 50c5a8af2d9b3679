import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelayMs, sendWebhook } from '../../src/webhooks/sender.js';
import { verifyBody } from '../../src/webhooks/signing.js';

afterEach(() => nock.cleanAll());

describe('webhook sender', () => {
  it('signs the exact JSON body it sends', async () => {
    let seen: { body: string; signature: string | undefined } | undefined;
    nock('http://hooks.test')
      .post('/x')
      .reply(function (_uri, body) {
        seen = { body: JSON.stringify(body), signature: this.req.headers['x-groundcrew-signature'] as string };
        return [202, 'accepted'];
      });
    const result = await sendWebhook(fetch, {
      url: 'http://hooks.test/x',
      secret: 's3cret-s3cret-s3cret',
      payload: { a: 1 },
    });
    expect(result).toEqual({ ok: true, status: 202, body: 'accepted' });
    expect(seen?.body).toBe('{"a":1}');
    expect(verifyBody('s3cret-s3cret-s3cret', '{"a":1}', seen?.signature)).toBe(true);
  });

  it('names the reason behind "fetch failed" (its cause), so the person sees why', async () => {
    const refused: typeof fetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      });
    };
    expect(await sendWebhook(refused, { url: 'http://hooks.test/x', secret: 'k', payload: {} })).toEqual({
      ok: false,
      status: null,
      error: 'fetch failed (ECONNREFUSED)',
    });
  });

  it('reports non-2xx answers and network errors as failures', async () => {
    nock('http://hooks.test').post('/x').reply(500, 'boom');
    expect(await sendWebhook(fetch, { url: 'http://hooks.test/x', secret: 'k', payload: {} })).toMatchObject({
      ok: false,
      status: 500,
      error: 'HTTP 500: boom',
    });
    nock('http://hooks.test').post('/x').replyWithError('connection refused');
    const failed = await sendWebhook(fetch, { url: 'http://hooks.test/x', secret: 'k', payload: {} });
    expect(failed.ok).toBe(false);
    expect(failed.ok ? null : failed.status).toBeNull();
  });

  it('backs off 1, 2, 4 … minutes, capped at an hour', () => {
    expect([1, 2, 3, 4, 7, 20].map((n) => backoffDelayMs(n) / 60_000)).toEqual([1, 2, 4, 8, 60, 60]);
  });
});
