import { everyMinute, logCount } from '../scheduler/jobs.js';
import type { JobDefinition } from '../scheduler/types.js';
import type { RequestsService } from './service.js';

/** The requests capability's scheduled sweeps; they read the clock's time, so restarts and clock jumps work. */
export function requestJobs(
  service: Pick<RequestsService, 'fulfilment' | 'resume'>,
  log: (message: string) => void,
): JobDefinition[] {
  const { fulfilment } = service;
  return [
    everyMinute(
      'requests.resume',
      'take requests a restart left before their first step (approval, first webhook try, queue) to that step',
      logCount(
        log,
        () => service.resume(),
        (n) => `requests.resume: resumed ${n}`,
      ),
    ),
    everyMinute(
      'requests.retry-webhooks',
      'retry fulfilment webhooks whose back-off has passed; after the last try hand them to the platform team',
      logCount(
        log,
        ({ now }) => fulfilment.retryDue(now),
        (n) => `requests.retry-webhooks: retried ${n}`,
      ),
    ),
    {
      name: 'requests.sla-sweep',
      cron: '*/5 * * * *',
      description: 'flag (once, in the requests channel) manual requests that outlived their type’s SLA',
      run: logCount(
        log,
        ({ now }) => fulfilment.slaSweep(now),
        (n) => `requests.sla-sweep: flagged ${n}`,
      ),
    },
  ];
}
