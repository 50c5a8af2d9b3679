import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header on every webhook groundcrew sends and every callback it accepts. */
export const SIGNATURE_HEADER = 'x-groundcrew-signature';

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>` with the shared secret. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Constant-time check of a received signature header against the body. */
export function verifyBody(secret: string, body: string, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
