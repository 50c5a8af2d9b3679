import type { Logger } from '../logger.js';
import type { JobDefinition } from '../scheduler/types.js';
import { FOLLOW_UP_WINDOW_MS } from './resolution.js';
import type { ApprovalsService } from './service.js';

/** Scheduled work for approvals: sweep by the clock, so restarts and clock jumps expire what is due. */
export function approvalJobs(
  service: Pick<ApprovalsService, 'expireDue' | 'resendCards' | 'followUp'>,
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
      name: 'approvals.follow-up',
      cron: '* * * * *',
      description:
        'act on resolutions a restart kept from reaching their subject (dispatch the approved deploy, start the request)',
      async run({ now }) {
        const handled = await service.followUp(new Date(now.getTime() - FOLLOW_UP_WINDOW_MS));
        if (handled > 0) logger.info(`approvals.follow-up: followed up ${handled} resolution(s)`);
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
