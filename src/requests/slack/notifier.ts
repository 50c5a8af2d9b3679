import type { WebClient } from '@slack/web-api';
import { postToConfigured } from '../../slack/channel-post.js';
import type { RequestsNotifier } from '../ports.js';
import { queueCard, requesterMessage, slaBreachMessage } from './blocks.js';

/** The Slack side of RequestsNotifier: DMs to requesters, the queue card, the SLA note. */
export function createSlackRequestsNotifier(
  client: WebClient,
  channel: string,
  publishHome: (userId: string) => Promise<void>,
): RequestsNotifier {
  return {
    async tellRequester(request, type, note) {
      await client.chat.postMessage({ channel: request.requester, ...requesterMessage(request, type, note) });
    },
    async postQueueCard(channel, request, type) {
      const result = await postToConfigured('requests.channel', channel, () =>
        client.chat.postMessage({ channel, ...queueCard(request, type) }),
      );
      return { channel: result.channel ?? channel, ts: String(result.ts) };
    },
    async updateQueueCard(request, type) {
      if (!request.queueChannel || !request.queueTs) return;
      await client.chat.update({ channel: request.queueChannel, ts: request.queueTs, ...queueCard(request, type) });
    },
    async announceSlaBreach(request, type) {
      const message = slaBreachMessage(request, type);
      if (request.queueChannel && request.queueTs) {
        await client.chat.postMessage({
          channel: request.queueChannel,
          thread_ts: request.queueTs,
          reply_broadcast: true,
          ...message,
        });
      } else {
        const where = request.queueChannel ?? channel;
        await postToConfigured('requests.channel', where, () =>
          client.chat.postMessage({ channel: where, ...message }),
        );
      }
    },
    async homeChanged(userIds) {
      await Promise.all(userIds.map((id) => publishHome(id)));
    },
  };
}
