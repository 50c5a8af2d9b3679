import { defineCapability } from '../capability.js';
import { publicUrl } from '../config.js';
import { communityJobs } from './jobs.js';
import { toOverride } from './occurrences.js';
import { createCommunitiesRepo } from './repo.js';
import { feedPath, feedRoutes, feedSecret } from './routes.js';
import { createCommunitiesService } from './service.js';
import { homeSection } from './slack/blocks.js';
import { communityCommands } from './slack/commands.js';
import { registerCommunityListeners } from './slack/listeners.js';
import { createSlackChannelInviter, createSlackCommunitiesNotifier, timezoneOf } from './slack/notifier.js';

/** Communities of practice: events on a schedule, RSVPs with a waitlist, reminders, agendas, office hours, a feed. */
export const communitiesCapability = defineCapability('communities', (core) => {
  const config = core.config.team.communities;
  const secret = feedSecret(core.config.env.SLACK_SIGNING_SECRET);
  if (!config) {
    return {
      routes: feedRoutes(null, secret),
      // The commands exist, to say how to set communities up rather than "unknown command".
      commands: (
        [
          ['events', 'community events'],
          ['communities', 'communities of practice'],
          ['event add', 'leads: add a community event'],
        ] as const
      ).map(([name, what]) => ({
        name,
        usage: name,
        summary: `${what} (not set up here yet)`,
        minRole: 'member' as const,
        async handle(ctx: { reply(text: string): Promise<void> }) {
          await ctx.reply('Communities are not set up: the `communities:` section of groundcrew.yml is missing.');
        },
      })),
    };
  }
  const repo = createCommunitiesRepo(core.db);
  const service = createCommunitiesService({
    config,
    repo,
    clock: core.clock,
    timezone: core.config.team.timezone,
    people: core.people,
    audit: core.audit,
    logger: core.logger,
    notifier: createSlackCommunitiesNotifier(core.client, core.publishHome, core.logger),
    channels: createSlackChannelInviter(core.client),
  });
  const base = publicUrl(core.config.env).replace(/\/$/, '');
  return {
    commands: communityCommands(service, (scope) => `${base}${feedPath(secret, scope)}`, core.client),
    listeners: (app) => registerCommunityListeners(app, service, core.db, core.clock),
    routes: feedRoutes(
      {
        config,
        series: () => service.occurrences.allSeries(),
        overrides: async () => (await repo.overrides()).map(toOverride),
        now: () => core.clock.now(),
      },
      secret,
    ),
    jobs: communityJobs(service, (m) => core.logger.info(m)),
    homeSections: [
      {
        id: 'communities.next',
        order: 25,
        build: async ({ userId }) => {
          const mine = await service.mine(userId);
          return mine.length ? homeSection(mine, await timezoneOf(core.client, userId)) : [];
        },
      },
    ],
  };
});
