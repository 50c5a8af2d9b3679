import type { KnownBlock, MrkdwnElement } from '@slack/types';
import type { Mrkdwn } from '../mrkdwn.js';

export {
  channelLink,
  channelMention,
  escapeMrkdwn,
  groupMention,
  joinMrkdwn,
  link,
  type Mrkdwn,
  mention,
  mrkdwn,
  Trusted,
  trusted,
  userMention,
} from '../mrkdwn.js';

/** Slack date formatting: renders in each reader's own time zone, with a fallback for old clients. */
export function slackDate(at: Date, format = '{date_short_pretty} {time}'): Mrkdwn {
  const seconds = Math.floor(at.getTime() / 1000);
  return `<!date^${seconds}^${format}|${at.toISOString().replace('T', ' ').slice(0, 16)} UTC>` as Mrkdwn;
}

/** A message to post or update: fallback text (notifications, screen readers) and its blocks. */
export interface Message {
  text: Mrkdwn;
  blocks: KnownBlock[];
}

/** Cuts text to Slack's limit for a field, marking the cut (mrkdwn stays mrkdwn). */
export function truncate<T extends string>(text: T, max: number): T {
  return text.length <= max ? text : (`${text.slice(0, max - 1)}…` as T);
}

/**
 * The Block Kit helpers take `Mrkdwn` (from the `mrkdwn` tag, escapeMrkdwn or a mention), never a raw string: text
 * someone typed cannot reach a block unescaped without a compile error (test/slack/mrkdwn-types.test.ts).
 */
/** A mrkdwn text object, for the places the helpers below do not cover (a section with an accessory, a confirm). */
export function mrkdwnText(text: Mrkdwn, max = 3000): MrkdwnElement {
  return { type: 'mrkdwn', text: truncate(text, max) };
}

export function section(text: Mrkdwn, blockId?: string): KnownBlock {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(text, 3000) },
    ...(blockId ? { block_id: blockId } : {}),
  };
}

export function context(text: Mrkdwn): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, 3000) }] };
}

export function header(text: string): KnownBlock {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, 150) } };
}

export const divider: KnownBlock = { type: 'divider' };

/**
 * Lays mrkdwn lines out over as few sections as possible, each at most `max` characters (Slack allows 3000 per
 * section; callers keep a margin). Lines stay whole; a single line longer than `max` is cut with `…`.
 */
export function linesToSections(lines: readonly Mrkdwn[], max = 2900): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let chunk = '';
  for (const raw of lines) {
    const line = truncate(raw, max);
    if (chunk && chunk.length + line.length + 1 > max) {
      blocks.push(section(chunk as Mrkdwn)); // whole Mrkdwn lines joined by newlines
      chunk = '';
    }
    chunk += `${chunk ? '\n' : ''}${line}`;
  }
  if (chunk) blocks.push(section(chunk as Mrkdwn));
  return blocks;
}
