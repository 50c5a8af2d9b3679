import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../logger.js';
import { createSafely } from '../../logger.js';
import { postToConfigured, slackErrorCode } from '../../slack/channel-post.js';
import type { ChannelInviter, CommunitiesNotifier } from '../ports.js';
import {
  addedPost,
  announcement,
  asyncPost,
  changedDm,
  changedPost,
  communitiesMessage,
  digestMessage,
  type Message,
  nextOpenedDm,
  promotedDm,
  reminderDm,
} from './blocks.js';

/** A person's zone as Slack has it (users.info `tz`, users:read); null when Slack cannot say. */
export async function timezoneOf(client: WebClient, userId: string): Promise<string | null> {
  try {
    const info = await client.users.info({ user: userId });
    return info.user?.tz ?? null;
  } catch {
    return null;
  }
}

/** The Slack side of CommunitiesNotifier: posts in community channels, DMs in each person's own zone. */
export function createSlackCommunitiesNotifier(
  client: WebClient,
  publishHome: (userId: string) => Promise<void>,
  logger: Logger,
): CommunitiesNotifier {
  const safely = createSafely(logger, 'communities');
  const post = async (channel: string, message: Message) => {
    const result = await postToConfigured('communities channel', channel, () =>
      client.chat.postMessage({ channel, ...message }),
    );
    return { channel: result.channel ?? channel, ts: String(result.ts) };
  };
  /** A DM (to the user ID: chat:write) that one person's failure does not stop the others'. */
  const dm = (userId: string, build: (tz: string | null) => { text: string }) =>
    safely(`DM to ${userId}`, async () => {
      await client.chat.postMessage({ channel: userId, ...build(await timezoneOf(client, userId)) });
    });
  return {
    announce: (kind, details) => post(details.community.channel, announcement(kind, details)),
    async remind(userId, kind, details) {
      await client.chat.postMessage({
        channel: userId,
        ...reminderDm(kind, details, await timezoneOf(client, userId)),
      });
    },
    async changedNotice(details, change) {
      await post(details.community.channel, changedPost(details, change));
    },
    async changedDm(userId, details, change) {
      await client.chat.postMessage({
        channel: userId,
        ...changedDm(details, change, await timezoneOf(client, userId)),
      });
    },
    async changed(details, change, userIds) {
      await post(details.community.channel, changedPost(details, change));
      for (const userId of userIds) await dm(userId, (tz) => changedDm(details, change, tz));
    },
    async goingAsync(details) {
      await post(details.community.channel, asyncPost(details));
    },
    async promoted(userId, details) {
      await client.chat.postMessage({ channel: userId, ...promotedDm(details, await timezoneOf(client, userId)) });
    },
    async digest(channel, upcoming, skipped) {
      return post(channel, digestMessage(upcoming, skipped));
    },
    async welcome(userId, communities, message) {
      await client.chat.postMessage({ channel: userId, ...communitiesMessage(communities, message) });
    },
    async nextOpened(userId, details) {
      await client.chat.postMessage({ channel: userId, ...nextOpenedDm(details, await timezoneOf(client, userId)) });
    },
    added: (details) => post(details.community.channel, addedPost(details)),
    async agendaChanged(details, at) {
      await safely(`agenda update ${at.channel}/${at.ts}`, async () => {
        await client.chat.update({ channel: at.channel, ts: at.ts, ...announcement('agenda-request', details) });
      });
    },
    async homeChanged(userIds) {
      await Promise.all([...new Set(userIds)].map((id) => publishHome(id)));
    },
  };
}

/**
 * Join buttons: conversations.invite (channels:manage for public channels). The bot must be in the channel; for a
 * private channel, or where Slack refuses (`not_in_channel`, `restricted_action`, …), the person is told how to join.
 */
export function createSlackChannelInviter(client: WebClient): ChannelInviter {
  return {
    async invite(channel, userId) {
      try {
        await client.conversations.invite({ channel, users: userId });
        return { kind: 'invited' };
      } catch (error) {
        const code = slackErrorCode(error) ?? 'Slack did not answer';
        if (code === 'already_in_channel') return { kind: 'already-in' };
        return { kind: 'cannot', error: code };
      }
    },
  };
}
