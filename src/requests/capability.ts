import type { App } from '@slack/bolt';
import type { Capability, CapabilityDeps } from '../services.js';
import { callbackRoute } from './http.js';
import { requestJobs } from './jobs.js';
import { createRequestsRepo } from './repo.js';
import { createRequestsService, type RequestsService } from './service.js';
import { homeSection } from './slack/blocks.js';
import { registerRequestCommands } from './slack/commands.js';
import { registerRequestListeners } from './slack/listeners.js';
import { createSlackRequestsNotifier } from './slack/notifier.js';

/** One service per app instance (tests start several in one process). */
const services = new WeakMap<CapabilityDeps, RequestsService>();

/** The callback base URL: GROUNDCREW_PUBLIC_URL, else this process on localhost. */
export function publicUrl(env: CapabilityDeps['config']['env']): string {
  return env.GROUNDCREW_PUBLIC_URL ?? `http://localhost:${env.PORT}`;
}

/** The self-service request catalog: `/platform request`, approvals, webhook or manual fulfilment, SLA, stats. */
export const requestsCapability: Capability = {
  name: 'requests',
  routes: (deps) => [callbackRoute(() => services.get(deps())?.fulfilment ?? null)],
  register(app: App, deps: CapabilityDeps) {
    const config = deps.config.team.requests;
    if (!config) {
      deps.commands.add({
        name: 'request',
        usage: 'request [type]',
        summary: 'the self-service request catalog (not set up here yet)',
        minRole: 'member',
        async handle(ctx) {
          await ctx.reply('The request catalog is not set up: the `requests:` section of groundcrew.yml is missing.');
        },
      });
      return;
    }
    const service = createRequestsService({
      config,
      repo: createRequestsRepo(deps.db),
      clock: deps.clock,
      timezone: deps.config.team.timezone,
      people: deps.people,
      audit: deps.audit,
      approvals: deps.approvals,
      notifier: createSlackRequestsNotifier(deps.client, config.channel, (userId) => deps.publishHome(userId)),
      fetch: deps.fetch,
      logger: deps.logger,
      publicUrl: publicUrl(deps.config.env),
    });
    services.set(deps, service);
    registerRequestListeners(app, service);
    registerRequestCommands(deps.commands, service, deps.clock);
    for (const job of requestJobs(service.fulfilment, (m) => deps.logger.info(m))) deps.scheduler.register(job);
    deps.home.add({
      id: 'requests.mine',
      order: 30,
      build: async ({ userId, role }) => {
        const queue =
          role === 'member'
            ? undefined
            : (() => {
                const { waiting } = service.openQueue();
                return { open: waiting.length, breached: waiting.filter((r) => r.slaFlaggedAt).length };
              })();
        return homeSection(service.mine(userId, 5), (id) => service.typeById(id), deps.clock.now(), queue);
      },
    });
  },
};
