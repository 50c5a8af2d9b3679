import type { LogContext } from './logger.js';

type Body = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The kind and id of a Slack request, from the body Bolt parsed, for every log line written while handling it. */
export function slackLogContext(body: unknown): LogContext {
  const b = (body ?? {}) as Body;
  if (typeof b.command === 'string') {
    const sub = str(b.text)?.trim().split(/\s+/)[0];
    return withIds({ kind: 'command', id: sub ? `${b.command} ${sub}` : b.command }, { trigger_id: b.trigger_id });
  }
  if (b.type === 'event_callback') {
    const event = (b.event ?? {}) as Body;
    return withIds({ kind: 'event', id: str(event.type) ?? 'unknown' }, { event_id: b.event_id });
  }
  if (b.type === 'block_actions') {
    const action = ((b.actions as Body[] | undefined) ?? [])[0] ?? {};
    return withIds({ kind: 'action', id: str(action.action_id) ?? 'unknown' }, { trigger_id: b.trigger_id });
  }
  if (b.type === 'view_submission' || b.type === 'view_closed') {
    const view = (b.view ?? {}) as Body;
    return withIds(
      { kind: 'view', id: str(view.callback_id) ?? 'unknown', step: b.type },
      { trigger_id: b.trigger_id, view_id: view.id },
    );
  }
  if (b.type === 'block_suggestion') {
    return withIds({ kind: 'options', id: str(b.action_id) ?? 'unknown' }, { block_id: b.block_id });
  }
  if (b.type === 'shortcut' || b.type === 'message_action') {
    return withIds({ kind: 'shortcut', id: str(b.callback_id) ?? 'unknown' }, { trigger_id: b.trigger_id });
  }
  return { kind: 'http', id: str(b.type) ?? 'unknown' };
}

function withIds(ctx: LogContext, ids: Record<string, unknown>): LogContext {
  for (const [key, value] of Object.entries(ids)) {
    const text = str(value);
    if (text) ctx[key] = text;
  }
  return ctx;
}
