import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../logger.js';
import { CHANNEL_ERRORS, slackErrorCode } from '../../slack/channel-post.js';
import { LastingPostFailure } from '../model.js';
import type { ApprovalsNotifier } from '../ports.js';
import { approvalCardBlocks, approvalCardText } from './blocks.js';

export interface ApprovalsSlackPorts {
  client: WebClient;
  publishHome(userId: string): Promise<void>;
}

/** Slack's answers to a post that the same post again cannot change; any other failure is worth a retry. */
const LASTING: ReadonlySet<string> = new Set([
  ...Object.keys(CHANNEL_ERRORS),
  'user_not_found',
  'cannot_dm_bot',
  'account_inactive',
  'user_disabled',
  'messages_tab_disabled',
  'invalid_blocks',
  'msg_too_long',
  'invalid_auth',
  'not_authed',
  'missing_scope',
  'not_allowed_token_type',
]);

/** The Slack adapter for the service's notifier port. */
export function createSlackApprovalsNotifier(slack: ApprovalsSlackPorts, logger: Logger): ApprovalsNotifier {
  return {
    async postCard(target, card) {
      // A user ID as channel posts to the DM with the app; Slack answers with the D… channel to update later.
      let result: Awaited<ReturnType<WebClient['chat']['postMessage']>>;
      try {
        result = await slack.client.chat.postMessage({
          channel: target,
          text: approvalCardText(card),
          blocks: approvalCardBlocks(card),
        });
      } catch (error) {
        const code = slackErrorCode(error);
        if (code && LASTING.has(code)) throw new LastingPostFailure(`Slack refused the card for ${target}: ${code}`);
        throw error;
      }
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
