import { createHmac } from 'node:crypto';

/** Fields the WebClient sends as JSON text inside a form body (objects and arrays are serialised that way). */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'files', 'response_metadata']);

/**
 * Decodes a Web API request body the way Slack reads it: `application/x-www-form-urlencoded` with objects as JSON
 * strings inside the form (what @slack/web-api sends), or a JSON body (which Slack also accepts for write methods).
 */
export function decodeApiBody(body: string, contentType: string | undefined): Record<string, unknown> {
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('application/json') || (!type && body.trimStart().startsWith('{'))) {
    if (body.trim() === '') return {};
    const parsed: unknown = JSON.parse(body);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('JSON body must be an object');
    return parsed as Record<string, unknown>;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    out[key] = JSON_FIELDS.has(key) && /^\s*[[{]/.test(value) ? JSON.parse(value) : value;
  }
  return out;
}

/** Slack sends booleans as `true`/`"true"` depending on the client; both mean yes. */
export function truthy(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

/** A slash command arrives as flat form fields, every value a string. */
export function encodeForm(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** Interactivity arrives as one form field `payload` holding the JSON. */
export function encodeInteractivity(payload: object): string {
  return encodeForm({ payload: JSON.stringify(payload) });
}

/** Slack's v0 signature (SLACK_FACTS §1): `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** The headers Slack puts on every request it sends an app. `timestamp` is wall-clock seconds (Bolt checks staleness). */
export function slackRequestHeaders(
  secret: string,
  body: string,
  contentType: 'application/x-www-form-urlencoded' | 'application/json',
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return {
    'content-type': contentType,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(secret, timestamp, body),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots) groundcrew-playground',
  };
}
