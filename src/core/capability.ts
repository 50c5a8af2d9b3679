import { defineCapability } from '../capability.js';
import { DAY } from '../clock.js';
import { ROLE_LABEL } from '../people/service.js';
import { commandLines } from '../slack/command-blocks.js';
import { pruneProcessedEvents } from '../slack/dedupe.js';
import { context, divider, header, section } from '../slack/mrkdwn.js';

/** The Home tab's opening section and core housekeeping jobs. */
export const coreCapability = defineCapability('core', (deps) => ({
  homeSections: [
    {
      id: 'core.intro',
      order: 0,
      build: ({ role }) => [
        header('groundcrew — the platform front desk'),
        section(
          'Ship, ask and request without waiting on the platform team: self-service deploys and requests, ' +
            'tracked support questions, pulse surveys and community events — all from `/platform`.',
        ),
        context(`Your role: *${ROLE_LABEL[role]}*`),
        section(`*Commands you can use*\n${commandLines(deps.commands.visibleTo(role))}`),
        divider,
      ],
    },
  ],
  jobs: [
    {
      name: 'core.prune-events',
      cron: '17 3 * * *',
      description: 'forget delivered Slack event IDs older than a day (Slack stops redelivering after minutes)',
      run: ({ now }) => {
        const removed = pruneProcessedEvents(deps.db, new Date(now.getTime() - DAY));
        deps.logger.debug(`core.prune-events: removed ${removed}`);
      },
    },
  ],
}));
