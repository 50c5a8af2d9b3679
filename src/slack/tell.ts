import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';

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
