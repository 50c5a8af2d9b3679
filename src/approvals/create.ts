import type { WebClient } from '@slack/web-api';
import { createAuditService } from '../audit/service.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import type { HomeRegistry } from '../home/registry.js';
import type { Logger } from '../logger.js';
import type { PeopleService } from '../people/service.js';
import { createHomePublisher } from '../slack/home.js';
import { createApprovalsRepo } from './repo.js';
import { type ApprovalsService, createApprovalsService } from './service.js';
import { createSlackApprovalsNotifier } from './slack/notifier.js';

export interface CreateApprovalsOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  people: PeopleService;
  /** Read lazily: the Slack client and the Home registry exist only once the app is built. */
  slack: () => { client: WebClient | undefined; home: HomeRegistry };
}

/** Builds the approvals service for the composition root (src/bootstrap.ts), with the Slack notifier. */
export function createApprovals(options: CreateApprovalsOptions): ApprovalsService {
  const { db, clock, logger, people } = options;
  let publisher: { client: WebClient; publishHome: (userId: string) => Promise<void> } | undefined;
  const ports = () => {
    const { client, home } = options.slack();
    if (!client) throw new Error('approvals: Slack client not ready');
    if (publisher?.client !== client)
      publisher = { client, publishHome: createHomePublisher(client, { home, people }) };
    return publisher;
  };
  return createApprovalsService({
    repo: createApprovalsRepo(db),
    clock,
    people,
    audit: createAuditService(db, clock),
    notifier: createSlackApprovalsNotifier(ports, logger),
    logger,
  });
}
