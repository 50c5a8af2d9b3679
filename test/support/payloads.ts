/**
 * Typed builders for the payloads Slack sends, shaped like ../shared/slack/fixtures. Each returns the object;
 * the sender encodes it the way Slack does (form fields for commands, `payload=` for interactivity, JSON for events).
 */
export const TEAM_ID = 'T04ABCD1EFG';
export const APP_ID = 'A06BCDE2FGH';
export const BOT_USER_ID = 'U0BOT0001';
export const BOT_ID = 'B0BOT0001';

let counter = 0;
const next = () => ++counter;

export interface SlashCommandPayload {
  token: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  command: string;
  text: string;
  api_app_id: string;
  is_enterprise_install: string;
  response_url: string;
  trigger_id: string;
}

export function slashCommand(text: string, overrides: Partial<SlashCommandPayload> = {}): SlashCommandPayload {
  const n = next();
  return {
    token: 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2',
    team_id: TEAM_ID,
    team_domain: 'acme-eng',
    channel_id: 'C05ABCD6EFG',
    channel_name: 'platform-help',
    user_id: 'U02ABC3DEFG',
    user_name: 'alice',
    command: '/platform',
    text,
    api_app_id: APP_ID,
    is_enterprise_install: 'false',
    response_url: `http://slack.test/response/command-${n}`,
    trigger_id: `7891234567890.4123456789012.${n.toString(16).padStart(32, '0')}`,
    ...overrides,
  };
}

export interface SlackUserRef {
  id: string;
  username: string;
  name: string;
  team_id: string;
}

export function userRef(id: string): SlackUserRef {
  return { id, username: id.toLowerCase(), name: id.toLowerCase(), team_id: TEAM_ID };
}

export interface ButtonAction {
  action_id: string;
  block_id: string;
  value?: string;
  type: string;
  action_ts: string;
  text?: { type: 'plain_text'; text: string; emoji: boolean };
  selected_option?: { text: { type: 'plain_text'; text: string }; value: string } | null;
}

export interface MessageBlockActionsPayload {
  type: 'block_actions';
  user: SlackUserRef;
  api_app_id: string;
  token: string;
  container: { type: 'message'; message_ts: string; channel_id: string; is_ephemeral: boolean };
  trigger_id: string;
  team: { id: string; domain: string };
  enterprise: null;
  is_enterprise_install: false;
  channel: { id: string; name: string };
  message: { type: 'message'; ts: string; user: string; bot_id: string; text: string; blocks: unknown[] };
  state: { values: Record<string, Record<string, unknown>> };
  response_url: string;
  actions: ButtonAction[];
}

/** A button click on a message the bot posted. */
export function messageButton(options: {
  userId: string;
  actionId: string;
  value?: string;
  blockId?: string;
  channelId: string;
  messageTs: string;
  messageBlocks?: unknown[];
}): MessageBlockActionsPayload {
  const n = next();
  return {
    type: 'block_actions',
    user: userRef(options.userId),
    api_app_id: APP_ID,
    token: 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2',
    container: { type: 'message', message_ts: options.messageTs, channel_id: options.channelId, is_ephemeral: false },
    trigger_id: `7891234567890.4123456789012.${n.toString(16).padStart(32, 'a')}`,
    team: { id: TEAM_ID, domain: 'acme-eng' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: options.channelId, name: 'deploys' },
    message: {
      type: 'message',
      ts: options.messageTs,
      user: BOT_USER_ID,
      bot_id: BOT_ID,
      text: '',
      blocks: options.messageBlocks ?? [],
    },
    state: { values: {} },
    response_url: `http://slack.test/response/action-${n}`,
    actions: [
      {
        action_id: options.actionId,
        block_id: options.blockId ?? 'actions',
        ...(options.value !== undefined ? { value: options.value } : {}),
        type: 'button',
        action_ts: `${1767225660 + n}.000100`,
      },
    ],
  };
}

export interface ViewStateValue {
  type: string;
  value?: string | null;
  selected_option?: { text: { type: 'plain_text'; text: string }; value: string } | null;
  selected_options?: { text: { type: 'plain_text'; text: string }; value: string }[];
  selected_user?: string | null;
  selected_users?: string[];
  selected_channel?: string | null;
  selected_date?: string | null;
  selected_time?: string | null;
}

