import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGroundcrew, type Groundcrew } from '../bootstrap.js';
import type { Capability } from '../capability.js';
import { createManualClock, type ManualClock } from '../clock.js';
import { type Config, ConfigError, parseEnv } from '../config.js';
import { openDb } from '../db/client.js';
import type { Logger } from '../logger.js';
import { loadDemoTeam, seedConversation } from './demo.js';
import { demoExecutorRoutes } from './demo-executor.js';
import { BOT } from './ids.js';
import { pageAsset, sourceFile } from './page-assets.js';
import { playgroundRoutes } from './routes.js';
import { SlackStandIn } from './stand-in.js';
import { Workspace } from './workspace.js';

export interface PlaygroundOptions {
  /** The process environment: PORT and LOG_LEVEL are read; Slack variables are ignored. */
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Where the manual clock starts (default: now). Tests pin it. */
  startAt?: Date | string;
  capabilities?: readonly Capability[];
  /** Delays of the demo executors' status reports (ms). */
  demoDelays?: { started: number; finished: number };
  /** Let the manual clock also flow with real time between jumps (default true; tests may turn it off). */
  flowing?: boolean;
}

export interface Playground {
  url: string;
  groundcrew: Groundcrew;
  clock: ManualClock;
  standIn: SlackStandIn;
  workspace: Workspace;
  /** The interface and port the server listens on (loopback only). */
  listening: { address: string; port: number } | null;
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts groundcrew exactly as in production — createGroundcrew, the real Bolt App and WebClient, a real (throwaway)
 * database and the scheduler — with its Web API pointed at an in-process stand-in for Slack served on the same port,
 * and a manual clock the page can move forward.
 */
export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  const { logger } = options;
  requireSources();
  const requested = playgroundPort(options.env.PORT);
  const port = requested > 0 ? requested : await freeLoopbackPort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const signingSecret = randomBytes(16).toString('hex');
  const env = parseEnv({
    SLACK_BOT_TOKEN: 'xoxb-playground-not-a-real-token',
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: `${baseUrl}/playground/api/`,
    PORT: String(port),
    GROUNDCREW_DB: ':memory:',
    GROUNDCREW_CONFIG: 'src/playground/demo.yml',
    GITHUB_API_URL: `${baseUrl}/playground/github`,
    GROUNDCREW_PUBLIC_URL: baseUrl,
    ...(options.env.LOG_LEVEL ? { LOG_LEVEL: options.env.LOG_LEVEL } : {}),
  });
  const clock = createManualClock(options.startAt ?? new Date());
  const team = loadDemoTeam(baseUrl, logger, undefined, clock.now());
  const config: Config = Object.freeze({ env: Object.freeze(env), team });
  const workspace = new Workspace(() => clock.now());
  const standIn = new SlackStandIn({
    workspace,
    transport: { eventsUrl: () => `${baseUrl}/slack/events`, signingSecret, workspace },
    baseUrl: () => baseUrl,
  });
  let groundcrew: Groundcrew | undefined;
  const extraRoutes = playgroundRoutes({
    standIn,
    clock,
    timezone: config.team.timezone,
    scheduler: () => groundcrew!.services.scheduler,
    baseUrl: () => baseUrl,
    extra: demoExecutorRoutes({
      workspace,
      baseUrl: () => baseUrl,
      ...(options.demoDelays ? { delays: options.demoDelays } : {}),
    }),
  });
  groundcrew = createGroundcrew({
    config,
    database: openDb(':memory:'),
    logger,
    clock,
    fetch: loopbackOnlyFetch,
    extraRoutes,
    // Loopback only: the playground is a local tool, never reachable from the network.
    host: '127.0.0.1',
    // The stand-in is served by the app's own server, which is not listening yet at construction: skip Bolt's
    // construction-time auth.test (the stand-in answers auth.test for anything that calls it later).
    botIdentity: { botId: BOT.botId, botUserId: BOT.userId },
    ...(options.capabilities ? { capabilities: options.capabilities } : {}),
  });
  seedConversation(workspace);
  const server = await groundcrew.start();
  const bound = server?.address();
  const started = groundcrew;
  let last = Date.now();
  const flow = setInterval(() => {
    const now = Date.now();
    if (options.flowing !== false) clock.advance(now - last);
    last = now;
  }, 1000);
  flow.unref();
  return {
    url: `${baseUrl}/playground`,
    groundcrew: started,
    clock,
    standIn,
    workspace,
    listening: bound && typeof bound === 'object' ? { address: bound.address, port: bound.port } : null,
    stop: (timeoutMs) => {
      clearInterval(flow);
      return started.stop(timeoutMs);
    },
  };
}

/** Outbound HTTP for the product in the playground: this machine only, so a demo never deploys anything real. */
export const loopbackOnlyFetch: typeof fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new TypeError(`playground: outbound network is off (refused ${url.origin})`);
  }
  return fetch(input, init);
};

/** PORT as the playground reads it: unset or blank → 3000; 0 → any free port; anything else must be a port. */
export function playgroundPort(value: string | undefined): number {
  const text = (value ?? '').trim();
  if (text === '') return 3000;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new ConfigError(
      [`PORT must be a port number (0–65535), not "${text}"`],
      'unset PORT for 3000, or e.g. PORT=3001 npm start',
    );
  }
  return port;
}

/**
 * The page and demo.yml are read from src/playground/ at run time. A compiled-only install (the container image
 * copies dist/ alone) has neither: say so instead of failing on a missing file.
 */
function requireSources(): void {
  if (pageAsset('index.html') && existsSync(sourceFile('demo.yml'))) return;
  throw new ConfigError(
    ['playground mode needs the page and demo.yml from src/playground/, and this install has only dist/'],
    'run the playground from a clone (npm ci && npm start); to run connected to Slack, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (README "Connect it to a Slack workspace")',
  );
}

/** A port nothing listens on right now (the OS picks it). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** main.ts's entry for playground mode: start, print where to go, and make it plain this is not Slack. */
export async function runPlayground(env: Record<string, string | undefined>, logger: Logger): Promise<Playground> {
  const playground = await startPlayground({ env, logger });
  logger.info(`PLAYGROUND is running — open ${playground.url}`);
  logger.info('This is NOT connected to Slack: a pretend workspace in this process, a throwaway in-memory database,');
  logger.info('and a clock you move from the page. Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to run for real.');
  return playground;
}
