import type { Server } from 'node:http';
import type { WebClient } from '@slack/web-api';
import { createApprovals } from './approvals/create.js';
import { createAuditService } from './audit/service.js';
import { capabilities as defaultCapabilities } from './capabilities.js';
import { type Clock, systemClock } from './clock.js';
import { CommandRegistry } from './commands/registry.js';
import type { Config } from './config.js';
import type { DbHandle } from './db/client.js';
import { HomeRegistry } from './home/registry.js';
import type { Logger } from './logger.js';
import { createPeopleService } from './people/service.js';
import { createScheduler } from './scheduler/scheduler.js';
import type { Capability, Services } from './services.js';
import { createSlackApp, type SlackApp, type SlackAppOptions } from './slack/app.js';

export interface GroundcrewOptions {
  config: Config;
  database: DbHandle;
  logger: Logger;
  clock?: Clock;
  fetch?: typeof fetch;
  capabilities?: readonly Capability[];
  botIdentity?: SlackAppOptions['botIdentity'];
  retryConfig?: SlackAppOptions['retryConfig'];
  extraRoutes?: SlackAppOptions['extraRoutes'];
  host?: SlackAppOptions['host'];
}

export interface Groundcrew {
  services: Services;
  slack: SlackApp;
  start(): Promise<Server | undefined>;
  stop(timeoutMs?: number): Promise<void>;
}

/** The composition root shared by main, the tests, the benchmark and the playground. */
export function createGroundcrew(options: GroundcrewOptions): Groundcrew {
  const { config, database, logger } = options;
  const clock = options.clock ?? systemClock;
  let client: WebClient | undefined;
  const people = createPeopleService(
    config.team,
    {
      async members(usergroup) {
        if (!client) throw new Error('Slack client not ready');
        const result = await client.usergroups.users.list({ usergroup });
        return result.users ?? [];
      },
    },
    clock,
  );
  const services: Services = {
    config,
    db: database.db,
    clock,
    logger,
    audit: createAuditService(database.db, clock),
    people,
    scheduler: createScheduler({ db: database.db, clock, timezone: config.team.timezone, logger }),
    commands: new CommandRegistry(),
    home: new HomeRegistry(),
    fetch: options.fetch ?? globalThis.fetch,
    approvals: createApprovals({
      db: database.db,
      clock,
      logger,
      people,
      slack: () => ({ client, home: services.home }),
    }),
  };
  const slack = createSlackApp({
    env: config.env,
    services,
    capabilities: options.capabilities ?? defaultCapabilities,
    healthy: () => database.ping(),
    ...(options.botIdentity ? { botIdentity: options.botIdentity } : {}),
    ...(options.retryConfig ? { retryConfig: options.retryConfig } : {}),
    ...(options.extraRoutes ? { extraRoutes: options.extraRoutes } : {}),
    ...(options.host ? { host: options.host } : {}),
  });
  client = slack.client;

  let stopped = false;
  return {
    services,
    slack,
    async start() {
      const server = await slack.start();
      await services.scheduler.start();
      return server;
    },
    async stop(timeoutMs = 10_000) {
      if (stopped) return;
      stopped = true;
      await slack.stop(timeoutMs);
      await services.scheduler.stop(timeoutMs);
      database.close();
    },
  };
}
