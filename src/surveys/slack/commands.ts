import { ArgsError } from '../../slack/command-args.js';
import type { CommandContext, Subcommand } from '../../slack/command-registry.js';
import type { SurveysService } from '../service.js';
import { resultsMessage } from './blocks.js';

/** `/platform survey start|close|results|followup <id>` (admins, platform team for results), `survey optout|optin`. */
export function surveyCommands(service: SurveysService): Subcommand[] {
  const idOf = (ctx: CommandContext, usage: string) => {
    const id = ctx.args.positional[0];
    if (!id) {
      const known = service
        .surveys()
        .map((s) => `\`${s.id}\``)
        .join(', ');
      throw new ArgsError(`Usage: \`/platform ${usage}\`. Surveys: ${known}.`);
    }
    return id.toLowerCase();
  };
  return [
    {
      name: 'survey start',
      usage: 'survey start <survey>',
      summary: 'start a wave of a survey now: everyone in its audience gets the question by DM',
      minRole: 'admin',
      flags: [],
      async handle(ctx) {
        const wave = await service.start(idOf(ctx, 'survey start <survey>'), ctx.userId);
        await ctx.reply(
          `Wave ${wave.number} of \`${wave.surveyId}\` is open: ${wave.invited} people are being asked by DM (paced to Slack's limits).`,
        );
      },
    },
    {
      name: 'survey close',
      usage: 'survey close <survey>',
      summary: 'close the open wave now and post its results',
      minRole: 'admin',
      flags: [],
      async handle(ctx) {
        await ctx.ackNow();
        const { wave, results } = await service.close(idOf(ctx, 'survey close <survey>'), ctx.userId);
        const closed = `Wave ${wave.number} of \`${wave.surveyId}\` is closed`;
        if (results.kind === 'posted') await ctx.reply(`${closed}; its results are posted.`);
        else if (results.kind === 'busy') await ctx.reply(`${closed}; its results are being posted.`);
        else if (results.kind === 'refused') await ctx.reply(`:warning: ${results.message}`);
        else {
          await ctx.reply(
            `${closed}, but posting its results failed (the error is logged). groundcrew tries again every minute.`,
          );
        }
      },
    },
    {
      name: 'survey results',
      usage: 'survey results <survey>',
      summary: 'the latest closed wave’s results (nothing is shown while a wave is open)',
      minRole: 'platform',
      flags: [],
      async handle(ctx) {
        const latest = await service.latestResults(idOf(ctx, 'survey results <survey>'));
        if (!latest) {
          await ctx.reply('No wave of this survey has closed yet: results are shown once a wave closes.');
          return;
        }
        await ctx.reply(resultsMessage(latest.survey, latest.wave, latest.results, latest.micro));
      },
    },
    {
      name: 'survey followup',
      usage: 'survey followup <survey> "what changed"',
      summary:
        '“you said, we did” on the last closed wave: posted in its results thread (or channel), opening the next wave’s DM',
      minRole: 'admin',
      flags: [],
      async handle(ctx) {
        const id = idOf(ctx, 'survey followup <survey> "what changed"');
        const text = ctx.args.positional.slice(1).join(' ');
        const { wave, open, posted, channel } = await service.followUp(id, ctx.userId, text);
        const where = {
          thread: 'and posted in its results thread',
          channel: `and posted in <#${channel}> (the wave has no results post to reply under)`,
          failed: `but it could not be posted in <#${channel}> (see the log; \`/platform survey followup\` again posts it once the bot can)`,
        }[posted];
        const saved = `Follow-up saved on wave ${wave.number} of \`${wave.surveyId}\` ${where}`;
        await ctx.reply(
          open
            ? `${saved}. Wave ${open.number} is open and its DMs have gone out, so wave ${open.number + 1}’s DM opens with it.`
            : `${saved}; the next wave’s DM opens with it.`,
        );
      },
    },
    {
      name: 'survey optout',
      usage: 'survey optout',
      summary: 'stop getting survey questions',
      minRole: 'member',
      flags: [],
      async handle(ctx) {
        await service.optOut(ctx.userId);
        await ctx.reply('You will not get survey questions any more. `/platform survey optin` undoes it.');
      },
    },
    {
      name: 'survey optin',
      usage: 'survey optin',
      summary: 'get survey questions again after opting out',
      minRole: 'member',
      flags: [],
      async handle(ctx) {
        const changed = await service.optIn(ctx.userId);
        await ctx.reply(changed ? 'You will get survey questions again.' : 'You were not opted out.');
      },
    },
  ];
}
