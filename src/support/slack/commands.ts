import { ArgsError, stringFlag } from '../../slack/command-args.js';
import type { Subcommand } from '../../slack/command-registry.js';
import type { SupportService } from '../service.js';
import { queueMessage, statsMessage } from './blocks.js';

/** `/platform queue` and `/platform support stats [--days N]`. */
export function supportCommands(service: SupportService, now: () => Date): Subcommand[] {
  return [
    {
      name: 'queue',
      usage: 'queue',
      summary: 'open support questions by time left to their SLA, breached first',
      minRole: 'member',
      flags: [],
      async handle(ctx) {
        await ctx.reply(queueMessage(await service.desk.queueView(now())));
      },
    },
    {
      name: 'support stats',
      usage: 'support stats [--days N]',
      summary:
        'support figures: volume, deflection (confirmed and claimed), time to first response and resolution, SLA per priority, CSAT (default 30 days)',
      minRole: 'platform',
      flags: ['days'],
      async handle(ctx) {
        const raw = stringFlag(ctx.args, 'days');
        const days = raw === undefined ? 30 : Number(raw);
        if (!Number.isInteger(days) || days < 1 || days > 3650) {
          throw new ArgsError(`\`--days ${raw}\` is not a number of days; try \`/platform support stats --days 30\``);
        }
        await ctx.reply(statsMessage(await service.desk.figures(days, now()), days));
      },
    },
  ];
}
