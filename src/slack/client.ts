import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Env } from '../config.js';
import type { Logger } from '../logger.js';

/** Per-attempt timeout for Slack Web API calls. */
export const WEB_API_TIMEOUT_MS = 30_000;

/**
 * The one set of Web API client options. Bolt 5 cannot take a prebuilt WebClient (App builds its own, and one per
 * token for listener arguments, from `clientOptions`), so the client groundcrew creates up front and Bolt's clients
 * are built from this same object.
 */
export function slackClientOptions(
  env: Pick<Env, 'SLACK_API_URL'>,
  logger: Logger,
  retryConfig?: { retries: number },
  fetch?: typeof globalThis.fetch,
): WebClientOptions {
  return {
    slackApiUrl: env.SLACK_API_URL,
    logger,
    // A Web API call that hangs must not hold a handler (or shutdown) forever; the client's default is no timeout.
    timeout: WEB_API_TIMEOUT_MS,
    // Only ever `{SLACK_API_URL}{method}`: a method name that is a full URL must not take the bot token elsewhere.
    allowAbsoluteUrls: false,
    ...(retryConfig ? { retryConfig } : {}),
    ...(fetch ? { fetch } : {}),
  };
}

/** The Slack Web API client every capability uses (core.client). */
export function createSlackClient(
  env: Pick<Env, 'SLACK_API_URL' | 'SLACK_BOT_TOKEN'>,
  logger: Logger,
  retryConfig?: { retries: number },
  fetch?: typeof globalThis.fetch,
): WebClient {
  return new WebClient(env.SLACK_BOT_TOKEN, slackClientOptions(env, logger, retryConfig, fetch));
}
