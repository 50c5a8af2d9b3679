import type { WebClient } from '@slack/web-api';
import { DomainError, isDomainError } from '../../errors.js';
import { mrkdwn, trusted } from '../../mrkdwn.js';
import { ArgsError, stringFlag } from '../../slack/command-args.js';
import type { Subcommand } from '../../slack/command-registry.js';
import type { Community } from '../config.js';
import { ALL_FEEDS } from '../ics.js';
import type { CommunitiesService } from '../service.js';
import { communitiesMessage, eventsMessage, feedMessage, movedReply, statsMessage } from './blocks.js';
import { eventView } from './modals.js';
import { timezoneOf } from './notifier.js';

const STATS_DAYS = 90;

/** The channel's members (conversations.members, channels:read), all pages; none when Slack refuses. */
async function channelMembers(client: WebClient, channel: string): Promise<string[]> {
  const members: string[] = [];
  let cursor: string | undefined;
  try {
    do {
      const page = await client.conversations.members({ channel, limit: 1000, ...(cursor ? { cursor } : {}) });
      members.push(...(page.members ?? []));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
  } catch {
    return members;
  }
  return members;
}

/** Each community channel's member count (conversations.info, channels:read / groups:read); left out when Slack cannot say. */
async function memberCounts(client: WebClient, communities: readonly Community[]): Promise<Map<string, number>> {
  const counts = await Promise.all(
    communities.map(async (c) => {
      try {
        const info = await client.conversations.info({ channel: c.channel, include_num_members: true });
        const n = info.channel?.num_members;
        return typeof n === 'number' ? ([c.id, n] as const) : null;
      } catch {
        return null;
      }
    }),
  );
  return new Map(counts.filter((c) => c !== null));
}

/**
 * Runs a lead's `/platform events cancel|move`. A refusal names the event key that was typed when there is no such
 * event, and gives back the `--reason` typed, so the person can fix the command without typing it again.
 */
async function asTyped<T>(key: string, reason: string | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!isDomainError(error) && !(error instanceof ArgsError)) throw error;
    let message: string = error.message;
    if (isDomainError(error) && error.code === 'not_found') {
      message = mrkdwn`There is no event \`${key}\`. Rather than typing a key, use the *Move…* or *Cancel this one* button under the event in \`/platform events\` or on its announcement.`;
    }
    if (reason)
      message = mrkdwn`${trusted(message)}
Your reason, to paste again: ${reason}`;
    throw new DomainError(isDomainError(error) ? error.code : 'invalid_input', message);
  }
}

/**
 * `/platform communities`, `/platform communities stats`, `/platform events [community]`, `/platform events feed`, and for leads
 * `/platform events cancel <event>` and `/platform events move <event> <YYYY-MM-DD HH:MM>`. An event is named by
 * its key (`frontend-meetup@2026-03-05T09:00:00Z`), as the buttons on announcements do.
 */
export function communityCommands(
  service: CommunitiesService,
  feedUrl: (scope: string) => string,
  client: WebClient,
): Subcommand[] {
  return [
    {
      name: 'communities',
      usage: 'communities',
      summary: 'the communities of practice: what they are about, their leads, where to join',
      minRole: 'member',
      flags: [],
      async handle(ctx) {
        const communities = service.communities();
        await ctx.reply(communitiesMessage(communities, null, await memberCounts(client, communities)));
      },
    },
    {
      name: 'communities stats',
      usage: 'communities stats',
      summary: 'per community over 90 days: members, events held, average going, agenda items',
      minRole: 'member',
      flags: [],
      async handle(ctx) {
        await ctx.ackNow();
        const members: { communityId: string; userId: string }[] = [];
        for (const community of service.communities()) {
          for (const userId of await channelMembers(client, community.channel)) {
            members.push({ communityId: community.id, userId });
          }
        }
        await ctx.reply(statsMessage(await service.figures(members, STATS_DAYS), service.communities(), STATS_DAYS));
      },
    },
    {
      name: 'events',
      usage: 'events [community]',
      summary: 'community events of the next 14 days, in your time zone, with Going / Not going',
      minRole: 'member',
      flags: [],
      async handle(ctx) {
        const community = ctx.args.positional[0]?.toLowerCase();
        const list = await service.upcoming(community);
        const skipped = await service.skipped(community);
        const name = community ? service.occurrences.communityById.get(community)?.name : undefined;
        const ids = community ? [] : service.communities().map((c) => c.id);
        await ctx.reply(eventsMessage(list, await timezoneOf(client, ctx.userId), name, skipped, ids));
      },
    },
    {
      name: 'events feed',
      usage: 'events feed',
      summary: 'calendar feed links (ICS) for each community and for all of them',
      minRole: 'member',
      flags: [],
      async handle(ctx) {
        const urls = [
          ...service.communities().map((c) => ({ name: c.name, url: feedUrl(c.id) })),
          { name: 'All communities', url: feedUrl(ALL_FEEDS) },
        ];
        await ctx.reply(feedMessage(urls));
      },
    },
    {
      name: 'event add',
      usage: 'event add',
      summary: 'leads: add a one-off event to a community (a short form)',
      minRole: 'member',
      flags: [],
      async handle(ctx) {
        const led = await service.eventCommunities(ctx.userId);
        const zone = (await timezoneOf(client, ctx.userId)) ?? service.defaultZone;
        await ctx.ackNow();
        await client.views.open({ trigger_id: ctx.triggerId, view: eventView(led, zone) });
      },
    },
    {
      name: 'events cancel',
      usage: 'events cancel <event> [--reason "…"]',
      summary: 'leads: call off one event (everyone who answered is told)',
      minRole: 'member',
      flags: ['reason'],
      async handle(ctx) {
        const key = ctx.args.positional[0];
        if (!key)
          throw new ArgsError(
            'Name the event: `/platform events cancel <event>`, or use the *Cancel this one* button under it in `/platform events`.',
          );
        const reason = stringFlag(ctx.args, 'reason');
        const details = await asTyped(key, reason, () => service.cancel(key, ctx.userId, reason));
        await ctx.reply({ text: `Called off: ${details.series.title}. Everyone who answered was told.` });
      },
    },
    {
      name: 'events move',
      usage: 'events move <event> <YYYY-MM-DD HH:MM> [--reason "…"]',
      summary: 'leads: move one event (answers are kept; everyone who answered is told)',
      minRole: 'member',
      flags: ['reason'],
      async handle(ctx) {
        const [key, date, time] = ctx.args.positional;
        if (!key || !date || !time) {
          throw new ArgsError('Use `/platform events move <event> 2026-12-03 11:00` (the time in the series’ zone).');
        }
        // Refusals come back in the ack; the move and its notices (a DM per person who answered) run after it.
        const reason = stringFlag(ctx.args, 'reason');
        await asTyped(key, reason, () => service.checkMove(key, ctx.userId, `${date} ${time}`));
        await ctx.ackNow();
        const moved = await service.move(key, ctx.userId, `${date} ${time}`, reason);
        await ctx.reply(movedReply(moved.details, ctx.userId, moved.decisionSkipped));
      },
    },
  ];
}