export interface ViewPayloadView {
  id: string;
  team_id: string;
  type: 'modal';
  blocks: unknown[];
  private_metadata: string;
  callback_id: string;
  state: { values: Record<string, Record<string, ViewStateValue>> };
  hash: string;
  title: { type: 'plain_text'; text: string };
  clear_on_close: boolean;
  notify_on_close: boolean;
  close: null;
  submit: { type: 'plain_text'; text: string } | null;
  previous_view_id: null;
  root_view_id: string;
  app_id: string;
  external_id: string;
  app_installed_team_id: string;
  bot_id: string;
}

function view(options: {
  callbackId: string;
  values?: Record<string, Record<string, ViewStateValue>>;
  privateMetadata?: string;
  blocks?: unknown[];
  viewId?: string;
}): ViewPayloadView {
  const id = options.viewId ?? `V${next().toString().padStart(9, '0')}`;
  return {
    id,
    team_id: TEAM_ID,
    type: 'modal',
    blocks: options.blocks ?? [],
    private_metadata: options.privateMetadata ?? '',
    callback_id: options.callbackId,
    state: { values: options.values ?? {} },
    hash: `1767220000.${id}`,
    title: { type: 'plain_text', text: 'groundcrew' },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: { type: 'plain_text', text: 'Submit' },
    previous_view_id: null,
    root_view_id: id,
    app_id: APP_ID,
    external_id: '',
    app_installed_team_id: TEAM_ID,
    bot_id: BOT_ID,
  };
}

export function viewSubmission(options: {
  userId: string;
  callbackId: string;
  values: Record<string, Record<string, ViewStateValue>>;
  privateMetadata?: string;
  blocks?: unknown[];
  viewId?: string;
}) {
  return {
    type: 'view_submission' as const,
    team: { id: TEAM_ID, domain: 'acme-eng' },
    user: userRef(options.userId),
    api_app_id: APP_ID,
    token: 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2',
    trigger_id: `7891234567890.4123456789012.${next().toString(16).padStart(32, 'b')}`,
    view: view(options),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** A block_actions payload from an element inside a modal (dispatch_action or a non-input block). */
export function viewAction(options: {
  userId: string;
  callbackId: string;
  action: Omit<ButtonAction, 'action_ts'>;
  values?: Record<string, Record<string, ViewStateValue>>;
  privateMetadata?: string;
  viewId?: string;
}) {
  const v = view(options);
  return {
    type: 'block_actions' as const,
    user: userRef(options.userId),
    api_app_id: APP_ID,
    token: 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2',
    container: { type: 'view', view_id: v.id },
    trigger_id: `7891234567890.4123456789012.${next().toString(16).padStart(32, 'c')}`,
    team: { id: TEAM_ID, domain: 'acme-eng' },
    enterprise: null,
    is_enterprise_install: false,
    view: v,
    actions: [{ ...options.action, action_ts: `${1767225660 + next()}.000200` }],
  };
}

export function eventCallback(event: Record<string, unknown>, options: { eventId?: string } = {}) {
  const n = next();
  return {
    token: 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2',
    team_id: TEAM_ID,
    context_team_id: TEAM_ID,
    context_enterprise_id: null,
    api_app_id: APP_ID,
    event,
    type: 'event_callback' as const,
    event_id: options.eventId ?? `Ev${n.toString().padStart(10, '0')}`,
    event_time: 1767225900 + n,
    authorizations: [
      { enterprise_id: null, team_id: TEAM_ID, user_id: BOT_USER_ID, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context: `EC${n}`,
  };
}

/** A reaction to a message: an event groundcrew records as processed (unlike app_home_opened, which it may repeat). */
export function reactionAdded(userId: string, channel = 'C0OTHER001') {
  return {
    type: 'reaction_added',
    user: userId,
    reaction: 'eyes',
    item: { type: 'message', channel, ts: '1767225900.000100' },
    event_ts: '1767225900.000600',
  };
}

export function appHomeOpened(userId: string) {
  return { type: 'app_home_opened', user: userId, channel: 'D06EFGH7IJK', tab: 'home', event_ts: '1767225900.000500' };
}

/** A form-encoded body, as Slack sends slash commands and interactivity payloads. */
export function formEncode(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}
