import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { createGroundcrew, type Groundcrew } from '../../src/bootstrap.js';
import type { Capability } from '../../src/capability.js';
import { createManualClock, type ManualClock } from '../../src/clock.js';
import { type Config, parseEnv, type TeamConfig, validateTeamConfig } from '../../src/config.js';
import { openDb } from '../../src/db/client.js';
import type { Database } from '../../src/db/database.js';
import { type OpenPostgresOptions, openPostgres } from '../../src/db/postgres.js';
import { createSilentLogger, type Logger } from '../../src/logger.js';
import type { CronFactory } from '../../src/scheduler/scheduler.js';
import { FakeSlack, SLACK_API_URL } from './fake-slack.js';
import { BOT_ID, BOT_USER_ID, eventCallback, formEncode, type SlashCommandPayload, slashCommand } from './payloads.js';
import type { PersistentDb } from './persistent-db.js';
import { signedHeaders, TEST_SIGNING_SECRET } from './signing.js';
import { createTestPostgres, testBackend } from './test-db.js';

export const ADMIN = 'U0ADMIN01';
export const PLATFORM_ENGINEER = 'U0PLAT001';
export const ENGINEER = 'U02ABC3DEFG';
export const PLATFORM_GROUP = 'S0PLATFORM';

/** A valid team file as a plain object; tests spread their own sections over it. */
export function baseTeamConfig(): Record<string, unknown> {
  return {
    timezone: 'Europe/Berlin',
    admins: [ADMIN],
    platformTeam: [PLATFORM_GROUP],
    channels: { help: 'C0HELP0001', announcements: 'C0ANNOUNCE' },
  };
}

export interface TestAppOptions {
  team?: Record<string, unknown>;
  clock?: ManualClock;
  capabilities?: readonly Capability[];
  /**
   * A database kept across "restarts" (persistentDb() in support/persistent-db.ts): on the backend
   * GROUNDCREW_TEST_BACKEND names, like the default one. Default: a fresh database for this start only.
   */
  database?: PersistentDb;
  /**
   * A SQLite file, whatever GROUNDCREW_TEST_BACKEND says: only for tests of the file itself (its backups, a full
   * disk under it). Such a test says why it is SQLite-only and skips itself on PostgreSQL.
   */
  sqliteFile?: string;
  /** More environment variables (e.g. GROUNDCREW_METRICS_TOKEN). */
  env?: Record<string, string>;
  fetch?: typeof fetch;
  logger?: Logger;
  /** Also run Bolt's auth.test at start (default: skip with a known bot identity). */
  authTest?: boolean;
  /** Start the scheduler (runs catch-up). Default false: tests drive jobs with runNow/runMissed. */
  startScheduler?: boolean;
  /** The scheduler's cron tasks (default node-cron); a fake one lets a test fire a tick on the fixed clock. */
  cronFactory?: CronFactory;
  /** Run on PostgreSQL (GROUNDCREW_TEST_PG) whatever GROUNDCREW_TEST_BACKEND says, with this pool. */
  postgres?: Pick<OpenPostgresOptions, 'poolSize' | 'connectTimeoutMs'>;
}

export interface TestApp {
  groundcrew: Groundcrew;
  /** The Database the app runs on; `sqliteOf(app)` (support/database.ts) for what only SQLite has. */
  database: Database;
  slack: FakeSlack;
  clock: ManualClock;
  config: Config;
  team: TeamConfig;
  baseUrl: string;
  /** The HTTP server Bolt started (its limits and timeouts are part of what is tested). */
  server: Server;
  /** POST raw bytes to /slack/events, signed unless `signed: false`. */
  post(
    body: string,
    options?: { contentType?: string; signed?: boolean; timestamp?: number; headers?: Record<string, string> },
  ): Promise<Response>;
  command(text: string, overrides?: Partial<SlashCommandPayload>): Promise<Response>;
  /** Sends an interactivity payload (block_actions, view_submission, view_closed). */
  interact(payload: object): Promise<Response>;
  event(event: Record<string, unknown>, options?: { eventId?: string; retryNum?: number }): Promise<Response>;
  /** Sends any request to the app (routes other than /slack/events); counted by `pending()` like `post`. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Requests from the test not yet answered, and outbound HTTP calls the app has started and not finished. */
  pending(): { toApp: number; outbound: number };
  stop(): Promise<void>;
}

export { formEncode };

