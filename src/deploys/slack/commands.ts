import { parseDuration } from '../../clock.js';
import { ArgsError, onlyFlags, stringFlag } from '../../slack/command-args.js';
import type { CommandContext, Subcommand } from '../../slack/command-registry.js';
import type { DeploysConfig } from '../config.js';
import { formatLocal, readUntil, UNTIL_FORMS } from '../freezes.js';
import type { Guardrails } from '../guardrails.js';
import { scopeName, unknownEnvironmentMessage, unknownServiceMessage } from '../model.js';
import type { DeployService } from '../service.js';
import {
  deployModal,
  historyMessage,
  locksMessage,
  NO_DEPLOYABLE_SERVICE,
  preflightMessage,
  requestedReply,
} from './blocks.js';

export interface DeployCommandDeps {
  config: DeploysConfig;
  deploys: DeployService;
  guardrails: Guardrails;
  clock: { now(): Date };
}

/** Opens the deploy modal (service list limited to what the caller may deploy). */
export async function openDeployModal(ctx: CommandContext, deploys: DeployService): Promise<void> {
  const services = await deploys.deployableFor(ctx.userId);
  if (services.length === 0) {
    await ctx.reply(NO_DEPLOYABLE_SERVICE);
    return;
  }
  const view = deployModal({
    services,
    selected: services.length === 1 ? services[0]! : null,
    mayBreakGlass: await deploys.mayBreakGlass(ctx.userId),
    privateMetadata: JSON.stringify({ channel: ctx.channelId }),
  });
  await ctx.client.views.open({ trigger_id: ctx.triggerId, view });
}

