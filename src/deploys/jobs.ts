import { everyMinute } from '../scheduler/jobs.js';
import type { JobDefinition } from '../scheduler/types.js';
import type { Guardrails } from './guardrails.js';
import type { DeployService } from './service.js';

/** The deploys capability's scheduled sweeps; each reads the clock's `now`, so restarts and clock jumps work. */
export function deployJobs(deploys: DeployService, guardrails: Guardrails): JobDefinition[] {
  return [
    everyMinute(
      'deploys.poll-runs',
      'follow running GitHub workflow runs (back-off per deploy), fail deploys stuck without a run, ask for the approval of deploys a restart left unlinked',
      async ({ now }) => {
        await deploys.recoverRequested(now);
        await deploys.pollRuns(now);
        await deploys.sweepStale(now);
      },
    ),
    everyMinute(
      'deploys.expire-locks',
      'release expired environment locks and tell their holders and watchers',
      async ({ now }) => {
        await guardrails.expireLocks(now);
      },
    ),
    everyMinute(
      'deploys.freeze-announcements',
      'announce freezes starting and ending (configured windows and /platform freeze) in the deploys channel',
      ({ now }) => guardrails.announceFreezeTransitions(now),
    ),
  ];
}
