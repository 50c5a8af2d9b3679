import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { type Role, roleAtLeast } from '../people/service.js';
import { closestMatch, type ParsedArgs, parseArgs } from './command-args.js';

export interface ReplyMessage {
  text: string;
  blocks?: KnownBlock[];
}

export interface CommandContext {
  userId: string;
  channelId: string;
  teamId: string;
  triggerId: string;
  /** Everything after the subcommand name, raw. */
  text: string;
  args: ParsedArgs;
  role: Role;
  /** An ephemeral reply to the caller (the ack body when still possible, else response_url). */
  reply(message: ReplyMessage | string): Promise<void>;
  /** Ack now with no body: call before slow work. */
  ackNow(): Promise<void>;
  client: WebClient;
}

export interface Subcommand {
  /** One or two words: `deploy`, `admin jobs`. */
  name: string;
  /** Shown in help after `/platform `: `deploy <service> <env> [ref] [--reason "…"]`. */
  usage: string;
  summary: string;
  minRole: Role;
  /** Flags that never take a value, e.g. `dry-run`. */
  booleanFlags?: readonly string[];
  /** Every flag the command accepts. When given, any other flag is refused (nearest named) before `handle` runs. */
  flags?: readonly string[];
  handle(context: CommandContext): Promise<void>;
}

export type Resolution =
  | { kind: 'help' }
  | { kind: 'command'; command: Subcommand; rest: string; args: ParsedArgs }
  | { kind: 'unknown'; typed: string; suggestion: string | null };

/** The table of `/platform` subcommands; capabilities add theirs at register time. */
export class CommandRegistry {
  private readonly commands = new Map<string, Subcommand>();
  /** visibleTo's answers, per role, until the next add (every `/platform` call asks). */
  private readonly visible = new Map<Role, readonly Subcommand[]>();

  add(command: Subcommand): void {
    const name = command.name.trim().toLowerCase();
    if (this.commands.has(name)) throw new Error(`subcommand "${name}" is registered twice`);
    this.commands.set(name, { ...command, name });
    this.visible.clear();
  }

  /** The subcommands a role may run, in registration order. */
  visibleTo(role: Role): readonly Subcommand[] {
    let list = this.visible.get(role);
    if (!list) {
      list = Object.freeze([...this.commands.values()].filter((c) => roleAtLeast(role, c.minRole)));
      this.visible.set(role, list);
    }
    return list;
  }

  resolve(text: string): Resolution {
    const trimmed = text.trim();
    const words = trimmed.split(/\s+/).filter(Boolean);
    const first = (words[0] ?? '').toLowerCase();
    if (first === '' || first === 'help' || first === '-h' || first === '--help') return { kind: 'help' };
    const second = (words[1] ?? '').toLowerCase();
    const match =
      (second && this.commands.get(`${first} ${second}`) && { name: `${first} ${second}`, count: 2 }) ||
      (this.commands.get(first) && { name: first, count: 1 });
    if (!match) {
      const isGroup = [...this.commands.keys()].some((k) => k.startsWith(`${first} `));
      const typed = isGroup && second ? `${first} ${second}` : first;
      const candidates = isGroup ? [...this.commands.keys()].filter((k) => k.startsWith(`${first} `)) : this.topLevel();
      return { kind: 'unknown', typed, suggestion: closestMatch(typed, candidates) };
    }
    const command = this.commands.get(match.name)!;
    const rest = stripWords(trimmed, match.count);
    return { kind: 'command', command, rest, args: parseArgs(rest, command.booleanFlags) };
  }

  private topLevel(): string[] {
    return [...new Set([...this.commands.keys()].map((k) => k.split(' ')[0]!))];
  }
}

function stripWords(text: string, count: number): string {
  let rest = text;
  for (let i = 0; i < count; i++) rest = rest.replace(/^\s*\S+/, '');
  return rest.trim();
}
