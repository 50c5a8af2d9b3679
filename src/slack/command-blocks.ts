import type { KnownBlock } from '@slack/types';
import type { ReplyMessage, Subcommand } from './command-registry.js';
import { context, escapeMrkdwn, section } from './mrkdwn.js';

export function commandLines(commands: readonly Subcommand[]): string {
  return commands.map((c) => `• \`/platform ${escapeMrkdwn(c.usage)}\` — ${escapeMrkdwn(c.summary)}`).join('\n');
}

export function helpMessage(commands: readonly Subcommand[], intro?: string): ReplyMessage {
  const blocks: KnownBlock[] = [];
  if (intro) blocks.push(section(intro));
  blocks.push(section(`*What you can do with \`/platform\`*\n${commandLines(commands)}`));
  blocks.push(context('Quote values with spaces: `--reason "db migration"`. `/platform help` shows this list.'));
  return { text: `${intro ? `${intro}\n` : ''}/platform commands: ${commands.map((c) => c.name).join(', ')}`, blocks };
}

export function unknownCommandMessage(typed: string, suggestion: string | null, commands: readonly Subcommand[]) {
  const intro = suggestion
    ? `I don't know \`${escapeMrkdwn(typed)}\` — did you mean \`${escapeMrkdwn(suggestion)}\`?`
    : `I don't know \`${escapeMrkdwn(typed)}\`.`;
  return helpMessage(commands, intro);
}