/** `/platform deploy|rollback|deploys|lock|unlock|locks|freeze|unfreeze`. */
export function deployCommands(deps: DeployCommandDeps): Subcommand[] {
  const { config, deploys, guardrails, clock } = deps;
  const commands: Subcommand[] = [];
  const envNames = config.environments.map((e) => e.name);

  commands.push({
    name: 'deploy',
    usage: 'deploy [<service> <env> [ref]] [--reason "…"] [--dry-run] [--break-glass]',
    summary: 'deploy a service (no arguments: a form); --dry-run shows the pre-flight only',
    minRole: 'member',
    booleanFlags: ['dry-run', 'break-glass'],
    async handle(ctx) {
      onlyFlags(ctx.args, ['reason', 'dry-run', 'break-glass']);
      const [service, environment, ref = 'main', extra] = ctx.args.positional;
      if (!service) return openDeployModal(ctx, deploys);
      if (!environment) {
        throw new ArgsError(
          `Name the environment too (${envNames.join(', ')}): \`/platform deploy ${service} <env> [ref]\`.`,
        );
      }
      if (extra) throw new ArgsError(`Unexpected "${extra}"; quote the reason: --reason "…"`);
      const reason = stringFlag(ctx.args, 'reason');
      const dryRun = ctx.args.flags['dry-run'] === true;
      const input = { service, environment, ref, reason, breakGlass: ctx.args.flags['break-glass'] === true };
      // A replay of this very command (same trigger_id) answers with the deploy it made, and makes no other.
      const requestKey = `command:${ctx.triggerId}`;
      const earlier = dryRun ? null : await deploys.byRequestKey(requestKey);
      if (earlier) return ctx.reply(requestedReply(earlier));
      const result = await deploys.check(ctx.userId, input, { dryRun });
      if (dryRun || !result.ok) return ctx.reply(preflightMessage(input, result, dryRun));
      await ctx.ackNow();
      const { deploy } = await deploys.request(ctx.userId, { ...input, requestKey }, result);
      await ctx.reply(requestedReply(deploy));
    },
  });

  commands.push({
    name: 'rollback',
    usage: 'rollback <service> <env> [--reason "…"] [--break-glass]',
    summary: 'redeploy the previous successful ref (same guardrails; --break-glass through a freeze)',
    minRole: 'member',
    booleanFlags: ['break-glass'],
    async handle(ctx) {
      onlyFlags(ctx.args, ['reason', 'break-glass']);
      const [service, environment, extra] = ctx.args.positional;
      if (!service || !environment) throw new ArgsError('Usage: `/platform rollback <service> <env> [--reason "…"]`');
      if (extra)
        throw new ArgsError(`Unexpected "${extra}": rollback picks the ref itself; quote the reason: --reason "…"`);
      const reason = stringFlag(ctx.args, 'reason');
      await ctx.ackNow();
      const { deploy } = await deploys.rollback(
        ctx.userId,
        { service, environment },
        { reason, breakGlass: ctx.args.flags['break-glass'] === true },
      );
      await ctx.reply(requestedReply(deploy));
    },
  });

  commands.push({
    name: 'deploys',
    usage: 'deploys [service] [env]',
    summary: 'recent deploys, with deploys/week, change failure rate and lead time',
    minRole: 'member',
    async handle(ctx) {
      const [service, environment] = ctx.args.positional;
      if (service && !config.services.some((s) => s.name === service)) {
        throw new ArgsError(unknownServiceMessage(config, service));
      }
      if (environment && !envNames.includes(environment)) {
        throw new ArgsError(unknownEnvironmentMessage(config, environment));
      }
      const rows = await deploys.history(
        { ...(service ? { service } : {}), ...(environment ? { environment } : {}) },
        15,
      );
      const pairs = new Map<string, { service: string; environment: string }>();
      for (const r of rows)
        pairs.set(`${r.service}\u0000${r.environment}`, { service: r.service, environment: r.environment });
      const now = clock.now();
      const figures = await Promise.all(
        [...pairs.values()]
          .slice(0, 8)
          .map(async (p) => ({ ...p, metrics: await deploys.metrics(p.service, p.environment, now) })),
      );
      await ctx.reply(historyMessage(rows, figures));
    },
  });

  commands.push({
    name: 'lock',
    usage: 'lock <env> [service] --reason "…" [--for 2h]',
    summary: 'hold an environment (or one service in it): blocks others’ deploys until unlock or expiry',
    minRole: 'member',
    async handle(ctx) {
      onlyFlags(ctx.args, ['reason', 'for']);
      const [environment, service] = ctx.args.positional;
      if (!environment) throw new ArgsError('Usage: `/platform lock <env> [service] --reason "…" [--for 2h]`');
      const reason = stringFlag(ctx.args, 'reason');
      if (!reason) throw new ArgsError('Say why with --reason "…" so others know what you are doing.');
      const forText = stringFlag(ctx.args, 'for');
      const forMs = forText === undefined ? undefined : parseDuration(forText);
      if (forMs === null) throw new ArgsError(`"${forText}" is not a duration; try --for 2h or --for 90m`);
      const lock = await guardrails.lock(ctx.userId, { environment, service: service ?? null, reason, forMs });
      await ctx.reply(
        `:lock: You hold ${scopeName(environment, service ?? null)} until ${formatLocal(lock.expiresAt, guardrails.zone, clock.now())}. ` +
          `\`/platform unlock ${environment}${service ? ` ${service}` : ''}\` releases it.`,
      );
    },
  });

  commands.push({
    name: 'unlock',
    usage: 'unlock <env> [service]',
    summary: 'release your lock (admins: break someone else’s)',
    minRole: 'member',
    async handle(ctx) {
      onlyFlags(ctx.args, []);
      const [environment, service] = ctx.args.positional;
      if (!environment) throw new ArgsError('Usage: `/platform unlock <env> [service]`');
      const { lock, broken } = await guardrails.unlock(
        ctx.userId,
        { environment, service: service ?? null },
        ctx.role === 'admin',
      );
      const what = scopeName(environment, service ?? null);
      await ctx.reply(
        broken
          ? `:unlock: You broke <@${lock.holder}>'s lock on ${what}; they have been told.`
          : `:unlock: ${what} is unlocked.`,
      );
    },
  });

  commands.push({
    name: 'locks',
    usage: 'locks',
    summary: 'who holds which environment, why, for how long; freezes in force',
    minRole: 'member',
    async handle(ctx) {
      const now = clock.now();
      const [locks, freezes] = await Promise.all([guardrails.activeLocks(now), guardrails.activeFreezes(now)]);
      await ctx.reply(locksMessage(locks, freezes, guardrails.zone, now));
    },
  });

  commands.push({
    name: 'freeze',
    usage: 'freeze <env|all> --until … --reason "…"',
    summary: 'stop deploys to an environment until a time (announced)',
    minRole: 'admin',
    async handle(ctx) {
      onlyFlags(ctx.args, ['until', 'reason']);
      const [environment] = ctx.args.positional;
      const untilText = stringFlag(ctx.args, 'until');
      const reason = stringFlag(ctx.args, 'reason');
      if (!environment || !untilText || !reason) {
        throw new ArgsError(
          `Usage: \`/platform freeze <env|all> --until "mon 08:00" --reason "…"\`. --until takes ${UNTIL_FORMS} (${guardrails.zone}).`,
        );
      }
      const now = clock.now();
      const read = readUntil(untilText, now, guardrails.zone, parseDuration);
      if (!read.ok) throw new ArgsError(read.error);
      const until = read.until;
      await guardrails.freeze(ctx.userId, { environment, until, reason });
      await ctx.ackNow();
      // The freeze starts when it is stored, after `now` above: announce as of a time read after the write.
      await guardrails.announceFreezeTransitions(clock.now());
      await ctx.reply(
        `:snowflake: ${environment} is frozen until ${formatLocal(until, guardrails.zone, now)}; announced in <#${config.channel}>.`,
      );
    },
  });

  commands.push({
    name: 'unfreeze',
    usage: 'unfreeze <env|all>',
    summary: 'end a /platform freeze early (announced)',
    minRole: 'admin',
    async handle(ctx) {
      onlyFlags(ctx.args, []);
      const [environment] = ctx.args.positional;
      if (!environment) throw new ArgsError('Usage: `/platform unfreeze <env|all>`');
      const count = await guardrails.unfreeze(ctx.userId, environment);
      await ctx.ackNow();
      await guardrails.announceFreezeTransitions(clock.now());
      await ctx.reply(`:sunny: Ended ${count} freeze(s) on ${environment}.`);
    },
  });
  return commands;
}
