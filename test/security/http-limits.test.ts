import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { twin } from '../../src/db/twin.js';
import { requestsTable } from '../../src/requests/schema.js';
import { startRequestsApp } from '../requests/support.js';
import { startTestApp, type TestApp } from '../support/harness.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

interface RawResponse {
  /** The status line's code, or null when the connection ended without a response. */
  status: number | null;
  body: string;
  error?: string;
}

/** Uploads `totalBytes` as a chunked body (no Content-Length) in 16 kB chunks, then reads what comes back. */
function chunkedUpload(baseUrl: string, path: string, totalBytes: number): Promise<RawResponse> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve) => {
    let received = '';
    let error: string | undefined;
    const socket = connect(Number(port), '127.0.0.1');
    const finish = () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
      resolve({
        status: status ? Number(status[1]) : null,
        body: received.split('\r\n\r\n').slice(1).join('\r\n\r\n'),
        ...(error ? { error } : {}),
      });
    };
    socket.on('data', (data) => {
      received += data.toString('utf8');
    });
    socket.on('error', (e) => {
      error = (e as NodeJS.ErrnoException).code ?? e.message;
    });
    socket.on('close', finish);
    socket.on('connect', async () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      );
      const chunk = 'x'.repeat(16_384);
      for (let sent = 0; sent < totalBytes && !socket.destroyed; sent += chunk.length) {
        const ok = socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        if (!ok) await new Promise((r) => socket.once('drain', r));
      }
      if (!socket.destroyed) socket.write('0\r\n\r\n');
    });
  });
}

describe('HTTP limits', () => {
  it('answers an oversized chunked callback body with the documented 413, not a connection reset', async () => {
    app = await startRequestsApp();
    const response = await chunkedUpload(app.baseUrl, '/hooks/requests/1', 5_000_000);
    expect(response.error).toBeUndefined();
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body.replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, ''))).toEqual({
      ok: false,
      error: 'body too large (limit 100000 bytes)',
    });
    const { db } = app.groundcrew.services;
    expect(await db.orm.select().from(twin(db, requestsTable))).toEqual([]);
    expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200);
  });

  it('does not hold a slow client for minutes: header and request timeouts are short', async () => {
    app = await startTestApp();
    // Node's defaults are 60 s for headers and 300 s for a whole request.
    expect(app.server.headersTimeout).toBeGreaterThan(0);
    expect(app.server.headersTimeout).toBeLessThanOrEqual(10_000);
    expect(app.server.requestTimeout).toBeGreaterThan(0);
    expect(app.server.requestTimeout).toBeLessThanOrEqual(30_000);
  });

  it('cuts a client that never finishes its headers within seconds (408), not after Node’s 60 s', async () => {
    app = await startTestApp();
    const { port } = new URL(app.baseUrl);
    const started = Date.now();
    const received = await new Promise<string>((resolve) => {
      let data = '';
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      });
      // One more header line every second: an idle timeout alone would never fire.
      const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 1000);
      socket.on('data', (chunk) => {
        data += chunk.toString('utf8');
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(drip);
        resolve(data);
      });
    });
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);
});
