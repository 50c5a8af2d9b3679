import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '../slack/http.js';
import { SIGNATURE_HEADER, verifyBody } from './signing.js';

/** Largest callback body groundcrew reads (`POST /hooks/…`); bigger ones get 413 without being read further. */
export const CALLBACK_BODY_LIMIT = 100_000;

/** `application/json`, with or without parameters such as `; charset=utf-8`. */
export function isJsonContentType(header: string | undefined): boolean {
  return (header ?? '').split(';', 1)[0]?.trim().toLowerCase() === 'application/json';
}

/**
 * The checks every inbound callback (`POST /hooks/deploys/:id`, `POST /hooks/requests/:id`) passes before anything
 * is looked up, so an unsigned caller learns nothing about which ids exist:
 * 404 no callbacks configured · 413 body over the limit · 415 not `application/json` ·
 * 401 the signature (over the exact body bytes, constant-time) matches none of the configured secrets.
 * Answers and returns null when refused; otherwise the exact body and the secret it is signed with, so the route
 * checks the item's own secret by comparing it, without a second HMAC.
 */
export interface SignedCallback {
  /** The exact body bytes, as text. */
  body: string;
  /** The configured secret whose HMAC matched. */
  secret: string;
}

export async function readSignedCallback(
  req: IncomingMessage,
  res: ServerResponse,
  secrets: readonly string[],
  limitBytes = CALLBACK_BODY_LIMIT,
): Promise<SignedCallback | null> {
  if (secrets.length === 0) {
    sendJson(res, 404, { ok: false, error: 'no webhook callbacks are configured' });
    return null;
  }
  const body = await readBody(req, limitBytes);
  if (body === null) {
    sendJson(res, 413, { ok: false, error: `body too large (limit ${limitBytes} bytes)` });
    return null;
  }
  if (!isJsonContentType(req.headers['content-type'])) {
    sendJson(res, 415, { ok: false, error: 'send the report as Content-Type: application/json' });
    return null;
  }
  const signature = req.headers[SIGNATURE_HEADER];
  const secret = secrets.find((s) => verifyBody(s, body, signature));
  if (secret === undefined) {
    sendJson(res, 401, { ok: false, error: 'bad signature' });
    return null;
  }
  return { body, secret };
}
