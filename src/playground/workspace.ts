import { APP_ID, BOT, CHANNELS, dmChannelId, dmOwner, PEOPLE, TEAM } from './ids.js';

export interface Reaction {
  name: string;
  users: string[];
}

export interface StoredMessage {
  channel: string;
  ts: string;
  /** Author: a person's id, or the bot user for the app's posts. */
  user: string;
  bot: boolean;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  threadTs?: string;
  reactions: Reaction[];
  /** Ephemeral: only this person sees it, and only until the page reloads in real Slack. */
  visibleTo?: string;
  edited: boolean;
  /** The Slackbot-style notices the stand-in itself shows (e.g. a command that failed). */
  system?: boolean;
  /** A thread reply also shown in the channel (`reply_broadcast`). */
  broadcast?: boolean;
  /** Files shared with the message (files.completeUploadExternal). */
  files?: SharedFile[];
}

/** A file the app uploaded (files.getUploadURLExternal, then its bytes, then files.completeUploadExternal). */
export interface SharedFile {
  id: string;
  name: string;
  title: string;
  /** Where the page loads it from (the playground serves the bytes). */
  url: string;
}

export interface StoredFile {
  id: string;
  name: string;
  /** The byte length announced to files.getUploadURLExternal. */
  length: number;
  bytes: Buffer | null;
  completed: boolean;
}

export interface StoredView {
  id: string;
  hash: string;
  userId: string;
  type: 'modal' | 'home';
  /** The view object as the app sent it (title, blocks, callback_id, private_metadata, …). */
  view: Record<string, unknown>;
  rootViewId: string;
  previousViewId: string | null;
  /** Field errors from `response_action: errors`, keyed by block_id. */
  errors: Record<string, string>;
}

export interface LogEntry {
  at: string;
  /** slack→app: signed requests to the app; app→slack: Web API and response URLs; app↔demo: the pretend systems. */
  direction: 'app→slack' | 'slack→app' | 'app→demo' | 'demo→app';
  what: string;
  detail?: string;
}

/** Where a response_url post lands (SLACK_FACTS §3). */
export interface ResponseTarget {
  userId: string;
  channel: string;
  /** The message the interaction came from (block_actions on a message): replace/delete act on it. */
  messageTs?: string;
  /** For slash commands: the latest ephemeral this response URL posted, which replace_original replaces. */
  lastTs?: string;
  threadTs?: string;
  uses: number;
}

/**
 * Everything the pretend Slack workspace holds in memory: messages (with threads, reactions, ephemerals), each
 * person's modal stack and Home tab, trigger ids and response URLs. Every change bumps `version` so the page's
 * long-poll wakes up.
 */
export class Workspace {
  version = 0;
  readonly messages: StoredMessage[] = [];
  readonly modals = new Map<string, StoredView[]>();
  readonly homes = new Map<string, StoredView>();
  readonly log: LogEntry[] = [];
  readonly files = new Map<string, StoredFile>();
  private readonly triggers = new Map<string, { userId: string; at: number; used: boolean }>();
  private readonly responseUrls = new Map<string, ResponseTarget>();
  private readonly waiters = new Set<() => void>();
  private lastTsSeconds = 0;
  private tsCounter = 0;
  private idCounter = 0;

  constructor(private readonly now: () => Date) {}

  // ---------- change notification ----------

