import { blockProblems } from './block-limits.js';
import { truthy } from './form.js';
import { BOT, CHANNELS, dmChannelId, PEOPLE, PLATFORM_USERGROUP, TEAM } from './ids.js';
import { fileUrl, messageObject, type StoredView, type Workspace } from './workspace.js';

export type ApiResult = Record<string, unknown> & { ok: boolean };
/** What a handler may need beyond the workspace: the playground's own address (for upload URLs). */
export interface ApiContext {
  baseUrl: string;
}
type Handler = (args: Record<string, unknown>, ws: Workspace, context: ApiContext) => ApiResult;

const fail = (error: string, extra: Record<string, unknown> = {}): ApiResult => ({ ok: false, error, ...extra });

/** A Slack-style validation error with a json-pointer (SLACK_FACTS §5). */
function invalid(error: string, message: string, pointer: string): ApiResult {
  return fail(error, { response_metadata: { messages: [`[ERROR] ${message} [json-pointer:${pointer}]`] } });
}

function checkBlocks(blocks: unknown, max: number, pointer: string, error = 'invalid_blocks'): ApiResult | null {
  if (blocks === undefined) return null;
  if (!Array.isArray(blocks)) return fail('invalid_blocks_format');
  if (blocks.length > max) return invalid(error, `no more than ${max} items allowed`, pointer);
  const problems = blockProblems(blocks, pointer);
  if (problems.length === 0) return null;
  return fail(error, {
    ...(error === 'invalid_blocks' ? { errors: problems } : {}),
    response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) },
  });
}

function checkView(view: unknown): ApiResult | null {
  if (!view || typeof view !== 'object') return fail('invalid_arguments');
  const v = view as Record<string, unknown>;
  for (const key of ['title', 'submit', 'close'] as const) {
    const text = (v[key] as { text?: unknown } | undefined)?.text;
    if (typeof text === 'string' && text.length > 24 && v.type === 'modal') {
      return invalid('invalid_arguments', 'must be less than 25 characters', `/view/${key}/text`);
    }
  }
  if (v.type === 'modal' && !v.submit && Array.isArray(v.blocks) && v.blocks.some((b) => b?.type === 'input')) {
    return invalid('invalid_arguments', 'must provide submit when the view has input blocks', '/view/submit');
  }
  if (typeof v.private_metadata === 'string' && v.private_metadata.length > 3000) {
    return invalid('invalid_arguments', 'must be less than 3001 characters', '/view/private_metadata');
  }
  return checkBlocks(v.blocks ?? [], 100, '/view/blocks', 'invalid_arguments');
}

function postMessage(args: Record<string, unknown>, ws: Workspace, visibleTo?: string): ApiResult {
  const channel = ws.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  const text = typeof args.text === 'string' ? args.text : '';
  const blocks = args.blocks as unknown[] | undefined;
  if (!text && !blocks && !args.attachments) return fail('no_text');
  const problem = checkBlocks(blocks, 50, '/blocks');
  if (problem) return problem;
  const message = ws.post({
    channel,
    user: BOT.userId,
    bot: true,
    text,
    ...(blocks ? { blocks } : {}),
    ...(Array.isArray(args.attachments) ? { attachments: args.attachments } : {}),
    ...(typeof args.thread_ts === 'string' && args.thread_ts ? { threadTs: args.thread_ts } : {}),
    ...(args.thread_ts && truthy(args.reply_broadcast) && !visibleTo ? { broadcast: true } : {}),
    ...(visibleTo ? { visibleTo } : {}),
  });
  return { ok: true, channel, ts: message.ts, message: messageObject(message) };
}

function person(id: unknown) {
  return PEOPLE.find((p) => p.id === id);
}

function openOrPush(args: Record<string, unknown>, ws: Workspace, push: boolean): ApiResult {
  const trigger = ws.useTrigger(args.trigger_id);
  if ('error' in trigger) return fail(trigger.error);
  if ((args.view as { type?: unknown } | undefined)?.type !== 'modal') {
    return invalid('invalid_arguments', 'must be modal', '/view/type');
  }
  const problem = checkView(args.view);
  if (problem) return problem;
  const stack = ws.modalStack(trigger.userId);
  if (push && stack.length >= 3) return fail('push_limit_reached');
  if (!push) stack.length = 0;
  const stored = ws.newView(
    trigger.userId,
    'modal',
    args.view as Record<string, unknown>,
    push ? stack.at(-1) : undefined,
  );
  stack.push(stored);
  ws.changed();
  return { ok: true, view: ws.viewObject(stored) };
}

function replaceView(stored: StoredView, view: Record<string, unknown>, ws: Workspace): ApiResult {
  stored.view = view;
  stored.hash = ws.nextHash();
  stored.errors = {};
  ws.changed();
  return { ok: true, view: ws.viewObject(stored) };
}

