import type { KnownBlock } from '@slack/types';

export {
  channelLink,
  channelMention,
  escapeMrkdwn,
  groupMention,
  mention,
  mrkdwn,
  Trusted,
  trusted,
  userMention,
} from '../mrkdwn.js';

/** Slack date formatting: renders in each reader's own time zone, with a fallback for old clients. */
export function slackDate(at: Date, format = '{date_short_pretty} {time}'): string {
  const seconds = Math.floor(at.getTime() / 1000);
  return `<!date^${seconds}^${format}|${at.toISOString().replace('T', ' ').slice(0, 16)} UTC>`;
}

/** Cuts text to Slack's limit for a field, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function section(text: string, blockId?: string): KnownBlock {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(text, 3000) },
    ...(blockId ? { block_id: blockId } : {}),
  };
}

export function context(text: string): KnownBlock {
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
export function linesToSections(lines: readonly string[], max = 2900): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let chunk = '';
  for (const raw of lines) {
    const line = truncate(raw, max);
    if (chunk && chunk.length + line.length + 1 > max) {
      blocks.push(section(chunk));
      chunk = '';
    }
    chunk += `${chunk ? '\n' : ''}${line}`;
  }
  if (chunk) blocks.push(section(chunk));
  return blocks;
}
