import { ErrorCode, type WebClient } from '@slack/web-api';
import type { Logger } from '../../logger.js';
import { CHANNEL_ERRORS, slackErrorCode } from '../../slack/channel-post.js';
import {
  type ChannelDirectory,
  ChannelUnreadable,
  type DmOutcome,
  ResultsChannelRefused,
  type SurveysNotifier,
  UsergroupUnreadable,
} from '../ports.js';
import {
  commentReplies,
  contactMessage,
  dmAfter,
  followUpMessage,
  inviteMessage,
  microAskMessage,
  resultsMessage,
  tellAdminsMessage,
} from './blocks.js';

export interface SlackSurveysNotifierDeps {
  /** The shared client (core.client). */
  client: WebClient;
  /**
   * The client for wave DMs and reminders: the same settings with `rejectRateLimitedCalls`, so a 429 comes back at
   * once as `rate-limited` and the pacer (pacing.ts) waits it out for every send, not only this one.
   */
  dmClient: WebClient;
  /** Outbound HTTP for the file bytes (the upload URL files.getUploadURLExternal hands out). */
  fetch: typeof fetch;
  token: string;
  /** Told privately when someone is happy to be contacted: the platform team (usergroups expanded) and the admins. */
  contactPeople: () => Promise<readonly string[]>;
  publishHome: (userId: string) => Promise<void>;
  /** Where a failed chart upload is logged (the results post stands without it, and is not posted again). */
  logger?: Pick<Logger, 'error'>;
}

