import { WebClient } from '@slack/web-api';
import { type Capability, defineCapability } from '../capability.js';
import { slackClientOptions } from '../slack/client.js';
import { surveyJobs } from './jobs.js';
import type { PaceLimits } from './pacing.js';
import { createSurveysRepo } from './repo.js';
import { createSurveysService } from './service.js';
import { homeSection, trendsSection } from './slack/blocks.js';
import { surveyCommands } from './slack/commands.js';
import { registerSurveyListeners } from './slack/listeners.js';
import { createSlackChannelDirectory, createSlackSurveysNotifier } from './slack/notifier.js';

export interface SurveysCapabilityOptions {
  /** How fast wave DMs go out (default: POST_MESSAGE_LIMITS in pacing.ts). */
  limits?: PaceLimits;
}

/** NPS pulse surveys: waves by DM, answered in a modal, anonymous by default, results with a trend chart. */
export function createSurveysCapability(options: SurveysCapabilityOptions = {}): Capability {
  return defineCapability('surveys', (core) => {
    const config = core.config.team.surveys;
    if (!config || config.length === 0) {
      return {
        commands: [
          {
            name: 'survey',
            usage: 'survey …',
            summary: 'NPS pulse surveys (not set up here yet)',
            minRole: 'member',
            async handle(ctx) {
              await ctx.reply('Surveys are not set up: the `surveys:` section of groundcrew.yml is missing.');
            },
          },
        ],
      };
    }
    const env = core.config.env;
    // The same settings as core.client, except that a 429 comes back at once: the pacer waits it out for all sends.
    const dmClient = new WebClient(env.SLACK_BOT_TOKEN, {
      ...slackClientOptions(env, core.logger),
      rejectRateLimitedCalls: true,
    });
    const service = createSurveysService({
      config,
      timezone: core.config.team.timezone,
      repo: createSurveysRepo(core.db),
      clock: core.clock,
      audit: core.audit,
      people: core.people,
      channels: createSlackChannelDirectory(core.client),
      notifier: createSlackSurveysNotifier({
        client: core.client,
        dmClient,
        fetch: core.fetch,
        token: env.SLACK_BOT_TOKEN,
        // The platform team follows up; admins are told too (they may not be in it).
        contactPeople: async () => {
          const team = await core.people.expand(core.config.team.platformTeam);
          return [...new Set([...team, ...core.config.team.admins])].sort();
        },
        publishHome: core.publishHome,
        logger: core.logger,
      }),
      admins: core.config.team.admins,
      leases: core.leases,
      logger: core.logger,
      ...(options.limits ? { limits: options.limits } : {}),
      stopping: core.stopping,
      // Through the scheduler, so the sending is one claimed run that a stopping process waits for. A sweep already
      // running here (posting results, sending reminders) may have read the open waves before this one existed:
      // run it again once that one ends, instead of leaving the new wave's DMs to the next minute's sweep.
      deliverSoon: () => {
        const sweep = async () => {
          const run = await core.scheduler.runNow('surveys.sweep', 'manual');
          if (run.outcome !== 'skipped' || core.stopping.aborted) return;
          await core.scheduler.idle('surveys.sweep');
          if (!core.stopping.aborted) await core.scheduler.runNow('surveys.sweep', 'manual');
        };
        sweep().catch((error: unknown) => core.logger.error('surveys: the sweep failed', error));
      },
    });
    return {
      commands: surveyCommands(service),
      listeners: (app) => registerSurveyListeners(app, service),
      jobs: surveyJobs(service),
      homeSections: [
        { id: 'surveys.to-answer', order: 15, build: async ({ userId }) => homeSection(await service.owedBy(userId)) },
        {
          id: 'surveys.trends',
          order: 35,
          build: async ({ role }) => (role === 'admin' ? trendsSection(await service.trends()) : []),
        },
      ],
    };
  });
}

export const surveysCapability = createSurveysCapability();
