import type { App, CustomRoute } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { ApprovalsService } from './approvals/service.js';
import type { AuditService } from './audit/service.js';
import type { Clock } from './clock.js';
import type { CommandRegistry } from './commands/registry.js';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import type { HomeRegistry } from './home/registry.js';
import type { Logger } from './logger.js';
import type { PeopleService } from './people/service.js';
import type { Scheduler } from './scheduler/types.js';

export type { CustomRoute };

/** Everything a capability may use, injected. Nothing here is imported as a module-level singleton. */
export interface Services {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  audit: AuditService;
  people: PeopleService;
  scheduler: Scheduler;
  commands: CommandRegistry;
  home: HomeRegistry;
  /** Outbound HTTP (GitHub, webhooks). Injected so tests and the playground control it. */
  fetch: typeof fetch;
  /** Shared N-of-M approvals (deploys, requests): register a subject type, then request approvals. See src/approvals/types.ts. */
  approvals: ApprovalsService;
}

/** What a capability gets in register(): the services plus the Slack Web API client (honours SLACK_API_URL). */
export interface CapabilityDeps extends Services {
  client: WebClient;
  /** Re-publishes a user's Home tab (call after something on it changed). */
  publishHome(userId: string): Promise<void>;
}

/**
 * One capability (deploys, requests, support, …). `routes` are extra HTTP endpoints on the same port
 * (e.g. signed webhook callbacks); `register` adds listeners, subcommands, jobs and Home sections.
 */
export interface Capability {
  name: string;
  routes?(deps: () => CapabilityDeps): CustomRoute[];
  register(app: App, deps: CapabilityDeps): void;
}
