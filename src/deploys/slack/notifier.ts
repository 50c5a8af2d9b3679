import type { WebClient } from '@slack/web-api';
import { postToConfigured } from '../../slack/channel-post.js';
import type { DeployNotifier } from '../ports.js';
import { statusMessage } from './blocks.js';

export interface DeploySlackPorts {
  client: WebClient;
  publishHome(userId: string): Promise<void>;
}

/** The config key of the channel posts go to, named when Slack refuses it. */
const KEY = 'deploys.channel';

/** The Slack adapter for the deploy notifier port: one status message per deploy, edited in place. */
export function createSlackDeployNotifier(channel: string, slack: DeploySlackPorts): DeployNotifier {
  return {
    async showStatus(deploy) {
      const { client } = slack;
      const message = statusMessage(deploy);
      if (deploy.channel && deploy.messageTs) {
        await client.chat.update({ channel: deploy.channel, ts: deploy.messageTs, ...message });
        return { channel: deploy.channel, ts: deploy.messageTs };
      }
      const posted = await postToConfigured(KEY, channel, () => client.chat.postMessage({ channel, ...message }));
      if (!posted.channel || !posted.ts) throw new Error('chat.postMessage returned no channel/ts');
      return { channel: posted.channel, ts: posted.ts };
    },
    async threadNote(deploy, text) {
      if (!deploy.channel || !deploy.messageTs) return;
      await slack.client.chat.postMessage({ channel: deploy.channel, thread_ts: deploy.messageTs, text });
    },
    async dm(userId, text) {
      await slack.client.chat.postMessage({ channel: userId, text });
    },
    async announce(text) {
      await postToConfigured(KEY, channel, () => slack.client.chat.postMessage({ channel, text }));
    },
    async homeChanged(userIds) {
      await Promise.allSettled(userIds.map((id) => slack.publishHome(id)));
    },
  };
}
