import type { KnownBlock } from '@slack/types';
import type { ReplyMessage, Subcommand } from './command-registry.js';
import { context, joinMrkdwn, type Mrkdwn, mrkdwn, section, trusted } from './mrkdwn.js';

export function commandLines(commands: readonly Subcommand[]): Mrkdwn {
  return joinMrkdwn(commands.map((c) => mrkdwn`• \`/platform ${c.usage}\` — ${c.summary}`));
}

export function helpMessage(commands: readonly Subcommand[], intro?: Mrkdwn): ReplyMessage {
  const blocks: KnownBlock[] = [];
  if (intro) blocks.push(section(intro));
  blocks.push(section(mrkdwn`*What you can do with \`/platform\`*\n${trusted(commandLines(commands))}`));
  blocks.push(
    context(mrkdwn`Quote values with spaces: \`--reason "db migration"\`. \`/platform help\` shows this list.`),
  );
  return { text: `${intro ? `${intro}\n` : ''}/platform commands: ${commands.map((c) => c.name).join(', ')}`, blocks };
}

export function unknownCommandMessage(typed: string, suggestion: string | null, commands: readonly Subcommand[]) {
  const intro = suggestion
    ? mrkdwn`I don't know \`${typed}\` — did you mean \`${suggestion}\`?`
    : mrkdwn`I don't know \`${typed}\`.`;
  return helpMessage(commands, intro);
}
