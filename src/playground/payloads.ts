import { APP_ID, BOT, CHANNELS, PEOPLE, TEAM, VERIFICATION_TOKEN } from './ids.js';

/** Payload builders shaped like what Slack sends (SLACK_FACTS §2), filled from the pretend workspace. */

export function userRef(userId: string) {
  const name = PEOPLE.find((p) => p.id === userId)?.name ?? userId.toLowerCase();
  return { id: userId, username: name, name, team_id: TEAM.id };
}

export function channelName(channelId: string): string {
  return CHANNELS.find((c) => c.id === channelId)?.name ?? 'directmessage';
}

export function slashCommandFields(options: {
  userId: string;
  channelId: string;
  command: string;
  text: string;
  responseUrl: string;
  triggerId: string;
}): Record<string, string> {
  return {
    token: VERIFICATION_TOKEN,
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: options.channelId,
    channel_name: channelName(options.channelId),
    user_id: options.userId,
    user_name: userRef(options.userId).name,
    command: options.command,
    text: options.text,
    api_app_id: APP_ID,
    is_enterprise_install: 'false',
    response_url: options.responseUrl,
    trigger_id: options.triggerId,
  };
}

const common = (userId: string, triggerId: string) => ({
  user: userRef(userId),
  api_app_id: APP_ID,
  token: VERIFICATION_TOKEN,
  trigger_id: triggerId,
  team: { id: TEAM.id, domain: TEAM.domain },
  enterprise: null,
  is_enterprise_install: false,
});

export interface ActionInput {
  action_id: string;
  block_id: string;
  type: string;
  value?: string;
  text?: unknown;
  selected_option?: unknown;
  selected_options?: unknown[];
  selected_user?: string;
  selected_users?: string[];
  selected_channel?: string;
  selected_date?: string;
}

export function messageBlockActions(options: {
  userId: string;
  triggerId: string;
  responseUrl: string;
  message: Record<string, unknown> & { ts: string; channel: string };
  ephemeral: boolean;
  values: Record<string, Record<string, unknown>>;
  action: ActionInput;
}) {
  const { channel, ...message } = options.message;
  return {
    type: 'block_actions' as const,
    ...common(options.userId, options.triggerId),
    container: {
      type: 'message',
      message_ts: options.message.ts,
      channel_id: channel,
      is_ephemeral: options.ephemeral,
    },
    channel: { id: channel, name: channelName(channel) },
    message,
    state: { values: options.values },
    response_url: options.responseUrl,
    actions: [{ ...options.action, action_ts: actionTs() }],
  };
}

export function viewBlockActions(options: {
  userId: string;
  triggerId: string;
  view: Record<string, unknown>;
  action: ActionInput;
}) {
  return {
    type: 'block_actions' as const,
    ...common(options.userId, options.triggerId),
    container: { type: 'view', view_id: options.view.id },
    view: options.view,
    actions: [{ ...options.action, action_ts: actionTs() }],
  };
}

export function viewSubmission(options: { userId: string; triggerId: string; view: Record<string, unknown> }) {
  return {
    type: 'view_submission' as const,
    ...common(options.userId, options.triggerId),
    view: options.view,
    response_urls: [],
  };
}

export function viewClosed(options: { userId: string; view: Record<string, unknown>; isCleared: boolean }) {
  const { trigger_id: _unused, ...rest } = common(options.userId, '');
  return { type: 'view_closed' as const, ...rest, view: options.view, is_cleared: options.isCleared };
}

let eventCounter = 0;

export function eventCallback(event: Record<string, unknown>, eventTime: number) {
  eventCounter++;
  return {
    token: VERIFICATION_TOKEN,
    team_id: TEAM.id,
    context_team_id: TEAM.id,
    context_enterprise_id: null,
    api_app_id: APP_ID,
    event,
    type: 'event_callback' as const,
    event_id: `Ev0PG${Date.now().toString(36).toUpperCase()}${eventCounter}`,
    event_time: eventTime,
    authorizations: [
      { enterprise_id: null, team_id: TEAM.id, user_id: BOT.userId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context: `4-playground-${eventCounter}`,
  };
}

function actionTs(): string {
  const now = Date.now();
  return `${Math.floor(now / 1000)}.${String(now % 1000).padStart(3, '0')}100`;
}
