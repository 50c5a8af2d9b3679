import { isAbsolute, resolve } from 'node:path';
import { defineCapability } from '../capability.js';
import { nextOfficeHoursFrom } from '../communities/next-office-hours.js';
import { microPulseHook } from '../surveys/micro-pulse-port.js';
import { indexDocs, readMarkdownFiles } from './docs-index.js';
import { supportJobs } from './jobs.js';
import { createSupportRepo } from './repo.js';
import { createSupportService } from './service.js';
import { mineSection, queueHeadSection } from './slack/blocks.js';
import { supportCommands } from './slack/commands.js';
import { registerSupportListeners } from './slack/listeners.js';
import { createSlackSupportNotifier } from './slack/notifier.js';

/** Tiered support in the help channels: tickets, docs deflection, SLAs in business time, escalation, CSAT, figures. */
export const supportCapability = defineCapability('support', (core) => {
  const config = core.config.team.support;
  if (!config) {
    return {
      commands: [
        {
          name: 'queue',
          usage: 'queue',
          summary: 'the support queue (not set up here yet)',
          minRole: 'member',
          async handle(ctx) {
            await ctx.reply('Support is not set up: the `support:` section of groundcrew.yml is missing.');
          },
        },
      ],
    };
  }
  const docs = config.docs;
  // Tier 3: the next office hours of the communities capability, when one is configured (otherwise null, and the
  // asker is told the on-duty person will reach out).
  const nextOfficeHours = nextOfficeHoursFrom(core.config.team.communities, core.db);
  const service = createSupportService({
    config,
    repo: createSupportRepo(core.db),
    clock: core.clock,
    timezone: core.config.team.timezone,
    people: core.people,
    audit: core.audit,
    notifier: createSlackSupportNotifier(core.client, core.publishHome),
    logger: core.logger,
    leases: core.leases,
    officeHours: async () => {
      const next = await nextOfficeHours(core.clock.now());
      return next && { title: next.title, at: next.start, url: next.link };
    },
    afterResolved: microPulseHook(core, 'support-resolved'),
    loadDocs: async () => {
      if (!docs) return [];
      const folder = isAbsolute(docs.folder) ? docs.folder : resolve(process.cwd(), docs.folder);
      return indexDocs(await readMarkdownFiles(folder), docs.baseUrl).map((chunk) => ({
        id: chunk.id,
        title: chunk.section ? `${chunk.title} — ${chunk.section}` : chunk.title,
        text: chunk.text,
        url: chunk.url,
      }));
    },
  });
  return {
    commands: supportCommands(service, () => core.clock.now()),
    listeners: (app) => registerSupportListeners(app, service, core.db, core.clock),
    jobs: supportJobs(service, config, (m) => core.logger.info(m)),
    homeSections: [
      {
        id: 'support.queue-head',
        order: 16,
        build: async ({ userId }) =>
          (await service.isResponder(userId)) ? queueHeadSection(await service.desk.queueView(core.clock.now())) : [],
      },
      {
        id: 'support.mine',
        order: 25,
        build: async ({ userId }) => mineSection(await service.mine(userId), service.policies),
      },
    ],
  };
});
