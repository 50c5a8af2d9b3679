import type { App } from '@slack/bolt';
import type { Capability, CapabilityDeps } from '../services.js';
import { approvalJobs } from './jobs.js';
import { pendingHomeBlocks } from './slack/blocks.js';
import { registerApprovalListeners } from './slack/listeners.js';

/**
 * The Slack side of the shared approvals (deps.approvals): card buttons, the reject modal, the expiry job and
 * the "waiting for your approval" Home section. Registered before the capabilities that request approvals.
 */
export const approvalsCapability: Capability = {
  name: 'approvals',
  register(app: App, deps: CapabilityDeps) {
    const { approvals } = deps;
    registerApprovalListeners(app, deps);
    for (const job of approvalJobs(approvals, deps.logger)) deps.scheduler.register(job);
    deps.home.add({
      id: 'approvals.pending',
      order: 50,
      build: ({ userId }) => pendingHomeBlocks(approvals.pendingFor(userId).map((a) => approvals.card(a))),
    });
  },
};
