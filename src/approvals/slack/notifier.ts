import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../logger.js';
import type { ApprovalsNotifier } from '../ports.js';
import { approvalCardBlocks, approvalCardText } from './blocks.js';

export interface ApprovalsSlackPorts {
  client: WebClient;
  publishHome(userId: string): Promise<void>;
}

/** The Slack adapter for the service's notifier port. */
export function createSlackApprovalsNotifier(slack: ApprovalsSlackPorts, logger: Logger): ApprovalsNotifier {
  return {
    async postCard(target, card) {
      // A user ID as channel posts to the DM with the app; Slack answers with the D… channel to update later.
      const result = await slack.client.chat.postMessage({
        channel: target,
        text: approvalCardText(card),
        blocks: approvalCardBlocks(card),
      });
      if (!result.channel || !result.ts) throw new Error(`chat.postMessage to ${target} returned no channel/ts`);
      return { channel: result.channel, ts: result.ts };
    },
    async updateCard(ref, card) {
      await slack.client.chat.update({
        channel: ref.channel,
        ts: ref.ts,
        text: approvalCardText(card),
        blocks: approvalCardBlocks(card),
      });
    },
    async tell(userId, text) {
      await slack.client.chat.postMessage({ channel: userId, text });
    },
    async homeChanged(userIds) {
      const { publishHome } = slack;
      const results = await Promise.allSettled(userIds.map((id) => publishHome(id)));
      results.forEach((r, i) => {
        if (r.status === 'rejected')
          logger.warn(`approvals: publishing the Home tab for ${userIds[i]} failed:`, r.reason);
      });
    },
  };
}
