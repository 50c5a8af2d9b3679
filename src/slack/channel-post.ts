import { ErrorCode } from '@slack/web-api';

/**
 * Slack errors that mean "the channel configured under this key is wrong for the bot": the fix is in
 * groundcrew.yml or in Slack, not in the code. Shared by the posting adapters and the doctor.
 */
export const CHANNEL_ERRORS: Readonly<Record<string, string>> = {
  channel_not_found: 'the bot cannot see this channel; check the ID, or invite the bot if the channel is private',
  not_in_channel: 'the bot is not a member; invite it (/invite @groundcrew) or grant chat:write.public',
  is_archived: 'the channel is archived; unarchive it or configure another channel',
  restricted_action: 'the workspace does not let the bot post in this channel',
  restricted_action_read_only_channel: 'the channel is read-only for the bot',
  ekm_access_denied: 'the workspace admins suspended access to this channel',
};

/** `deploys.channel C0123: channel_not_found — the bot cannot see this channel; …` */
export function channelProblem(key: string, channel: string, code: string): string {
  return `${key} ${channel}: ${code} — ${CHANNEL_ERRORS[code] ?? 'Slack refused'}`;
}

/**
 * A post to a configured channel failed because of the channel. Its stack is its message: logged anywhere, it is
 * one line naming the config key and the ID, not a trace through the Web API client.
 */
export class ConfiguredChannelError extends Error {
  constructor(key: string, channel: string, code: string) {
    super(channelProblem(key, channel, code));
    this.name = 'ConfiguredChannelError';
    this.stack = `${this.name}: ${this.message}`;
  }
}

export function slackErrorCode(error: unknown): string | undefined {
  const coded = error as { code?: string; data?: { error?: unknown } } | null;
  return coded?.code === ErrorCode.PlatformError && typeof coded.data?.error === 'string'
    ? coded.data.error
    : undefined;
}

/** Runs a post to the channel configured under `key`; a channel-kind refusal becomes a ConfiguredChannelError. */
export async function postToConfigured<T>(key: string, channel: string, post: () => Promise<T>): Promise<T> {
  try {
    return await post();
  } catch (error) {
    const code = slackErrorCode(error);
    if (code && code in CHANNEL_ERRORS) throw new ConfiguredChannelError(key, channel, code);
    throw error;
  }
}
