import type { Logger } from '../logger.js';
import type { JobDefinition } from '../scheduler/types.js';
import type { ApprovalsService } from './service.js';

/** Scheduled work for approvals: sweep by the clock, so restarts and clock jumps expire what is due. */
export function approvalJobs(
  service: Pick<ApprovalsService, 'expireDue' | 'resendCards'>,
  logger: Logger,
): JobDefinition[] {
  return [
    {
      name: 'approvals.resend-cards',
      cron: '* * * * *',
      description:
        'post the approval cards a restart kept from going out, or cancel approvals nothing waits on any more',
      async run() {
        const handled = await service.resendCards();
        if (handled > 0) logger.info(`approvals.resend-cards: handled ${handled} approval(s)`);
      },
    },
    {
      name: 'approvals.expire',
      cron: '* * * * *',
      description: 'expire pending approvals whose time to live has passed, update their cards, tell the subject',
      async run({ now }) {
        const expired = await service.expireDue(now);
        if (expired > 0) logger.info(`approvals.expire: expired ${expired} approval(s)`);
      },
    },
  ];
}