/** The Slack side of SurveysNotifier: wave DMs, the results post with its chart, follow-ups. */
export function createSlackSurveysNotifier(deps: SlackSurveysNotifierDeps): SurveysNotifier {
  const { client, dmClient } = deps;

  async function dm(userId: string, message: { text: string; blocks: unknown[] }): Promise<DmOutcome> {
    try {
      // chat.postMessage to a user ID posts in the app's DM with them: no conversations.open (im:write) needed.
      const result = await dmClient.chat.postMessage({
        channel: userId,
        text: message.text,
        blocks: message.blocks as never,
      });
      return { kind: 'sent', channel: String(result.channel ?? userId), ts: String(result.ts) };
    } catch (error) {
      const e = error as { code?: string; retryAfter?: number };
      if (e.code === ErrorCode.RateLimitedError) return { kind: 'rate-limited', retryAfter: e.retryAfter ?? 1 };
      return { kind: 'failed', error };
    }
  }

  /** The current upload flow: get an upload URL, send the bytes there, complete into the channel (or thread). */
  async function uploadPng(png: Buffer, filename: string, title: string, channel: string, threadTs: string) {
    const url = await client.files.getUploadURLExternal({ filename, length: png.length, alt_text: title });
    if (!url.upload_url || !url.file_id) throw new Error('files.getUploadURLExternal returned no upload URL');
    // The upload URL takes the raw bytes (or a multipart form); Slack answers 200 when it has them.
    const sent = await deps.fetch(url.upload_url, {
      method: 'POST',
      headers: { authorization: `Bearer ${deps.token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(png),
      signal: AbortSignal.timeout(30_000),
    });
    if (!sent.ok) throw new Error(`the chart upload answered HTTP ${sent.status}`);
    await client.files.completeUploadExternal({
      files: [{ id: url.file_id, title }],
      channel_id: channel,
      thread_ts: threadTs,
    });
    return url.file_id;
  }

  return {
    invite: (userId, invite) => dm(userId, inviteMessage(invite.survey, invite.wave, invite.followUp)),
    remind: (userId, invite) => dm(userId, inviteMessage(invite.survey, invite.wave, null, true)),
    async updateDm(at, invite, state) {
      const message = dmAfter(invite.survey, invite.wave, state);
      await client.chat.update({ channel: at.channel, ts: at.ts, text: message.text, blocks: message.blocks });
    },
    async contactRequested(userId, survey, answer) {
      const message = contactMessage(userId, survey, answer);
      for (const person of await deps.contactPeople()) await client.chat.postMessage({ channel: person, ...message });
    },
    async postResults(post) {
      const { survey, wave, results, chart, micro } = post;
      const message = resultsMessage(survey, wave, results, micro);
      const channel = survey.resultsChannel;
      const posted = await client.chat.postMessage({ channel, ...message }).catch((error: unknown) => {
        const code = slackErrorCode(error);
        if (code && code in CHANNEL_ERRORS) throw new ResultsChannelRefused(channel, code);
        throw error;
      });
      const at = { channel: String(posted.channel ?? channel), ts: String(posted.ts) };
      // A failed upload must not lose where the post landed: the sweep would post the results a second time.
      const png = await chart();
      const chartFileId = png
        ? await uploadPng(
            png.png,
            `${survey.id}-nps-trend.png`,
            `${survey.id}: NPS and response rate per wave`,
            at.channel,
            at.ts,
          ).catch((error: unknown) => {
            deps.logger?.error(`surveys: the trend chart of ${survey.id} could not be uploaded`, error);
            return null;
          })
        : null;
      const microPng = post.microChart ? await post.microChart() : null;
      if (microPng) {
        await uploadPng(
          microPng.png,
          `${survey.id}-micro-pulse.png`,
          `${survey.id}: micro-pulse per month`,
          at.channel,
          at.ts,
        ).catch((error: unknown) => {
          deps.logger?.error(`surveys: the micro-pulse chart of ${survey.id} could not be uploaded`, error);
        });
      }
      // Every shown comment, in the thread; a failure is logged, not retried (the post itself stands, see above).
      const replies = commentReplies(wave, results.shown ? results.comments : []);
      for (const [i, reply] of replies.entries()) {
        try {
          await client.chat.postMessage({ channel: at.channel, thread_ts: at.ts, ...reply });
        } catch (error) {
          deps.logger?.error(
            `surveys: comments of ${survey.id} wave ${wave.number} could not be posted (reply ${i + 1} of ${replies.length})`,
            error,
          );
          break;
        }
      }
      return { ...at, chartFileId };
    },
    async microAsk(userId, survey, micro) {
      await client.chat.postMessage({ channel: userId, ...microAskMessage(survey, micro) });
    },
    async postFollowUp(wave, survey, text) {
      const message = followUpMessage(survey, wave, text);
      const channel = wave.resultsChannel ?? survey.resultsChannel;
      if (wave.resultsTs) {
        await client.chat.postMessage({ channel, ...message, thread_ts: wave.resultsTs, reply_broadcast: true });
      } else {
        await client.chat.postMessage({ channel, ...message });
      }
    },
    async tellAdmins(admins, text) {
      const message = tellAdminsMessage(text);
      for (const admin of admins) await client.chat.postMessage({ channel: admin, ...message });
    },
    async homeChanged(userIds) {
      await Promise.all(userIds.map((id) => deps.publishHome(id)));
    },
  };
}

/** conversations.members, every page, without the app's own bot user (a channel lists it among its members). */
export function createSlackChannelDirectory(client: WebClient): ChannelDirectory {
  let self: Promise<string | undefined> | undefined;
  const botUserId = () => {
    self ??= client.auth.test().then(
      (r) => r.user_id,
      () => {
        self = undefined;
        return undefined;
      },
    );
    return self;
  };
  return {
    async members(channelId) {
      const out: string[] = [];
      try {
        for await (const page of client.paginate('conversations.members', { channel: channelId, limit: 1000 })) {
          out.push(...((page as { members?: string[] }).members ?? []));
        }
      } catch (error) {
        const code = slackErrorCode(error);
        if (code === 'channel_not_found' || code === 'not_in_channel') throw new ChannelUnreadable(channelId, code);
        throw error;
      }
      const bot = await botUserId();
      return out.filter((id) => id !== bot);
    },
    async usergroupMembers(usergroupId) {
      try {
        const result = await client.usergroups.users.list({ usergroup: usergroupId });
        return result.users ?? [];
      } catch (error) {
        const code = slackErrorCode(error);
        if (code) throw new UsergroupUnreadable(usergroupId, code);
        throw error;
      }
    },
  };
}
