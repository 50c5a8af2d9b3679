import type { JobDefinition } from '../scheduler/types.js';
import type { RequestsService } from './service.js';

/** The requests capability's scheduled sweeps; they read the clock's time, so restarts and clock jumps work. */
export function requestJobs(
  service: Pick<RequestsService, 'fulfilment' | 'resume'>,
  log: (message: string) => void,
): JobDefinition[] {
  const { fulfilment } = service;
  return [
    {
      name: 'requests.resume',
      cron: '* * * * *',
      description:
        'take requests a restart left before their first step (approval, first webhook try, queue) to that step',
      run: async () => {
        const resumed = await service.resume();
        if (resumed) log(`requests.resume: resumed ${resumed}`);
      },
    },
    {
      name: 'requests.retry-webhooks',
      cron: '* * * * *',
      description:
        'retry fulfilment webhooks whose back-off has passed; after the last try hand them to the platform team',
      run: async ({ now }) => {
        const tried = await fulfilment.retryDue(now);
        if (tried) log(`requests.retry-webhooks: retried ${tried}`);
      },
    },
    {
      name: 'requests.sla-sweep',
      cron: '*/5 * * * *',
      description: 'flag (once, in the requests channel) manual requests that outlived their type’s SLA',
      run: async ({ now }) => {
        const flagged = await fulfilment.slaSweep(now);
        if (flagged) log(`requests.sla-sweep: flagged ${flagged}`);
      },
    },
  ];
}
