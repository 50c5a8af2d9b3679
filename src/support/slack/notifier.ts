import type { WebClient } from '@slack/web-api';
import { CHANNEL_ERRORS, postToConfigured, slackErrorCode } from '../../slack/channel-post.js';
import type { SupportNotifier } from '../ports.js';
import {
  csatMessage,
  escalationMessage,
  pairingMessages,
  queueMessage,
  replyMessage,
  statsMessage,
  threadUrl,
} from './blocks.js';

/** The Slack side of SupportNotifier: thread replies, escalation DMs and triage posts, the queue, the report. */
export function createSlackSupportNotifier(
  client: WebClient,
  publishHome: (userId: string) => Promise<void>,
): SupportNotifier {
  const inThread = (t: { channelId: string; messageTs: string }) => ({ channel: t.channelId, thread_ts: t.messageTs });
  const toTriage = (channel: string, message: { text: string; blocks?: unknown[] }) =>
    postToConfigured('support.triageChannel', channel, () =>
      client.chat.postMessage({ channel, ...(message as { text: string }) }),
    );
  return {
    async postReply(view) {
      try {
        const result = await client.chat.postMessage({ ...inThread(view.ticket), ...replyMessage(view) });
        return String(result.ts);
      } catch (error) {
        const code = slackErrorCode(error);
        if (code && code in CHANNEL_ERRORS) return { cannotPost: code };
        throw error;
      }
    },
    async deafIn(channelId) {
      try {
        const { channel } = await client.conversations.info({ channel: channelId });
        if (channel?.is_private || channel?.is_im || channel?.is_mpim) return 'private';
        return channel?.is_member ? null : 'not_in_channel';
      } catch (error) {
        const code = slackErrorCode(error);
        // channel_not_found: a private channel or DM the bot is not in.
        if (code && code in CHANNEL_ERRORS) return code === 'channel_not_found' ? 'private' : 'not_in_channel';
        // A DM needs im:read, which groundcrew does not ask for; message.im is not subscribed either.
        if (code === 'missing_scope' && channelId.startsWith('D')) return 'private';
        return null;
      }
    },
    async updateReply(view) {
      if (!view.ticket.replyTs) return;
      await client.chat.update({ channel: view.ticket.channelId, ts: view.ticket.replyTs, ...replyMessage(view) });
    },
    async escalate(view, part) {
      const message = escalationMessage(view);
      if (part === 'triage') await toTriage(view.triageChannel, message.triage);
      else if (part.startsWith('dm:')) await client.chat.postMessage({ channel: part.slice(3), ...message.dm });
    },
    async askCsat(ticket) {
      await client.chat.postMessage({ ...inThread(ticket), ...csatMessage(ticket) });
    },
    async pairing(ticket, triageChannel, onDuty, hours) {
      const message = pairingMessages(ticket, onDuty, hours);
      await client.chat.postMessage({ ...inThread(ticket), ...message.thread });
      await toTriage(triageChannel, message.triage);
    },
    async answerSaved(ticket, savedBy) {
      await client.chat.postMessage({
        ...inThread(ticket),
        text: `Saved to the knowledge base by <@${savedBy}>: later questions like this one will be pointed at it.`,
      });
    },
    async postQueue(channel, view) {
      await toTriage(channel, queueMessage(view));
    },
    async postReport(channel, figures, days) {
      await toTriage(channel, statsMessage(figures, days));
    },
    async permalink(ticket, ts) {
      // chat.getPermalink answers the workspace's own link; failing that, the archive link of the question's thread.
      const answer = await client.chat.getPermalink({ channel: ticket.channelId, message_ts: ts }).catch(() => null);
      return answer?.permalink ?? threadUrl(ticket);
    },
    async timezoneOf(userId) {
      const info = await client.users.info({ user: userId });
      return info.user?.tz ?? null;
    },
    async homeChanged(userIds) {
      await Promise.all([...new Set(userIds)].map((id) => publishHome(id)));
    },
  };
}