/** Starts the real Bolt App on a random loopback port with Slack's Web API replaced by FakeSlack (nock). */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  const slack = new FakeSlack();
  slack.install();
  const clock = options.clock ?? createManualClock('2026-11-23T10:00:00Z');
  const env = parseEnv({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL,
    PORT: '0',
    GROUNDCREW_DB: options.database?.url ?? options.sqliteFile ?? ':memory:',
    GITHUB_API_URL: 'http://github.test',
    GITHUB_TOKEN: 'ghp_test',
    ...options.env,
  });
  const team = validateTeamConfig({ ...baseTeamConfig(), ...options.team });
  // GROUNDCREW_TEST_BACKEND=postgres: a fresh migrated PostgreSQL database (test-db.ts), dropped at stop(); a
  // persistent database is the test's own (dropped when the test ends); a SQLite file is always SQLite.
  const fresh =
    !options.database && ((testBackend() === 'postgres' && !options.sqliteFile) || options.postgres !== undefined);
  const postgres = fresh ? await createTestPostgres() : undefined;
  if (postgres) env.GROUNDCREW_DB = postgres.url;
  const onPostgres = postgres !== undefined || options.database?.dialect === 'postgres';
  const config: Config = { env, team };
  const database: Database = onPostgres
    ? await openPostgres(env.GROUNDCREW_DB, options.postgres)
    : openDb(env.GROUNDCREW_DB);
  // Every outbound call the app makes (webhooks, GitHub) goes through this fetch, so settled() can see it running.
  let outbound = 0;
  const appFetch = options.fetch;
  const trackedFetch: typeof fetch = async (input, init) => {
    outbound++;
    try {
      return await (appFetch ?? globalThis.fetch)(input, init);
    } finally {
      outbound--;
    }
  };
  // An app that fails to build or start leaves nothing behind: above all not FakeSlack's interceptor, which would
  // answer (and record) the next test's Slack calls in place of that test's own.
  const abandon = async (error: unknown): Promise<never> => {
    await database.close().catch(() => {});
    await postgres?.drop();
    nock.cleanAll();
    nock.enableNetConnect();
    throw error;
  };
  const groundcrew = await buildApp().catch(abandon);
  const server = await groundcrew.slack.start().catch(async (error: unknown) => {
    await groundcrew.stop(0).catch(() => {});
    return abandon(error);
  });
  if (options.startScheduler) await groundcrew.services.scheduler.start();
  const port = (server!.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;

  async function buildApp() {
    return createGroundcrew({
      config,
      database,
      clock,
      logger: options.logger ?? createSilentLogger(),
      retryConfig: { retries: 0 },
      host: '127.0.0.1',
      fetch: trackedFetch,
      ...(options.capabilities ? { capabilities: options.capabilities } : {}),
      ...(options.authTest ? {} : { botIdentity: { botId: BOT_ID, botUserId: BOT_USER_ID } }),
      ...(options.cronFactory ? { cronFactory: options.cronFactory } : {}),
    });
  }

  let toApp = 0;
  const request: TestApp['request'] = async (path, init) => {
    toApp++;
    try {
      const response = await fetch(`${baseUrl}${path}`, init);
      // The body is read here so that "answered" means the app has finished writing it.
      const body = await response.arrayBuffer();
      return new Response(response.status === 204 || response.status === 304 ? null : body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    } finally {
      toApp--;
    }
  };

  const post: TestApp['post'] = (body, postOptions = {}) => {
    const headers =
      postOptions.signed === false
        ? { 'content-type': postOptions.contentType ?? 'application/x-www-form-urlencoded' }
        : signedHeaders(body, {
            ...(postOptions.contentType ? { contentType: postOptions.contentType } : {}),
            ...(postOptions.timestamp ? { timestamp: postOptions.timestamp } : {}),
          });
    return request('/slack/events', { method: 'POST', body, headers: { ...headers, ...postOptions.headers } });
  };

  return {
    groundcrew,
    database,
    slack,
    clock,
    config,
    team,
    baseUrl,
    server: server!,
    post,
    request,
    pending: () => ({ toApp, outbound }),
    command: (text, overrides) => post(formEncode({ ...slashCommand(text, overrides) })),
    interact: (payload) => post(formEncode({ payload: JSON.stringify(payload) })),
    event: (event, eventOptions = {}) =>
      post(JSON.stringify(eventCallback(event, eventOptions.eventId ? { eventId: eventOptions.eventId } : {})), {
        contentType: 'application/json',
        ...(eventOptions.retryNum
          ? { headers: { 'x-slack-retry-num': String(eventOptions.retryNum), 'x-slack-retry-reason': 'http_timeout' } }
          : {}),
      }),
    async stop() {
      await groundcrew.stop(2000);
      await postgres?.drop();
      nock.cleanAll();
      nock.enableNetConnect();
    },
  };
}

/** The JSON body of an ack (ephemeral reply) or null when the ack was empty. */
export async function ackBody(response: Response): Promise<{ text?: string; blocks?: unknown[] } | null> {
  const text = await response.text();
  if (!text) return null;
  return JSON.parse(text) as { text?: string; blocks?: unknown[] };
}

/** All the text in a message or view's blocks, flattened, for readable assertions. */
export function blockText(blocks: unknown): string {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.text === 'string') out.push(record.text);
      for (const [key, value] of Object.entries(record)) if (key !== 'text' || typeof value !== 'string') walk(value);
    }
  };
  walk(blocks);
  return out.join('\n');
}
