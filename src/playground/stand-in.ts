import { parseJson } from '../json.js';
import { truthy } from './form.js';
import { BOT, dmChannelId, isDmChannel, PEOPLE, TEAM } from './ids.js';
import {
  type ActionInput,
  eventCallback,
  messageBlockActions,
  slashCommandFields,
  viewBlockActions,
  viewClosed,
  viewSubmission,
} from './payloads.js';
import { type AppTransport, sendToApp } from './transport.js';
import { messageObject, type Workspace } from './workspace.js';

export interface StandInOptions {
  workspace: Workspace;
  transport: AppTransport;
  /** The base URL the app is told to use for response URLs (`http://127.0.0.1:PORT`). */
  baseUrl: () => string;
}

export type StateValues = Record<string, Record<string, Record<string, unknown>>>;

export class UiError extends Error {}

/**
 * What a person does in the page, turned into what Slack would send the app: signed slash commands, message
 * events, block_actions, view submissions; and what Slack does with the app's answers (ack bodies, response URLs).
 */
export class SlackStandIn {
  readonly ws: Workspace;
  private readonly transport: AppTransport;
  private readonly baseUrl: () => string;

  constructor(options: StandInOptions) {
    this.ws = options.workspace;
    this.transport = options.transport;
    this.baseUrl = options.baseUrl;
  }

  private notice(userId: string, channel: string, text: string, threadTs?: string): void {
    this.ws.post({
      channel,
      user: 'USLACKBOT',
      bot: false,
      text,
      visibleTo: userId,
      system: true,
      ...(threadTs ? { threadTs } : {}),
    });
  }

  async command(userId: string, channel: string, input: string): Promise<void> {
    requirePerson(userId);
    const match = /^(\/\S+)\s*([\s\S]*)$/.exec(input.trim());
    if (!match) throw new UiError('a slash command starts with /');
    if (!this.ws.canPostIn(userId, channel)) throw new UiError(`${userId} cannot post in ${channel}`);
    const [, command, text] = match as unknown as [string, string, string];
    if (command !== '/platform') {
      this.notice(
        userId,
        channel,
        `\`${command}\` is not a valid command. In this workspace only \`/platform\` is installed.`,
      );
      return;
    }
    const responseId = this.ws.issueResponseUrl({ userId, channel });
    const fields = slashCommandFields({
      userId,
      channelId: channel,
      command,
      text,
      responseUrl: `${this.baseUrl()}/playground/respond/${responseId}`,
      triggerId: this.ws.issueTrigger(userId),
    });
    const response = await sendToApp(this.transport, { kind: 'form', fields }, `${command} ${text}`);
    if (response.status !== 200) {
      this.notice(
        userId,
        channel,
        `\`${command}\` failed with the error "${response.status === 404 ? 'operation_timeout' : `http_${response.status}`}"`,
      );
      return;
    }
    if (!response.body.trim()) return;
    const reply = parseReply(response.body, response.contentType);
    const posted = this.ws.post({
      channel,
      user: BOT.userId,
      bot: true,
      text: reply.text,
      ...(reply.blocks ? { blocks: reply.blocks } : {}),
      ...(reply.inChannel ? {} : { visibleTo: userId }),
    });
    const target = this.ws.responseTarget(responseId);
    if (target) target.lastTs = posted.ts;
  }

  async message(userId: string, channel: string, text: string, threadTs?: string): Promise<void> {
    requirePerson(userId);
    const target = this.ws.resolveChannel(channel, { byUserOrName: false });
    if (!target || !this.ws.canPostIn(userId, target)) throw new UiError(`${userId} cannot post in ${channel}`);
    const posted = this.ws.post({ channel: target, user: userId, bot: false, text, ...(threadTs ? { threadTs } : {}) });
    const event: Record<string, unknown> = {
      type: 'message',
      channel: target,
      user: userId,
      text,
      ts: posted.ts,
      event_ts: posted.ts,
      channel_type: isDmChannel(target) ? 'im' : 'channel',
      client_msg_id: crypto.randomUUID(),
      team: TEAM.id,
      ...(posted.threadTs
        ? { thread_ts: posted.threadTs, parent_user_id: this.ws.find(target, posted.threadTs)?.user }
        : {}),
    };
    await this.event(event, `message in ${target}`);
    if (!isDmChannel(target) && text.includes(`<@${BOT.userId}>`)) {
      const { channel_type: _ct, client_msg_id: _id, ...mention } = event;
      await this.event({ ...mention, type: 'app_mention' }, `app_mention in ${target}`);
    }
  }

