import type { App, RespondArguments } from '@slack/bolt';
import type { Core } from '../capability.js';
import { isStorageError, writeFailedMessage, writeFailureSummary } from '../db/write.js';
import { isDomainError } from '../errors.js';
import type { Role } from '../people/service.js';
import { ArgsError, onlyFlags } from './command-args.js';
import { helpMessage, unknownCommandMessage } from './command-blocks.js';
import type { CommandContext, ReplyMessage } from './command-registry.js';

export const SLASH_COMMAND = '/platform';
/**
 * Slack wants an ack within 3 s; a command that has not replied by then gets an empty ack at this point, counted
 * from the moment the handler starts (the role lookup included), and answers later through response_url.
 */
export const ACK_DEADLINE_MS = 2000;

/** `/platform <subcommand> …`: one listener that dispatches to the subcommands capabilities registered. */
export function registerCommandRouter(app: App, services: Core): void {
  const { commands, people, logger } = services;
  // Help only changes when a capability adds a subcommand, and subcommands are only ever added: one build per role
  // and count (escaping every usage line on each `/platform help` cost ~10 µs per ack, README "Benchmark").
  const helpCache = new Map<string, ReplyMessage>();
  const helpFor = (role: Role, visible: Parameters<typeof helpMessage>[0]): ReplyMessage => {
    const key = `${role}:${visible.length}`;
    let message = helpCache.get(key);
    if (!message) {
      message = helpMessage(visible);
      helpCache.set(key, message);
    }
    return message;
  };

  async function roleOf(userId: string): Promise<Role> {
    try {
      return await people.roleOf(userId);
    } catch (error) {
      logger.warn(`role lookup for ${userId} failed; treating as member:`, error);
      return 'member';
    }
  }

  app.command(SLASH_COMMAND, async ({ command, ack, respond, client }) => {
    let acked = false;
    const ackEmpty = async () => {
      if (acked) return;
      acked = true;
      await ack();
    };
    // Armed before anything that can wait on Slack (the role lookup on a cold usergroup cache, an owner lookup):
    // whatever is slow, Slack gets its ack in time and the answer follows through response_url.
    const deadline = setTimeout(() => void ackEmpty().catch(() => {}), ACK_DEADLINE_MS);
    const reply = async (message: ReplyMessage | string) => {
      const body: RespondArguments = {
        response_type: 'ephemeral',
        ...(typeof message === 'string' ? { text: message } : message),
      };
      if (!acked) {
        acked = true;
        await ack(body);
      } else {
        await respond(body);
      }
    };

    try {
      // Usually known from config or the usergroup cache; ask Slack only on a cache miss. No role is guessed to beat
      // the deadline: a slow lookup means a deferred ack, not a platform engineer treated as a member.
      const role = people.knownRoleOf(command.user_id) ?? (await roleOf(command.user_id));
      const resolution = commands.resolve(command.text ?? '');
      const visible = commands.visibleTo(role);
      if (resolution.kind === 'help') return await reply(helpFor(role, visible));
      if (resolution.kind === 'unknown') {
        return await reply(unknownCommandMessage(resolution.typed, resolution.suggestion, visible));
      }
      const { command: sub, rest, args } = resolution;
      if (!visible.includes(sub)) {
        return await reply(
          `\`/platform ${sub.name}\` is for ${sub.minRole === 'admin' ? 'groundcrew admins' : 'the platform team'}. ` +
            'Ask in the platform help channel if you need it done.',
        );
      }
      if (sub.flags) onlyFlags(args, sub.flags);
      const context: CommandContext = {
        userId: command.user_id,
        channelId: command.channel_id,
        teamId: command.team_id,
        triggerId: command.trigger_id,
        text: rest,
        args,
        role,
        reply,
        ackNow: ackEmpty,
        client,
      };
      await sub.handle(context);
    } catch (error) {
      if (error instanceof ArgsError || isDomainError(error)) {
        await reply(`:warning: ${error.message}`);
      } else if (isStorageError(error)) {
        logger.error(`/platform ${command.text}: ${writeFailureSummary(error)}:`, error);
        await reply(`:warning: ${writeFailedMessage(error)}`);
      } else {
        logger.error(`/platform ${command.text} failed:`, error);
        await reply(':x: Something went wrong running that command. It has been logged; try again in a minute.');
      }
    } finally {
      clearTimeout(deadline);
      if (!acked) await ackEmpty();
    }
  });
}
