import type { Server } from 'node:http';
import type { App, CustomRoute } from '@slack/bolt';
import { createApprovals } from './approvals/capability.js';
import { createAuditLog } from './audit/repo.js';
import { capabilities as defaultCapabilities } from './capabilities.js';
import type { Capability, Core } from './capability.js';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { createLeases } from './db/leases.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { createPeopleService } from './people/service.js';
import { replicaId } from './replica.js';
import { type CronFactory, createScheduler } from './scheduler/scheduler.js';
import { createSlackApp, type SlackApp, type SlackAppOptions } from './slack/app.js';
import { createSlackClient } from './slack/client.js';
import { CommandRegistry } from './slack/command-registry.js';
import { createHomePublisher } from './slack/home.js';
import { HomeRegistry } from './slack/home-registry.js';
import { playgroundOffRoutes } from './slack/http.js';
import type { IdAliases } from './slack/id-aliases.js';

export interface GroundcrewOptions {
  config: Config;
  database: Database;
  logger: Logger;
  clock?: Clock;
  fetch?: typeof fetch;
  capabilities?: readonly Capability[];
  botIdentity?: SlackAppOptions['botIdentity'];
  retryConfig?: SlackAppOptions['retryConfig'];
  /** More HTTP routes on the same port (the playground's stand-in and page). */
  extraRoutes?: CustomRoute[];
  host?: SlackAppOptions['host'];
  /** This process's replica id; default replicaId() (GROUNDCREW_REPLICA_ID, else host-pid-random). */
  replica?: string;
  /** How the scheduler's cron tasks are made; default node-cron (tests fire ticks themselves on a fixed clock). */
  cronFactory?: CronFactory;
}

export interface Groundcrew {
  /** The core every capability was built from (also what tests reach into). */
  services: Core;
  slack: SlackApp;
  start(): Promise<Server | undefined>;
  stop(timeoutMs?: number): Promise<void>;
}

/** The core: every shared part, built in dependency order, before any capability. */
function createCore(options: GroundcrewOptions, metrics: Metrics, stopping: AbortController): Core {
  const { config, database, logger } = options;
  const clock = options.clock ?? systemClock;
  const client = createSlackClient(config.env, logger, options.retryConfig, metrics.slackFetch());
  const people = createPeopleService(
    config.team,
    {
      async members(usergroup) {
        const result = await client.usergroups.users.list({ usergroup });
        return result.users ?? [];
      },
    },
    clock,
  );
  const home = new HomeRegistry();
  const audit = createAuditLog(database, clock);
  const publishHome = createHomePublisher(client, { home, people, logger });
  const replica = options.replica ?? replicaId();
  const leases = createLeases({ db: database, clock, holder: replica, logger });
  return {
    config,
    db: database,
    clock,
    logger,
    replica,
    leases,
    client,
    people,
    audit,
    scheduler: createScheduler({
      db: database,
      clock,
      leases,
      timezone: config.team.timezone,
      logger,
      onRun: metrics.jobRun,
      ...(options.cronFactory ? { cronFactory: options.cronFactory } : {}),
    }),
    commands: new CommandRegistry(),
    home,
    fetch: options.fetch ?? globalThis.fetch,
    approvals: createApprovals({ db: database, clock, logger, people, audit, client, publishHome, leases }),
    publishHome,
    stopping: stopping.signal,
  };
}

/** The composition root shared by main, the tests, the benchmark and the playground. */
export function createGroundcrew(options: GroundcrewOptions): Groundcrew {
  const { config, database } = options;
  const metrics = createMetrics({ db: database, clock: options.clock ?? systemClock, env: config.env });
  const stopping = new AbortController();
  const core = createCore(options, metrics, stopping);
  const routes: CustomRoute[] = [];
  const listeners: ((app: App) => void)[] = [];
  const idAliases: IdAliases[] = [];
  for (const capability of options.capabilities ?? defaultCapabilities) {
    const contribution = capability.build(core);
    for (const command of contribution.commands ?? []) core.commands.add(command);
    for (const job of contribution.jobs ?? []) core.scheduler.register(job);
    for (const section of contribution.homeSections ?? []) core.home.add(section);
    routes.push(...(contribution.routes ?? []));
    if (contribution.listeners) listeners.push(contribution.listeners);
    if (contribution.idAliases) idAliases.push(contribution.idAliases);
  }
  // The playground brings its own routes; a real run answers a leftover playground tab with a quiet 410.
  routes.push(...(options.extraRoutes ?? playgroundOffRoutes()), metrics.route);
  const slack = createSlackApp({
    env: config.env,
    core,
    routes,
    listeners,
    idAliases,
    healthy: () => database.ping(),
    metrics,
    ...(options.botIdentity ? { botIdentity: options.botIdentity } : {}),
    ...(options.retryConfig ? { retryConfig: options.retryConfig } : {}),
    ...(options.host ? { host: options.host } : {}),
  });

  let stopped = false;
  return {
    services: core,
    slack,
    async start() {
      const server = await slack.start();
      await core.scheduler.start();
      return server;
    },
    async stop(timeoutMs = 10_000) {
      if (stopped) return;
      stopped = true;
      stopping.abort();
      // No new scheduled tick from here on (its cron tasks stop before the first await), then Slack's handlers and
      // the jobs already running drain side by side: a stop takes about timeoutMs, not twice that, inside Compose's
      // stop_grace_period (docs/operations.md, "Stopping").
      const jobsDrained = core.scheduler.stop(timeoutMs);
      await Promise.all([slack.stop(timeoutMs), jobsDrained]);
      // What is still running now is abandoned: other replicas may take it over at once.
      const released = await core.leases.releaseAll().catch(() => 0);
      if (released > 0) core.logger.info(`stopping: gave back ${released} lease(s) for work left unfinished`);
      await database.close();
    },
  };
}