  async react(userId: string, channel: string, ts: string, name: string): Promise<void> {
    requirePerson(userId);
    const message = this.ws.find(channel, ts);
    if (!message || !this.ws.canSee(userId, message)) throw new UiError('no such message');
    const added = this.ws.toggleReaction(message, name, userId);
    await this.event(
      {
        type: added ? 'reaction_added' : 'reaction_removed',
        user: userId,
        reaction: name,
        item_user: message.user,
        item: { type: 'message', channel, ts },
        event_ts: this.ws.nextTs(),
      },
      `${added ? 'reaction_added' : 'reaction_removed'} :${name}:`,
    );
  }

  /** Opening the app's Home tab (or its Messages tab, the DM) sends app_home_opened, as in Slack. */
  async openHome(userId: string, tab: 'home' | 'messages' = 'home'): Promise<void> {
    requirePerson(userId);
    const home = this.ws.homes.get(userId);
    await this.event(
      {
        type: 'app_home_opened',
        user: userId,
        channel: dmChannelId(userId),
        tab,
        event_ts: this.ws.nextTs(),
        ...(home ? { view: this.ws.viewObject(home) } : {}),
      },
      `app_home_opened (${tab})`,
    );
  }

  /** A click or selection on a message (from `ts` in `channel`) or in a view. */
  async action(
    userId: string,
    source: { channel: string; ts: string } | { viewId: string },
    action: ActionInput,
    values: StateValues,
  ): Promise<void> {
    requirePerson(userId);
    const triggerId = this.ws.issueTrigger(userId);
    let payload: object;
    if ('viewId' in source) {
      const stored = this.ws.findView(source.viewId);
      if (!stored || stored.userId !== userId) throw new UiError('that view is gone');
      payload = viewBlockActions({ userId, triggerId, view: this.ws.viewObject(stored, values), action });
    } else {
      const message = this.ws.find(source.channel, source.ts);
      if (!message || !this.ws.canSee(userId, message)) throw new UiError('that message is gone');
      const responseId = this.ws.issueResponseUrl({
        userId,
        channel: message.channel,
        messageTs: message.ts,
        ...(message.threadTs ? { threadTs: message.threadTs } : {}),
      });
      payload = messageBlockActions({
        userId,
        triggerId,
        responseUrl: `${this.baseUrl()}/playground/respond/${responseId}`,
        message: { ...messageObject(message), channel: message.channel },
        ephemeral: Boolean(message.visibleTo),
        values,
        action,
      });
    }
    const response = await sendToApp(this.transport, { kind: 'payload', payload }, `block_actions ${action.action_id}`);
    if (response.status !== 200) {
      const where = 'viewId' in source ? undefined : source;
      if (where) this.notice(userId, where.channel, `That didn't work (the app answered ${response.status}).`);
    }
  }

  /** Submits the top modal of the person's stack with the values typed in the page. */
  async submit(userId: string, viewId: string, values: StateValues): Promise<{ errors?: Record<string, string> }> {
    requirePerson(userId);
    const stack = this.ws.modalStack(userId);
    const stored = stack.at(-1);
    if (!stored || stored.id !== viewId) throw new UiError('that modal is no longer open');
    const payload = viewSubmission({
      userId,
      triggerId: this.ws.issueTrigger(userId),
      view: this.ws.viewObject(stored, values),
    });
    const response = await sendToApp(
      this.transport,
      { kind: 'payload', payload },
      `view_submission ${String(stored.view.callback_id ?? '')}`,
    );
    if (response.status !== 200) {
      stored.errors = { '': 'We had some trouble connecting. Try again?' };
      this.ws.changed();
      return { errors: stored.errors };
    }
    // An empty ack (or one that is not JSON) is a plain ack: the modal closes.
    const body = (parseJson(response.body) ?? {}) as Record<string, unknown>;
    switch (body.response_action) {
      case 'errors':
        stored.errors = (body.errors ?? {}) as Record<string, string>;
        this.ws.changed();
        return { errors: stored.errors };
      case 'update':
        stored.view = body.view as Record<string, unknown>;
        stored.hash = this.ws.nextHash();
        stored.errors = {};
        break;
      case 'push':
        stack.push(this.ws.newView(userId, 'modal', body.view as Record<string, unknown>, stored));
        break;
      case 'clear':
        stack.length = 0;
        break;
      default:
        stack.pop();
    }
    this.ws.changed();
    return {};
  }

