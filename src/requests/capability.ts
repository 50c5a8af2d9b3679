import { defineCapability } from '../capability.js';
import { publicUrl } from '../config.js';
import { requestJobs } from './jobs.js';
import { createRequestsRepo } from './repo.js';
import { callbackRoute } from './routes.js';
import { createRequestsService, SUBJECT_TYPE } from './service.js';
import { approvalView, homeSection, homeStartButton } from './slack/blocks.js';
import { requestCommands } from './slack/commands.js';
import { LEGACY_IDS } from './slack/ids.js';
import { registerRequestListeners } from './slack/listeners.js';
import { createSlackRequestsNotifier } from './slack/notifier.js';

/** The self-service request catalog: `/platform request`, approvals, webhook or manual fulfilment, SLA, stats. */
export const requestsCapability = defineCapability('requests', (core) => {
  const config = core.config.team.requests;
  if (!config) {
    return {
      routes: [callbackRoute(null)],
      commands: [
        {
          name: 'request',
          usage: 'request [type]',
          summary: 'the self-service request catalog (not set up here yet)',
          minRole: 'member',
          async handle(ctx) {
            await ctx.reply('The request catalog is not set up: the `requests:` section of groundcrew.yml is missing.');
          },
        },
      ],
    };
  }
  const service = createRequestsService({
    config,
    repo: createRequestsRepo(core.db),
    clock: core.clock,
    timezone: core.config.team.timezone,
    people: core.people,
    audit: core.audit,
    approvals: core.approvals,
    notifier: createSlackRequestsNotifier(core.client, config.channel, core.publishHome),
    fetch: core.fetch,
    logger: core.logger,
    publicUrl: publicUrl(core.config.env),
    leases: core.leases,
  });
  core.approvals.registerSubject({
    type: SUBJECT_TYPE,
    describe: async (subjectId) => approvalView(await service.get(Number(subjectId)), service.typeById),
    onApproved: service.onApproved,
    onRejected: service.onRejected,
    onExpired: service.onExpired,
    isWaiting: service.isWaiting,
  });
  return {
    commands: requestCommands(service, core.clock),
    listeners: (app) => registerRequestListeners(app, service),
    routes: [callbackRoute(service.fulfilment)],
    idAliases: LEGACY_IDS,
    jobs: requestJobs(service, (m) => core.logger.info(m)),
    homeSections: [
      {
        id: 'requests.mine',
        order: 30,
        build: async ({ userId, role }) => {
          const waiting = role === 'member' ? undefined : (await service.openQueue()).waiting;
          const queue = waiting && { open: waiting.length, breached: waiting.filter((r) => r.slaFlaggedAt).length };
          return homeSection(await service.mine(userId, 5), (id) => service.typeById(id), core.clock.now(), queue);
        },
      },
      { id: 'requests.start', order: 41, build: homeStartButton },
    ],
  };
});
