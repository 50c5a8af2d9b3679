import type { Counter } from 'prom-client';
import { parseJson } from '../json.js';

/**
 * Web API outcomes, one label value each. Slack answers almost every error with HTTP 200 and `{ ok: false, error }`;
 * the error codes are folded into a few classes so the label stays small whatever Slack adds.
 */
export const API_OUTCOMES = [
  'ok',
  'rate_limited',
  'auth_error',
  'not_found',
  'invalid_request',
  'server_error',
  'http_error',
  'network_error',
  'other_error',
] as const;
export type ApiOutcome = (typeof API_OUTCOMES)[number];

const AUTH_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'ekm_access_denied',
  'team_access_not_granted',
  'access_denied',
]);
const NOT_FOUND_ERRORS = new Set(['not_in_channel', 'is_archived', 'channel_is_archived', 'cannot_dm_bot', 'no_user']);
const SERVER_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** The class of a Slack error code (`channel_not_found` → `not_found`). */
export function classifyApiError(code: string): ApiOutcome {
  if (code === 'ratelimited' || code === 'rate_limited') return 'rate_limited';
  if (AUTH_ERRORS.has(code)) return 'auth_error';
  if (code.endsWith('_not_found') || NOT_FOUND_ERRORS.has(code)) return 'not_found';
  if (SERVER_ERRORS.has(code)) return 'server_error';
  if (code.startsWith('invalid_') || code.endsWith('_too_long') || code.startsWith('too_many_') || code === 'no_text') {
    return 'invalid_request';
  }
  return 'other_error';
}

/** A Web API method name as a label: `chat.postMessage`; posts to a response URL are `response_url`; else `other`. */
export function apiMethodLabel(url: string, apiUrl: string): string {
  if (!url.startsWith(apiUrl)) return 'response_url';
  const method = url.slice(apiUrl.length).split('?', 1)[0] ?? '';
  return /^[a-z][a-zA-Z]*(\.[a-zA-Z]+){1,3}$/.test(method) ? method : 'other';
}

function requestUrl(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

async function outcomeOf(response: Response): Promise<ApiOutcome> {
  if (response.status === 429) return 'rate_limited';
  if (response.status !== 200) return response.status >= 500 ? 'server_error' : 'http_error';
  const body = parseJson(
    await response
      .clone()
      .text()
      .catch(() => undefined),
  );
  if (typeof body !== 'object' || body === null) return 'ok'; // not a JSON object: a response URL's plain `ok`
  const { ok, error } = body as { ok?: unknown; error?: unknown };
  if (ok !== false) return 'ok'; // response URLs answer `ok` as text or `{ ok: true }`
  return typeof error === 'string' ? classifyApiError(error) : 'other_error';
}

/**
 * The fetch every Web API client (groundcrew's own and the ones Bolt builds for listeners) and Bolt's `respond()`
 * use: counts each HTTP attempt by method and outcome. A retried call is counted once per attempt, so 429s show.
 */
export function instrumentSlackFetch(
  base: typeof fetch,
  apiUrl: string,
  calls: Counter<'method' | 'outcome'>,
): typeof fetch {
  return async (input, init) => {
    const method = apiMethodLabel(requestUrl(input), apiUrl);
    let response: Response;
    try {
      response = await base(input, init);
    } catch (error) {
      calls.inc({ method, outcome: 'network_error' });
      throw error;
    }
    calls.inc({ method, outcome: await outcomeOf(response) });
    return response;
  };
}
