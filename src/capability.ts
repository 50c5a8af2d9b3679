import type { App, CustomRoute } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { ApprovalsService } from './approvals/service.js';
import type { AuditLog } from './audit/repo.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { Leases } from './db/leases.js';
import type { Logger } from './logger.js';
import type { PeopleService } from './people/service.js';
import type { JobDefinition, Scheduler } from './scheduler/types.js';
import type { CommandRegistry, Subcommand } from './slack/command-registry.js';
import type { HomeRegistry, HomeSection } from './slack/home-registry.js';
import type { IdAliases } from './slack/id-aliases.js';

export type { CustomRoute };

/**
 * Everything a capability may use, built once in the composition root (src/bootstrap.ts) before any capability.
 * Nothing here is a module-level singleton and nothing is filled in later.
 */
export interface Core {
  config: Config;
  db: Database;
  clock: Clock;
  logger: Logger;
  /** Which running process this is (src/replica.ts): several replicas may share the database. */
  replica: string;
  /** Work claimed in the database for a while, so no two replicas do it at once (src/db/leases.ts). */
  leases: Leases;
  /** The Slack Web API client (SLACK_API_URL, 30 s timeout, no absolute URLs), created before Bolt's App. */
  client: WebClient;
  people: PeopleService;
  audit: AuditLog;
  scheduler: Scheduler;
  commands: CommandRegistry;
  home: HomeRegistry;
  /** Outbound HTTP (GitHub, webhooks). Injected so tests and the playground control it. */
  fetch: typeof fetch;
  /** Shared N-of-M approvals (deploys, requests): register a subject type, then request approvals. */
  approvals: ApprovalsService;
  /** Re-publishes one user's Home tab (call after something on it changed for that user). */
  publishHome(userId: string): Promise<void>;
  /**
   * Aborted when this process starts to stop: long work (a survey wave's paced DMs) stops starting new steps and
   * leaves the rest in the database for the next run, on this replica or another.
   */
  stopping: AbortSignal;
}

/** What a capability adds to groundcrew. Every part is optional. */
export interface Contribution {
  /** `/platform` subcommands, in help order. */
  commands?: Subcommand[];
  /** Bolt listeners (actions, views, events). Called once, after the App is built. */
  listeners?(app: App): void;
  /** Extra HTTP endpoints on the same port (signed webhook callbacks). */
  routes?: CustomRoute[];
  /** Scheduled jobs, named `capability.what`. */
  jobs?: JobDefinition[];
  /** Parts of the Home tab; lower `order` shows first. */
  homeSections?: HomeSection[];
  /** Old action_id / block_id / callback_id → current one, for messages already posted (slack/id-aliases.ts). */
  idAliases?: IdAliases;
}

/** One capability (deploys, requests, …): a name and a factory from the core to what it contributes. */
export interface Capability {
  name: string;
  build(core: Core): Contribution;
}

/** The one way to declare a capability. */
export function defineCapability(name: string, build: (core: Core) => Contribution): Capability {
  return { name, build };
}
