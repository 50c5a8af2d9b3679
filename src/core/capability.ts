import { defineCapability } from '../capability.js';
import { DAY, HOUR } from '../clock.js';
import { ROLE_LABEL } from '../people/service.js';
import { pruneJobRuns } from '../scheduler/prune.js';
import { pruneEvents } from '../slack/inbox.js';
import { context, divider, header, mrkdwn, section } from '../slack/mrkdwn.js';

/**
 * The Home tab's frame (intro first, the `/platform help` pointer last; capabilities' sections go between,
 * docs/architecture.md "Home tab") and core housekeeping jobs.
 */
export const coreCapability = defineCapability('core', (deps) => ({
  homeSections: [
    {
      id: 'core.intro',
      order: 0,
      build: ({ role }) => [
        header('groundcrew — the platform front desk'),
        section(mrkdwn`Deploy and ask the platform team for what you need, without waiting on anyone.`),
        context(mrkdwn`Your role: *${ROLE_LABEL[role]}*`),
        divider,
      ],
    },
    {
      id: 'core.help',
      order: 90,
      build: () => [context(mrkdwn`Every command and its options: \`/platform help\`.`)],
    },
  ],
  jobs: [
    {
      name: 'core.prune-events',
      cron: '17 3 * * *',
      description:
        'forget handled Slack events older than a day (Slack stops redelivering after minutes), given-up ones older than a week, leases that expired an hour ago, and job runs older than 30 days (each job keeps its latest)',
      run: async ({ now }) => {
        const removed = await pruneEvents(deps.db, new Date(now.getTime() - DAY), new Date(now.getTime() - 7 * DAY));
        // A lease is released when its work ends; only a holder that died leaves one behind.
        const leases = await deps.leases.prune(new Date(now.getTime() - HOUR));
        const runs = await pruneJobRuns(deps.db, new Date(now.getTime() - 30 * DAY));
        deps.logger.debug(
          `core.prune-events: removed ${removed} event(s), ${leases} expired lease(s), ${runs} job run(s)`,
        );
      },
    },
  ],
}));
