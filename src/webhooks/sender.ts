import { MINUTE } from '../clock.js';
import { redactSecrets } from '../redact.js';
import { SIGNATURE_HEADER, signBody } from './signing.js';

/**
 * Outbound signed webhooks, shared by every capability that calls out (requests fulfilment, deploy executors).
 * One attempt per call: retrying is the caller's job (a scheduler sweep over `next_attempt_at` in its own table),
 * so retries survive restarts and follow the injected clock. `backoffDelayMs` gives the wait before the next try.
 */

export interface WebhookDelivery {
  url: string;
  secret: string;
  /** Serialised as JSON; the exact bytes sent are the bytes signed. */
  payload: unknown;
  /** Abort after this long (default 10 s). */
  timeoutMs?: number;
  /** Extra headers, e.g. an idempotency key. */
  headers?: Record<string, string>;
  /** Read at most this much of the answer (default 64 KiB); the rest is dropped unread. */
  maxResponseBytes?: number;
}

/** Default cap on how much of an answer groundcrew reads from a webhook or API it called. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Reads a response body as text, keeping at most `limitBytes` (the rest is cancelled, not downloaded), so a
 * misbehaving endpoint cannot make groundcrew buffer an endless answer. Read errors give what was read so far.
 */
export async function readTextCapped(response: Response, limitBytes = MAX_RESPONSE_BYTES): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limitBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.subarray(0, limitBytes - size));
      size += Math.min(value.byteLength, limitBytes - size);
    }
  } catch {
    // keep what arrived
  } finally {
    reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).toString('utf8');
}

export type WebhookResult =
  | { ok: true; status: number; body: string }
  | { ok: false; status: number | null; error: string; body?: string };

/**
 * POSTs the payload signed with `X-Groundcrew-Signature: sha256=…`. Any 2xx is success; anything else an error.
 * Redirects are not followed (`redirect: 'manual'`): a 3xx is a failure naming where it pointed, so a signed body
 * never goes to a host nobody configured. The timeout covers the answer's body too, which is read up to a cap.
 */
export async function sendWebhook(fetchFn: typeof fetch, delivery: WebhookDelivery): Promise<WebhookResult> {
  const body = JSON.stringify(delivery.payload);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), delivery.timeoutMs ?? 10_000);
  try {
    const response = await fetchFn(delivery.url, {
      method: 'POST',
      body,
      signal: controller.signal,
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'groundcrew',
        [SIGNATURE_HEADER]: signBody(delivery.secret, body),
        ...delivery.headers,
      },
    });
    const text = await readTextCapped(response, delivery.maxResponseBytes);
    if (response.ok) return { ok: true, status: response.status, body: text };
    if (response.status >= 300 && response.status < 400) {
      const location = redirectHost(delivery.url, response.headers.get('location'));
      return {
        ok: false,
        status: response.status,
        error: `HTTP ${response.status}: redirects are not followed${location ? ` (it pointed to ${location})` : ''}; configure the final URL`,
      };
    }
    // The remote's answer may echo what it was sent (the secret, in a "bad signature" explanation).
    const answer = redactSecrets(text, [delivery.secret]);
    return {
      ok: false,
      status: response.status,
      error: `HTTP ${response.status}${answer ? `: ${answer.slice(0, 200)}` : ''}`,
      body: answer,
    };
  } catch (error) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a TLS error) is in its cause.
    const cause =
      error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
    const detail =
      typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : '';
    const base = error instanceof Error ? error.message : String(error);
    const message = controller.signal.aborted ? 'timed out' : detail ? `${base} (${detail})` : base;
    return { ok: false, status: null, error: redactSecrets(scrubUrl(message, delivery.url), [delivery.secret]) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An error message fit to show in Slack or store: the URL called (whose path, query or `user:password@` may carry a
 * token; fetch puts the whole URL in some errors) becomes its host, and any other `//user:password@` is dropped.
 */
export function scrubUrl(message: string, url: string): string {
  let host = 'the configured URL';
  try {
    host = new URL(url).host;
  } catch {
    // keep the placeholder
  }
  return message
    .split(url)
    .join(host)
    .replace(/\/\/[^/\s@]+@/g, '//');
}

/** Where a redirect pointed, as scheme://host only (a path or query may carry a token). */
function redirectHost(base: string, location: string | null): string | null {
  if (!location) return null;
  try {
    return new URL(location, base).origin;
  } catch {
    return null;
  }
}

/**
 * Wait before try number `attempt + 1`, after `attempt` failed tries (1-based): 1 min, 2 min, 4 min, … capped at 1 h.
 */
export function backoffDelayMs(attempt: number, baseMs = MINUTE, maxMs = 60 * MINUTE): number {
  const exponent = Math.max(0, attempt - 1);
  return Math.min(maxMs, baseMs * 2 ** exponent);
}
