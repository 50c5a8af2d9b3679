import type { Clock } from '../../clock.js';
import { ArgsError, stringFlag } from '../../slack/command-args.js';
import type { Subcommand } from '../../slack/command-registry.js';
import { formModel } from '../form.js';
import type { RequestsService } from '../service.js';
import { myRequestsMessage, queueMessage, statsMessage } from './blocks.js';
import { formView, pickerView } from './form-blocks.js';

const DAY_MS = 86_400_000;

/** `/platform request [type]`, `/platform requests [--open]`, `/platform admin stats`. */
export function requestCommands(service: RequestsService, clock: Clock): Subcommand[] {
  const commands: Subcommand[] = [];
  const typeOf = (id: string) => service.typeById(id);
  commands.push({
    name: 'request',
    usage: 'request [type]',
    summary: 'ask for something from the self-service catalog (a new service, a database, access, an alert…)',
    minRole: 'member',
    flags: [],
    async handle(ctx) {
      const typeId = ctx.args.positional[0];
      const type = typeId ? service.typeById(typeId.toLowerCase()) : undefined;
      if (typeId && !type) {
        const known = service
          .types()
          .map((t) => `• \`${t.id}\` — ${t.title}`)
          .join('\n');
        throw new ArgsError(`There is no request type \`${typeId}\`. You can request:\n${known}`);
      }
      await ctx.ackNow();
      await ctx.client.views.open({
        trigger_id: ctx.triggerId,
        view: type ? formView(type, formModel(type), ctx.channelId) : pickerView(service.types(), ctx.channelId),
      });
    },
  });
  commands.push({
    name: 'requests',
    usage: 'requests [--open]',
    summary: 'your requests and their status; `--open`: the platform team’s queue, past-SLA first',
    minRole: 'member',
    booleanFlags: ['open'],
    flags: ['open'],
    async handle(ctx) {
      if (ctx.args.flags.open) {
        if (!(await service.isPlatform(ctx.userId))) {
          await service.recordDenied(ctx.userId, 'queue');
          throw new ArgsError(
            '`/platform requests --open` is for the platform team; `/platform requests` lists yours.',
          );
        }
        await ctx.reply(queueMessage(await service.openQueue(), typeOf, clock.now()));
        return;
      }
      await ctx.reply(myRequestsMessage(await service.mine(ctx.userId), typeOf, clock.now()));
    },
  });
  commands.push({
    name: 'admin stats',
    usage: 'admin stats [--days N]',
    summary:
      'request catalog per type: volume, self-service rate, median/p90 time to fulfil, rejection rate (`--days 30`: requests submitted in the last 30 days)',
    minRole: 'platform',
    flags: ['days'],
    async handle(ctx) {
      const raw = stringFlag(ctx.args, 'days');
      const days = raw === undefined ? undefined : Number(raw);
      if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650)) {
        throw new ArgsError(`\`--days ${raw}\` is not a number of days; try \`/platform admin stats --days 30\``);
      }
      const since = days === undefined ? undefined : new Date(clock.now().getTime() - days * DAY_MS);
      await ctx.reply(statsMessage(await service.stats(since), typeOf, days));
    },
  });
  return commands;
}
