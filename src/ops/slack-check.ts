import { LogLevel } from '@slack/logger';
import { ErrorCode, WebClient } from '@slack/web-api';
import type { Env } from '../config.js';

/**
 * Checking SLACK_BOT_TOKEN before anything else starts: one auth.test through the same client settings the app
 * uses (SLACK_API_URL, a timeout, no absolute URLs), read as "works", "Slack says no" or "Slack cannot be reached".
 */

export type SlackEnv = Pick<Env, 'SLACK_BOT_TOKEN' | 'SLACK_API_URL'>;

export interface BotIdentity {
  botId: string;
  botUserId: string;
}

export type TokenCheck =
  | { kind: 'ok'; identity: BotIdentity; teamId: string | undefined; scopes: string[] | undefined }
  /** Slack answered and refused the token (or it is not a bot token): fixing SLACK_BOT_TOKEN is the only way out. */
  | { kind: 'rejected'; problem: string }
  /** No usable answer from Slack (network, proxy, timeout, 5xx): worth retrying. */
  | { kind: 'unreachable'; reason: string };

export const TOKEN_HINT = 'copy the Bot User OAuth Token (xoxb-…) again from your app\'s "OAuth & Permissions" page';

/** Per-attempt timeout of the start-up check. */
export const CHECK_TIMEOUT_MS = 10_000;

const WRONG_KINDS: [prefix: string, what: string][] = [
  ['xapp-', 'an app-level token (xapp-…); that one belongs in SLACK_APP_TOKEN'],
  ['xoxp-', 'a user token (xoxp-…), which acts as a person, not as the app'],
  ['xoxe', 'a token-rotation token (xoxe…), not a bot token'],
  ['xoxa-', 'a workspace app token (xoxa-…), not a bot token'],
];

/** A token whose prefix shows it is not a bot token; null when it may be one. */
export function tokenKindProblem(token: string): string | null {
  const wrong = WRONG_KINDS.find(([prefix]) => token.startsWith(prefix));
  return wrong ? `SLACK_BOT_TOKEN holds ${wrong[1]}` : null;
}

/** Errors with which Slack refuses the token itself. */
const TOKEN_ERRORS: Record<string, string> = {
  invalid_auth: 'the token is not valid (mistyped, or from another app or workspace)',
  not_authed: 'no token reached Slack',
  account_inactive: 'the token belongs to a deactivated user or an uninstalled app',
  token_revoked: 'the token was revoked (the app was uninstalled or the token regenerated)',
  token_expired: 'the token expired (token rotation is on; groundcrew needs a non-expiring bot token)',
  not_allowed_token_type: 'Slack does not accept this kind of token here; a bot token (xoxb-…) is needed',
  team_access_not_granted: 'the token has no access to this workspace',
  no_permission: 'the token has no permission to call Slack',
  ekm_access_denied: 'the workspace admins suspended access for this token',
};

export function createSlackClient(env: SlackEnv, timeoutMs = CHECK_TIMEOUT_MS): WebClient {
  return new WebClient(env.SLACK_BOT_TOKEN, {
    slackApiUrl: env.SLACK_API_URL,
    timeout: timeoutMs,
    allowAbsoluteUrls: false,
    // The caller decides about retries (and says what happened in one line); the client's own warnings stay quiet.
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
  });
}

/** auth.test, classified. Never throws. */
export async function checkBotToken(client: WebClient): Promise<TokenCheck> {
  const kind = tokenKindProblem(client.token ?? '');
  if (kind) return { kind: 'rejected', problem: kind };
  try {
    const result = await client.auth.test();
    if (!result.bot_id || !result.user_id) {
      return {
        kind: 'rejected',
        problem: `SLACK_BOT_TOKEN is not a bot token: auth.test answered for ${result.user_id ?? 'someone'} with no bot_id`,
      };
    }
    return {
      kind: 'ok',
      identity: { botId: result.bot_id, botUserId: result.user_id },
      teamId: result.team_id,
      scopes: result.response_metadata?.scopes,
    };
  } catch (error) {
    return classifySlackFailure(error);
  }
}

/** What went wrong with a Web API call, as one line without a stack trace. */
export function classifySlackFailure(error: unknown): Exclude<TokenCheck, { kind: 'ok' }> {
  const coded = error as { code?: string; data?: { error?: string }; statusCode?: number; original?: unknown };
  if (coded.code === ErrorCode.PlatformError) {
    const code = coded.data?.error ?? 'unknown_error';
    const why = TOKEN_ERRORS[code];
    if (why) return { kind: 'rejected', problem: `Slack rejected SLACK_BOT_TOKEN (${code}): ${why}` };
    // The client turns a body that is not JSON into `error: <the body>`: something other than Slack answered.
    if (!/^[a-z_]+$/.test(code)) {
      return { kind: 'unreachable', reason: `the answer is not from Slack's Web API (a proxy page, or a wrong URL?)` };
    }
    return { kind: 'unreachable', reason: `Slack answered ${code}` };
  }
  if (coded.code === ErrorCode.HTTPError) return { kind: 'unreachable', reason: `HTTP ${coded.statusCode}` };
  if (coded.code === ErrorCode.RateLimitedError) return { kind: 'unreachable', reason: 'rate limited' };
  if (coded.code === ErrorCode.RequestError)
    return { kind: 'unreachable', reason: describeNetworkError(coded.original) };
  return { kind: 'unreachable', reason: describeNetworkError(error) };
}

/** `ECONNREFUSED 127.0.0.1:9`, `ENOTFOUND slack.com`, `no answer within 10 s`, … */
export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') {
    return `no answer within ${Math.round(CHECK_TIMEOUT_MS / 1000)} s`;
  }
  let cause: unknown = error.cause;
  // undici wraps the socket error (sometimes twice, as an AggregateError for several addresses).
  while (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code) return cause.message.includes(code) ? cause.message : `${code} ${cause.message}`.trim();
    if (cause instanceof AggregateError && cause.errors[0] instanceof Error) cause = cause.errors[0];
    else if (cause.cause instanceof Error) cause = cause.cause;
    else return cause.message;
  }
  return error.message;
}