/** The Web API methods groundcrew calls, answered from the in-memory workspace like Slack would. */
export const handlers: Record<string, Handler> = {
  'api.test': (args) => ({ ok: true, args }),
  'auth.test': () => ({
    ok: true,
    url: `https://${TEAM.domain}.slack.com/`,
    team: TEAM.domain,
    user: BOT.name,
    team_id: TEAM.id,
    user_id: BOT.userId,
    bot_id: BOT.botId,
    is_enterprise_install: false,
  }),
  'chat.postMessage': (args, ws) => postMessage(args, ws),
  'chat.postEphemeral': (args, ws) => {
    if (!person(args.user)) return fail('user_not_in_channel');
    const result = postMessage(args, ws, String(args.user));
    return result.ok ? { ok: true, message_ts: result.ts } : result;
  },
  'chat.update': (args, ws) => {
    const channel = ws.resolveChannel(args.channel, { byUserOrName: false });
    if (!channel) return fail('channel_not_found');
    const message = typeof args.ts === 'string' ? ws.find(channel, args.ts) : undefined;
    if (!message || message.visibleTo) return fail('message_not_found');
    if (!message.bot) return fail('cant_update_message');
    const problem = checkBlocks(args.blocks, 50, '/blocks');
    if (problem) return problem;
    ws.update(message, {
      ...(typeof args.text === 'string' ? { text: args.text } : {}),
      ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
      ...(Array.isArray(args.attachments) ? { attachments: args.attachments } : {}),
    });
    return { ok: true, channel: message.channel, ts: message.ts, text: message.text, message: messageObject(message) };
  },
  'chat.delete': (args, ws) => {
    const channel = ws.resolveChannel(args.channel, { byUserOrName: false });
    const message = channel && typeof args.ts === 'string' ? ws.find(channel, args.ts) : undefined;
    if (!message) return fail('message_not_found');
    ws.remove(message);
    return { ok: true, channel: message.channel, ts: message.ts };
  },
  'chat.getPermalink': (args, ws) => {
    const channel = ws.resolveChannel(args.channel, { byUserOrName: false });
    if (!channel) return fail('channel_not_found');
    return { ok: true, channel, permalink: `/playground#${channel}/${String(args.message_ts ?? '')}` };
  },
  'views.open': (args, ws) => openOrPush(args, ws, false),
  'views.push': (args, ws) => openOrPush(args, ws, true),
  'views.update': (args, ws) => {
    const stored = ws.findView(args.view_id, args.external_id);
    if (!stored) return fail('not_found');
    if (typeof args.hash === 'string' && args.hash !== '' && args.hash !== stored.hash) return fail('hash_conflict');
    const problem = checkView(args.view);
    if (problem) return problem;
    return replaceView(stored, args.view as Record<string, unknown>, ws);
  },
  'views.publish': (args, ws) => {
    const userId = String(args.user_id ?? '');
    if (!person(userId)) return fail('user_not_found');
    const view = args.view as Record<string, unknown> | undefined;
    if (view?.type !== 'home') return fail('invalid_arguments');
    const problem = checkView(view);
    if (problem) return problem;
    const existing = ws.homes.get(userId);
    if (existing) {
      if (typeof args.hash === 'string' && args.hash !== '' && args.hash !== existing.hash)
        return fail('hash_conflict');
      return replaceView(existing, view, ws);
    }
    const stored = ws.newView(userId, 'home', view);
    ws.homes.set(userId, stored);
    ws.changed();
    return { ok: true, view: ws.viewObject(stored) };
  },
  'conversations.open': (args) => {
    const users = String(args.users ?? '')
      .split(',')
      .filter(Boolean);
    if (users.length !== 1 || !person(users[0]))
      return fail(users.length === 0 ? 'users_list_not_supplied' : 'user_not_found');
    return { ok: true, channel: { id: dmChannelId(users[0]!) } };
  },
  'conversations.info': (args, ws) => {
    const id = ws.resolveChannel(args.channel);
    if (!id) return fail('channel_not_found');
    const channel = CHANNELS.find((c) => c.id === id);
    return {
      ok: true,
      channel: channel
        ? {
            id,
            name: channel.name,
            is_channel: true,
            is_member: true,
            topic: { value: channel.topic },
            ...(args.include_num_members ? { num_members: PEOPLE.length + 1 } : {}),
          }
        : { id, is_im: true, user: `U${id.slice(1)}` },
    };
  },
  'conversations.members': (args, ws) => {
    const id = ws.resolveChannel(args.channel);
    if (!id) return fail('channel_not_found');
    const members = id.startsWith('D') ? [`U${id.slice(1)}`, BOT.userId] : [...PEOPLE.map((p) => p.id), BOT.userId];
    return { ok: true, members, response_metadata: { next_cursor: '' } };
  },
  // Everyone in the playground is in every channel, so an invite (a Join button) finds them there already.
  'conversations.invite': (args, ws) => {
    const id = ws.resolveChannel(args.channel);
    if (!id || id.startsWith('D')) return fail('channel_not_found');
    return person(args.users) ? fail('already_in_channel') : fail('user_not_found');
  },
  'conversations.replies': (args, ws) => {
    const id = ws.resolveChannel(args.channel);
    const parent = id && typeof args.ts === 'string' ? ws.find(id, args.ts) : undefined;
    if (!parent) return fail('thread_not_found');
    const replies = ws.messages.filter((m) => m.channel === id && m.threadTs === parent.ts && !m.visibleTo);
    return { ok: true, messages: [parent, ...replies].map(messageObject), has_more: false };
  },
  'usergroups.users.list': (args) =>
    args.usergroup === PLATFORM_USERGROUP.id
      ? { ok: true, users: [...PLATFORM_USERGROUP.members] }
      : fail('no_such_subteam'),
  'users.info': (args) => {
    const found = person(args.user);
    if (!found && args.user !== BOT.userId) return fail('user_not_found');
    const name = found?.name ?? BOT.name;
    const realName = found?.realName ?? 'groundcrew';
    return {
      ok: true,
      user: {
        id: args.user,
        team_id: TEAM.id,
        name,
        real_name: realName,
        deleted: false,
        is_bot: !found,
        is_admin: found?.id === 'U0ADMIN',
        tz: 'Europe/Berlin',
        tz_offset: 3600,
        profile: { real_name: realName, display_name: name, email: `${name}@playground.invalid` },
      },
    };
  },
  'files.getUploadURLExternal': (args, ws, context) => {
    const name = typeof args.filename === 'string' ? args.filename : '';
    const length = Number(args.length);
    if (!name || !Number.isInteger(length) || length <= 0) return fail('missing_argument');
    const id = ws.nextId('F');
    ws.files.set(id, { id, name, length, bytes: null, completed: false });
    return { ok: true, upload_url: `${context.baseUrl}/playground/files/upload/${id}`, file_id: id };
  },
  'files.completeUploadExternal': (args, ws) => {
    const list = Array.isArray(args.files) ? (args.files as { id?: unknown; title?: unknown }[]) : [];
    if (list.length === 0) return fail('invalid_arguments');
    const shared = [];
    for (const item of list) {
      const stored = typeof item.id === 'string' ? ws.files.get(item.id) : undefined;
      if (!stored?.bytes) return fail('file_not_found');
      stored.completed = true;
      const title = typeof item.title === 'string' && item.title ? item.title : stored.name;
      shared.push({ id: stored.id, name: stored.name, title, url: fileUrl(stored.id) });
    }
    const channel = args.channel_id === undefined ? null : ws.resolveChannel(args.channel_id, { byUserOrName: false });
    if (args.channel_id !== undefined && !channel) return fail('channel_not_found');
    if (channel) {
      ws.post({
        channel,
        user: BOT.userId,
        bot: true,
        text: typeof args.initial_comment === 'string' ? args.initial_comment : '',
        files: shared,
        ...(typeof args.thread_ts === 'string' && args.thread_ts ? { threadTs: args.thread_ts } : {}),
      });
    }
    return { ok: true, files: shared.map((f) => ({ id: f.id, title: f.title })) };
  },
  'reactions.add': (args, ws) => {
    const channel = ws.resolveChannel(args.channel, { byUserOrName: false });
    const message = channel && typeof args.timestamp === 'string' ? ws.find(channel, args.timestamp) : undefined;
    if (!message) return fail('message_not_found');
    const name = String(args.name ?? '').replace(/:/g, '');
    if (!name) return fail('invalid_name');
    if (message.reactions.some((r) => r.name === name && r.users.includes(BOT.userId))) return fail('already_reacted');
    ws.toggleReaction(message, name, BOT.userId);
    return { ok: true };
  },
  'reactions.remove': (args, ws) => {
    const channel = ws.resolveChannel(args.channel, { byUserOrName: false });
    const message = channel && typeof args.timestamp === 'string' ? ws.find(channel, args.timestamp) : undefined;
    const name = String(args.name ?? '').replace(/:/g, '');
    if (!message?.reactions.some((r) => r.name === name && r.users.includes(BOT.userId))) {
      return fail('no_reaction');
    }
    ws.toggleReaction(message, name, BOT.userId);
    return { ok: true };
  },
};

/** Answers one Web API call. Methods the playground does not model answer `{ ok: true }` so nothing breaks. */
export function callMethod(
  method: string,
  args: Record<string, unknown>,
  ws: Workspace,
  context: ApiContext = { baseUrl: '' },
): ApiResult {
  const handler = handlers[method];
  return handler ? handler(args, ws, context) : { ok: true, warning: `the playground does not model ${method}` };
}
