import type { JobDefinition } from '../scheduler/types.js';
import type { Guardrails } from './guardrails.js';
import type { DeployService } from './service.js';

/** The deploys capability's scheduled sweeps; each reads the clock's `now`, so restarts and clock jumps work. */
export function deployJobs(deploys: DeployService, guardrails: Guardrails): JobDefinition[] {
  return [
    {
      name: 'deploys.poll-runs',
      cron: '* * * * *',
      description:
        'follow running GitHub workflow runs (back-off per deploy), fail deploys stuck without a run, ask for the approval of deploys a restart left unlinked',
      async run({ now }) {
        await deploys.recoverRequested(now);
        await deploys.pollRuns(now);
        await deploys.sweepStale(now);
      },
    },
    {
      name: 'deploys.expire-locks',
      cron: '* * * * *',
      description: 'release expired environment locks and tell their holders and watchers',
      async run({ now }) {
        await guardrails.expireLocks(now);
      },
    },
    {
      name: 'deploys.freeze-announcements',
      cron: '* * * * *',
      description:
        'announce freezes starting and ending (configured windows and /platform freeze) in the deploys channel',
      async run({ now }) {
        await guardrails.announceFreezeTransitions(now);
      },
    },
  ];
}
