import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';

/**
 * A short private message to the person who clicked: ephemeral via response_url on messages,
 * a DM from the app when the click came from the Home tab or a modal (views have no response_url).
 */
export async function tell(
  client: WebClient,
  userId: string,
  respond: RespondFn | undefined,
  text: string,
): Promise<void> {
  if (respond) await respond({ response_type: 'ephemeral', replace_original: false, text });
  else await client.chat.postMessage({ channel: userId, text });
}

/** Where a modal was opened and what to say there (tellWhereOpened). */
export interface WhereOpenedNote {
  /** The capability, for the log line (`deploys`). */
  source: string;
  userId: string;
  /** The channel the modal was opened from (from its private_metadata); undefined when not known (the Home tab). */
  channel: string | undefined;
  text: string;
  /**
   * Whether a DM carries the note when it cannot be shown in the channel (none named, or the bot cannot post there:
   * a DM with someone else, a private channel). False when the caller's own DM is already on its way.
   */
  orDm: boolean;
}

/**
 * A private note after a modal's submission: an ephemeral in the channel the modal was opened from, seen only by the
 * person; else a DM (`orDm`) or nothing. A refused ephemeral is logged (warn when a DM follows, debug when not),
 * never thrown.
 */
export async function tellWhereOpened(client: WebClient, logger: Logger, note: WhereOpenedNote): Promise<void> {
  const { source, userId, channel, text, orDm } = note;
  if (channel) {
    try {
      await client.chat.postEphemeral({ channel, user: userId, text });
      return;
    } catch (error) {
      if (!orDm) {
        logger.debug(`${source}: confirmation in ${channel} skipped:`, error);
        return;
      }
      logger.warn(`${source}: ephemeral confirmation failed; sending a DM instead:`, error);
    }
  }
  if (orDm) await client.chat.postMessage({ channel: userId, text });
}