  /** Cancel pops one view; the ✕ (`all`) closes the whole stack. Sends view_closed when the view asked for it. */
  async close(userId: string, viewId: string, all: boolean): Promise<void> {
    const stack = this.ws.modalStack(userId);
    const stored = stack.at(-1);
    if (!stored || stored.id !== viewId) return;
    if (all) stack.length = 0;
    else stack.pop();
    this.ws.changed();
    if (truthy(stored.view.notify_on_close)) {
      const payload = viewClosed({ userId, view: this.ws.viewObject(stored), isCleared: all });
      await sendToApp(this.transport, { kind: 'payload', payload }, 'view_closed');
    }
  }

  /** POST to a response URL (SLACK_FACTS §3): new message, replace_original or delete_original. */
  respond(id: string, body: Record<string, unknown>): { status: number; body: Record<string, unknown> } {
    const target = this.ws.responseTarget(id);
    if (!target) return { status: 404, body: { ok: false, error: 'no_such_response_url' } };
    if (++target.uses > 5) return { status: 404, body: { ok: false, error: 'used_url' } };
    this.ws.record({ direction: 'app→slack', what: 'response_url', detail: JSON.stringify(body).slice(0, 300) });
    const originalTs = target.messageTs ?? target.lastTs;
    const original = originalTs ? this.ws.find(target.channel, originalTs) : undefined;
    if (truthy(body.delete_original)) {
      if (original) this.ws.remove(original);
      return { status: 200, body: { ok: true } };
    }
    const text = typeof body.text === 'string' ? body.text : '';
    const blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
    if (truthy(body.replace_original) && original) {
      this.ws.update(original, { text, ...(blocks ? { blocks } : { blocks: [] }) });
      return { status: 200, body: { ok: true } };
    }
    const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : target.threadTs;
    const posted = this.ws.post({
      channel: target.channel,
      user: BOT.userId,
      bot: true,
      text,
      ...(blocks ? { blocks } : {}),
      ...(threadTs ? { threadTs } : {}),
      ...(body.response_type === 'in_channel' ? {} : { visibleTo: target.userId }),
    });
    if (!target.messageTs) target.lastTs = posted.ts;
    return { status: 200, body: { ok: true } };
  }

  private async event(event: Record<string, unknown>, what: string): Promise<void> {
    const payload = eventCallback(event, Math.floor(this.ws.nextTs().split('.').map(Number)[0]!));
    await sendToApp(this.transport, { kind: 'json', payload }, what);
  }
}

function requirePerson(userId: string): void {
  if (!PEOPLE.some((p) => p.id === userId)) throw new UiError(`unknown person ${userId}`);
}

function parseReply(body: string, contentType: string): { text: string; blocks?: unknown[]; inChannel: boolean } {
  // Not a JSON object after all: Slack shows it as text.
  const parsed = contentType.includes('json') || body.trimStart().startsWith('{') ? parseJson(body) : undefined;
  if (!parsed || typeof parsed !== 'object') return { text: body, inChannel: false };
  const reply = parsed as Record<string, unknown>;
  return {
    text: typeof reply.text === 'string' ? reply.text : '',
    ...(Array.isArray(reply.blocks) ? { blocks: reply.blocks } : {}),
    inChannel: reply.response_type === 'in_channel',
  };
}
