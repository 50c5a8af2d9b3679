import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Logger } from '../logger.js';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** How much of an oversized body is read and thrown away so its sender gets the 413; beyond this, the connection is cut. */
export const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Reads a request body as text, refusing bodies above `limitBytes` (returns null; a declared Content-Length over
 * the limit is refused before reading). A body that grows past the limit while streaming (chunked, no length) is
 * read to its end and discarded, up to DRAIN_LIMIT_BYTES, so the client can read the 413 instead of having its upload
 * cut (a reset); the server's request timeout bounds how long that takes. Rejects if the client aborts mid-body:
 * route handlers run under guardRoute, which turns that into a log line instead of an unhandled rejection.
 */
export async function readBody(req: IncomingMessage, limitBytes = 1_000_000): Promise<string | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const length = Buffer.isBuffer(chunk) ? chunk.length : Buffer.byteLength(chunk as string);
    size += length;
    if (size > limitBytes + DRAIN_LIMIT_BYTES) return null; // leaving the loop destroys the request: a reset
    if (size > limitBytes) {
      chunks.length = 0;
      continue;
    }
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  }
  return size > limitBytes ? null : Buffer.concat(chunks).toString('utf8');
}

/**
 * Bolt calls a custom route's handler without awaiting it, so a rejected promise (a client that aborts mid-body, a
 * bug) would be an unhandled rejection, which ends the Node process. Every route is wrapped: the error is logged
 * (message only, path without query) and answered 500 if nothing was sent yet.
 */
export function guardRoute(route: CustomRoute, logger: Pick<Logger, 'warn'>): CustomRoute {
  return {
    ...route,
    handler: (req, res) => {
      Promise.resolve()
        .then(() => route.handler(req, res))
        .catch((error: unknown) => {
          const path = (req.url ?? '').split('?', 1)[0];
          const message = error instanceof Error ? error.message : String(error);
          logger.warn(`HTTP ${req.method} ${path} failed: ${message}`);
          if (!res.headersSent && !res.destroyed) sendJson(res, 500, { ok: false, error: 'internal error' });
          else if (!res.writableEnded) res.destroy();
        });
    },
  };
}

/** GET /healthz: 200 while the database takes a write (the probe row), 503 otherwise. */
export function healthRoute(healthy: () => boolean | Promise<boolean>): CustomRoute {
  return {
    path: '/healthz',
    method: ['GET', 'HEAD'],
    handler: async (_req, res) => {
      const ok = await Promise.resolve(healthy()).catch(() => false);
      sendJson(res, ok ? 200 : 503, { ok, db: ok ? 'up' : 'down' });
    },
  };
}

/** What a leftover playground tab gets from a real run: the page reads `playground_off` and stops polling. */
export const PLAYGROUND_OFF = {
  ok: false,
  error: 'playground_off',
  message: 'groundcrew is running for real now, not as the playground; this tab can be closed.',
} as const;

/**
 * `/playground` and everything under it when groundcrew runs for real: a quiet 410 Gone (no "Unhandled HTTP
 * request" log line per poll), JSON for the page's own calls and a short text for the page itself.
 */
export function playgroundOffRoutes(): CustomRoute[] {
  return [
    {
      path: '/playground',
      method: ['GET', 'HEAD'],
      handler: (_req, res) => {
        res.writeHead(410, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`${PLAYGROUND_OFF.message}\n`);
      },
    },
    {
      path: '/playground/*rest',
      method: ['GET', 'POST', 'HEAD'],
      handler: (req, res) => {
        req.resume(); // drain a POST body without reading it
        sendJson(res, 410, PLAYGROUND_OFF);
      },
    },
  ];
}
