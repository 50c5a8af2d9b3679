import type { Logger } from '../logger.js';
import { everyMinute, logCount } from '../scheduler/jobs.js';
import type { JobDefinition } from '../scheduler/types.js';
import { FOLLOW_UP_WINDOW_MS } from './resolution.js';
import type { ApprovalsService } from './service.js';

/** Scheduled work for approvals: sweep by the clock, so restarts and clock jumps expire what is due. */
export function approvalJobs(
  service: Pick<ApprovalsService, 'expireDue' | 'resendCards' | 'followUp'>,
  logger: Logger,
): JobDefinition[] {
  const log = (message: string) => logger.info(message);
  return [
    everyMinute(
      'approvals.resend-cards',
      'post the approval cards a restart kept from going out, or cancel approvals nothing waits on any more',
      logCount(
        log,
        () => service.resendCards(),
        (n) => `approvals.resend-cards: handled ${n} approval(s)`,
      ),
    ),
    everyMinute(
      'approvals.follow-up',
      'act on resolutions a restart kept from reaching their subject (dispatch the approved deploy, start the request)',
      logCount(
        log,
        ({ now }) => service.followUp(new Date(now.getTime() - FOLLOW_UP_WINDOW_MS)),
        (n) => `approvals.follow-up: followed up ${n} resolution(s)`,
      ),
    ),
    everyMinute(
      'approvals.expire',
      'expire pending approvals whose time to live has passed, update their cards, tell the subject',
      logCount(
        log,
        ({ now }) => service.expireDue(now),
        (n) => `approvals.expire: expired ${n} approval(s)`,
      ),
    ),
  ];
}
