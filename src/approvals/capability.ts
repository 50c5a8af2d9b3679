import type { WebClient } from '@slack/web-api';
import type { AuditLog } from '../audit/repo.js';
import { defineCapability } from '../capability.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Leases } from '../db/leases.js';
import type { Logger } from '../logger.js';
import type { PeopleService } from '../people/service.js';
import { approvalJobs } from './jobs.js';
import { createApprovalsRepo } from './repo.js';
import { type ApprovalsService, createApprovalsService } from './service.js';
import { pendingHomeBlocks } from './slack/blocks.js';
import { registerApprovalListeners } from './slack/listeners.js';
import { createSlackApprovalsNotifier } from './slack/notifier.js';

export interface ApprovalsParts {
  db: Database;
  clock: Clock;
  logger: Logger;
  people: PeopleService;
  audit: AuditLog;
  client: WebClient;
  leases: Leases;
  publishHome(userId: string): Promise<void>;
}

/**
 * The approvals service is part of the core (deploys and requests ask it for approvals), so the composition root
 * builds it from these parts before any capability; the capability below adds its Slack side.
 */
export function createApprovals(parts: ApprovalsParts): ApprovalsService {
  const { db, clock, logger, people, audit, client, publishHome, leases } = parts;
  return createApprovalsService({
    repo: createApprovalsRepo(db),
    clock,
    people,
    audit,
    notifier: createSlackApprovalsNotifier({ client, publishHome }, logger),
    logger,
    leases,
  });
}

/**
 * The Slack side of the shared approvals (core.approvals): card buttons, the reject modal, the expiry job and
 * the "waiting for your approval" Home section. Listed before the capabilities that request approvals.
 */
export const approvalsCapability = defineCapability('approvals', (core) => {
  const { approvals } = core;
  return {
    listeners: (app) => registerApprovalListeners(app, core),
    jobs: approvalJobs(approvals, core.logger),
    homeSections: [
      {
        id: 'approvals.pending',
        order: 10,
        build: async ({ userId }) =>
          pendingHomeBlocks(await Promise.all((await approvals.pendingFor(userId)).map((a) => approvals.card(a)))),
      },
    ],
  };
});
