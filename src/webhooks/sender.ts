import { MINUTE } from '../clock.js';
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
}

export type WebhookResult =
  | { ok: true; status: number; body: string }
  | { ok: false; status: number | null; error: string; body?: string };

/** POSTs the payload signed with `X-Groundcrew-Signature: sha256=…`. Any 2xx is success; anything else an error. */
export async function sendWebhook(fetchFn: typeof fetch, delivery: WebhookDelivery): Promise<WebhookResult> {
  const body = JSON.stringify(delivery.payload);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), delivery.timeoutMs ?? 10_000);
  try {
    const response = await fetchFn(delivery.url, {
      method: 'POST',
      body,
      signal: controller.signal,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'groundcrew',
        [SIGNATURE_HEADER]: signBody(delivery.secret, body),
        ...delivery.headers,
      },
    });
    const text = await response.text().catch(() => '');
    if (response.ok) return { ok: true, status: response.status, body: text };
    return {
      ok: false,
      status: response.status,
      error: `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
      body: text,
    };
  } catch (error) {
    const message = controller.signal.aborted ? 'timed out' : error instanceof Error ? error.message : String(error);
    return { ok: false, status: null, error: message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Wait before try number `attempt + 1`, after `attempt` failed tries (1-based): 1 min, 2 min, 4 min, … capped at 1 h.
 */
export function backoffDelayMs(attempt: number, baseMs = MINUTE, maxMs = 60 * MINUTE): number {
  const exponent = Math.max(0, attempt - 1);
  return Math.min(maxMs, baseMs * 2 ** exponent);
}
