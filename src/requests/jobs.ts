import type { JobDefinition } from '../scheduler/types.js';
import type { Fulfilment } from './fulfilment.js';

/** The requests capability's scheduled sweeps; both read the clock's time, so restarts and clock jumps work. */
export function requestJobs(fulfilment: Fulfilment, log: (message: string) => void): JobDefinition[] {
  return [
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
