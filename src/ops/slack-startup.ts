import { createServer, type Server } from 'node:http';
import type { Env } from '../config.js';
import type { Logger } from '../logger.js';
import { sendJson } from '../slack/http.js';
import { type BotIdentity, checkBotToken, createSlackClient, TOKEN_HINT } from './slack-check.js';

export type SlackConnection =
  | { kind: 'ok'; identity: BotIdentity }
  | { kind: 'rejected'; problem: string; hint: string };

export interface ConnectOptions {
  sleep?: (ms: number) => Promise<void>;
  /** Longest wait between attempts (default 60 s). */
  maxDelayMs?: number;
}

/** 1, 2, 4, 8, … seconds, capped. */
export function retryDelay(attempt: number, maxDelayMs = 60_000): number {
  return Math.min(1000 * 2 ** Math.max(0, attempt - 1), maxDelayMs);
}

/**
 * Checks SLACK_BOT_TOKEN with auth.test before the app starts. A refused token comes back as one problem line
 * (the caller exits); an unreachable Slack is retried with back-off, one log line per attempt, while a stand-in
 * `/healthz` on PORT answers 503 `{slack: "unreachable"}` so probes see why the app is not up yet.
 * SIGTERM/SIGINT while waiting stop the process at once.
 */
export async function connectToSlack(
  env: Pick<Env, 'SLACK_BOT_TOKEN' | 'SLACK_API_URL' | 'PORT'>,
  logger: Logger,
  options: ConnectOptions = {},
): Promise<SlackConnection> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const client = createSlackClient(env);
  let health: Server | undefined;
  let lastReason = '';
  const stop = () => {
    health?.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    for (let attempt = 1; ; attempt++) {
      const result = await checkBotToken(client);
      if (result.kind === 'ok') return { kind: 'ok', identity: result.identity };
      if (result.kind === 'rejected') return { kind: 'rejected', problem: result.problem, hint: TOKEN_HINT };
      lastReason = result.reason;
      const delay = retryDelay(attempt, options.maxDelayMs);
      logger.warn(
        `Slack's Web API at ${env.SLACK_API_URL} could not be reached: ${result.reason}; retrying in ${delay / 1000} s (attempt ${attempt})`,
      );
      health ??= await standInHealth(env.PORT, () => lastReason);
      await sleep(delay);
    }
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    if (health) await closeServer(health);
  }
}

/** GET /healthz → 503 while Slack cannot be reached; anything else 503 too. Undefined if the port is taken. */
async function standInHealth(port: number, reason: () => string): Promise<Server | undefined> {
  const server = createServer((req, res) => {
    const body = { ok: false, slack: 'unreachable', reason: reason() };
    if (req.url?.split('?')[0] === '/healthz') sendJson(res, 503, body);
    else sendJson(res, 503, { ...body, error: 'groundcrew is waiting for Slack' });
  });
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, () => resolve(server));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