  changed(): void {
    this.version++;
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves when the version passes `since`, or after `timeoutMs`. */
  waitForChange(since: number, timeoutMs: number): Promise<void> {
    if (this.version > since) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.waiters.add(wake);
    });
  }

  record(entry: Omit<LogEntry, 'at'>): void {
    this.log.push({ at: new Date().toISOString(), ...entry });
    if (this.log.length > 300) this.log.splice(0, this.log.length - 300);
  }

  // ---------- ids ----------

  /** Slack ts: `seconds.micro`, unique per workspace here, never going backwards, read from the (manual) clock. */
  nextTs(): string {
    const seconds = Math.max(Math.floor(this.now().getTime() / 1000), this.lastTsSeconds);
    if (seconds !== this.lastTsSeconds) this.tsCounter = 0;
    this.lastTsSeconds = seconds;
    this.tsCounter++;
    return `${seconds}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  nextId(prefix: string): string {
    this.idCounter++;
    return `${prefix}${String(this.idCounter).padStart(9, '0')}`;
  }

  // ---------- channels and people ----------

  /** Resolves what the app passed as `channel`: a channel id, a `#name`, a DM id, or a user id (→ their DM). */
  resolveChannel(channel: unknown, options: { byUserOrName?: boolean } = { byUserOrName: true }): string | null {
    if (typeof channel !== 'string' || channel === '') return null;
    if (CHANNELS.some((c) => c.id === channel) || dmOwner(channel)) return channel;
    // Posting accepts a user id (→ their DM with the app) or #name; editing needs the conversation id (C…/D…).
    if (!options.byUserOrName) return null;
    if (channel.startsWith('#')) return CHANNELS.find((c) => c.name === channel.slice(1))?.id ?? null;
    if (PEOPLE.some((p) => p.id === channel)) return dmChannelId(channel);
    return null;
  }

  /** Who may see a channel: everyone for channels; the one person for their DM with the bot. */
  canSee(userId: string, message: StoredMessage): boolean {
    if (message.visibleTo && message.visibleTo !== userId) return false;
    const owner = dmOwner(message.channel);
    return owner === null || owner === userId;
  }

  /** People post in the channels and in their own DM with the app, not in someone else's. */
  canPostIn(userId: string, channel: string): boolean {
    if (CHANNELS.some((c) => c.id === channel)) return true;
    return dmOwner(channel) === userId;
  }

  // ---------- messages ----------

  post(message: Omit<StoredMessage, 'ts' | 'reactions' | 'edited'> & { ts?: string }): StoredMessage {
    const stored: StoredMessage = { ...message, ts: message.ts ?? this.nextTs(), reactions: [], edited: false };
    if (stored.threadTs && !this.find(stored.channel, stored.threadTs)) delete stored.threadTs;
    this.messages.push(stored);
    this.changed();
    return stored;
  }

  find(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  update(message: StoredMessage, patch: { text?: string; blocks?: unknown[]; attachments?: unknown[] }): void {
    if (patch.text !== undefined) message.text = patch.text;
    if (patch.blocks !== undefined) message.blocks = patch.blocks;
    if (patch.attachments !== undefined) message.attachments = patch.attachments;
    message.edited = true;
    this.changed();
  }

  remove(message: StoredMessage): void {
    const index = this.messages.indexOf(message);
    if (index >= 0) this.messages.splice(index, 1);
    this.changed();
  }

  /** Toggles a person's reaction; returns true when it was added. */
  toggleReaction(message: StoredMessage, name: string, userId: string): boolean {
    let reaction = message.reactions.find((r) => r.name === name);
    if (!reaction) {
      reaction = { name, users: [] };
      message.reactions.push(reaction);
    }
    const had = reaction.users.includes(userId);
    reaction.users = had ? reaction.users.filter((u) => u !== userId) : [...reaction.users, userId];
    message.reactions = message.reactions.filter((r) => r.users.length > 0);
    this.changed();
    return !had;
  }

  // ---------- triggers and response URLs ----------

  issueTrigger(userId: string): string {
    const id = `${Math.floor(this.now().getTime() / 1000)}.${++this.idCounter}.${randomHex(32)}`;
    this.triggers.set(id, { userId, at: Date.now(), used: false });
    return id;
  }

  /** Like Slack: a trigger works once, within 3 seconds (wall clock: it is about network latency, not app time). */
  useTrigger(id: unknown): { userId: string } | { error: string } {
    const trigger = typeof id === 'string' ? this.triggers.get(id) : undefined;
    if (!trigger) return { error: 'invalid_trigger_id' };
    if (trigger.used) return { error: 'exchanged_trigger_id' };
    if (Date.now() - trigger.at > 3000) return { error: 'expired_trigger_id' };
    trigger.used = true;
    return { userId: trigger.userId };
  }

  issueResponseUrl(target: Omit<ResponseTarget, 'uses'>): string {
    const id = randomHex(24);
    this.responseUrls.set(id, { ...target, uses: 0 });
    return id;
  }

  responseTarget(id: string): ResponseTarget | undefined {
    return this.responseUrls.get(id);
  }

  // ---------- views ----------

  modalStack(userId: string): StoredView[] {
    let stack = this.modals.get(userId);
    if (!stack) {
      stack = [];
      this.modals.set(userId, stack);
    }
    return stack;
  }

  findView(viewId: unknown, externalId?: unknown): StoredView | undefined {
    for (const view of [...[...this.modals.values()].flat(), ...this.homes.values()]) {
      if (typeof viewId === 'string' && view.id === viewId) return view;
      if (typeof externalId === 'string' && externalId !== '' && view.view.external_id === externalId) return view;
    }
    return undefined;
  }

  newView(userId: string, type: 'modal' | 'home', view: Record<string, unknown>, below?: StoredView): StoredView {
    const id = this.nextId('V');
    return {
      id,
      hash: this.nextHash(),
      userId,
      type,
      view,
      rootViewId: below?.rootViewId ?? id,
      previousViewId: below?.id ?? null,
      errors: {},
    };
  }

  nextHash(): string {
    return `${Math.floor(this.now().getTime() / 1000)}.${randomHex(8)}`;
  }

  /** The view object Slack returns from views.* and sends in view payloads. */
  viewObject(stored: StoredView, values: Record<string, unknown> = {}): Record<string, unknown> {
    const v = stored.view;
    return {
      id: stored.id,
      team_id: TEAM.id,
      type: stored.type,
      blocks: v.blocks ?? [],
      private_metadata: v.private_metadata ?? '',
      callback_id: v.callback_id ?? '',
      state: { values },
      hash: stored.hash,
      title: v.title ?? null,
      clear_on_close: v.clear_on_close ?? false,
      notify_on_close: v.notify_on_close ?? false,
      close: v.close ?? null,
      submit: v.submit ?? null,
      previous_view_id: stored.previousViewId,
      root_view_id: stored.rootViewId,
      app_id: APP_ID,
      external_id: v.external_id ?? '',
      app_installed_team_id: TEAM.id,
      bot_id: BOT.botId,
    };
  }
}

/** A stored message as Slack's API shows it (chat.* answers, conversations.replies, block_actions payloads). */
export function messageObject(m: StoredMessage): Record<string, unknown> & { ts: string } {
  return {
    type: 'message',
    ts: m.ts,
    user: m.user,
    text: m.text,
    ...(m.bot ? { bot_id: BOT.botId, app_id: APP_ID } : {}),
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    ...(m.files ? { files: m.files.map((f) => ({ id: f.id, name: f.name, title: f.title })) } : {}),
  };
}

/** Where the page loads an uploaded file from. */
export function fileUrl(id: string): string {
  return `/playground/files/${encodeURIComponent(id)}`;
}

function randomHex(length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(Math.random() * 16).toString(16);
  return out;
}
