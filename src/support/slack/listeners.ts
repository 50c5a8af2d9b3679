import type { App, BlockAction, MessageShortcut, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { isDomainError } from '../../errors.js';
import { commitWithEvent } from '../../slack/dedupe.js';
import { ITEM_GONE, parseItemRef } from '../../slack/item-ref.js';
import type { MessageEvent } from '../../slack/message-event.js';
import { tell } from '../../slack/tell.js';
import type { SupportService, TrackResult } from '../service.js';
import { csatActionId, IDS, priorityActionId } from './ids.js';

interface ReactionEvent {
  user?: string;
  reaction?: string;
  item?: { type?: string; channel?: string; ts?: string };
}

/** `1767225900.000100` → that instant; the clock's time when Slack's ts is missing or odd. */
function tsDate(ts: string | undefined, clock: Clock): Date {
  const seconds = Number(ts);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(Math.round(seconds * 1000)) : clock.now();
}

/** What the person who used the shortcut is told (the response URL answers in any conversation, DMs too). */
function trackAnswer(result: TrackResult, helpChannel: string | undefined): string {
  if (result.kind === 'existing') return `That message is tracked already, as question #${result.ticket.id}.`;
  if (result.kind === 'new') {
    return result.replyLater
      ? `Tracked as support question #${result.ticket.id}; the reply will follow in the message's thread.`
      : `Tracked as support question #${result.ticket.id}; the reply is in the message's thread.`;
  }
  const ask = helpChannel ? ` or ask the question in <#${helpChannel}>` : '';
  if (result.kind === 'cannot-hear') {
    return result.why === 'private'
      ? `Not tracked: I do not see replies or reactions in private channels and DMs, so the question would escalate although answered. Ask it in a public channel I am in${ask}.`
      : `Not tracked: I am not in this channel, so I would not see replies or reactions here and the question would escalate although answered. Invite me (\`/invite @groundcrew\`) and use the shortcut again${ask}.`;
  }
  return `Not tracked: I cannot post in this conversation (Slack said ${result.code}), so nobody could answer there. Invite me (\`/invite @groundcrew\`) and use the shortcut again${ask}.`;
}

/**
 * Help-channel messages (intake, thread replies), reactions, the tier-1 reply's buttons, CSAT and the shortcut.
 * Ignored: bots (groundcrew too), edits, deletions, joins and every other subtype, replies in threads that are not
 * tickets.
 */
export function registerSupportListeners(app: App, service: SupportService, db: Database, clock: Clock): void {
  app.event('message', async ({ event, body }) => {
    const m = event as MessageEvent;
    if (m.subtype !== undefined && m.subtype !== 'file_share' && m.subtype !== 'thread_broadcast') return;
    if (m.bot_id || !m.user || !m.channel || !m.ts) return;
    const message = { channelId: m.channel, ts: m.ts, userId: m.user, text: m.text ?? '', at: tsDate(m.ts, clock) };
    if (m.thread_ts && m.thread_ts !== m.ts) {
      await service.threadReply({ ...message, threadTs: m.thread_ts });
      return;
    }
    if (m.subtype === 'thread_broadcast' || !service.channels.includes(m.channel)) return;
    await service.intake(message, (effect) => commitWithEvent(db, body, clock.now(), effect));
  });

  for (const kind of ['reaction_added', 'reaction_removed'] as const) {
    app.event(kind, async ({ event }) => {
      const r = event as ReactionEvent;
      if (!r.user || !r.reaction || r.item?.type !== 'message' || !r.item.channel || !r.item.ts) return;
      await service.reaction({
        channelId: r.item.channel,
        ts: r.item.ts,
        userId: r.user,
        reaction: r.reaction,
        removed: kind === 'reaction_removed',
      });
    });
  }

  const click = async (
    body: BlockAction,
    client: WebClient,
    respond: RespondFn,
    run: (ref: NonNullable<ReturnType<typeof parseItemRef>>) => Promise<string | undefined>,
  ) => {
    const action = body.actions[0];
    const ref = parseItemRef(action && 'value' in action ? action.value : undefined);
    if (!ref) {
      await tell(client, body.user.id, respond, ITEM_GONE);
      return;
    }
    try {
      const note = await run(ref);
      if (note) await tell(client, body.user.id, respond, note);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      await tell(client, body.user.id, respond, error.message);
    }
  };

  const buttons = [
    [IDS.solved, 'solved'],
    [IDS.resolved, 'resolved'],
    [IDS.waiting, 'waiting'],
    [IDS.pairing, 'pairing'],
  ] as const;
  for (const [actionId, what] of buttons) {
    app.action<BlockAction>(actionId, async ({ ack, body, client, respond }) => {
      await ack();
      await click(body, client, respond, async (ref) => {
        const result = await service.button(ref, body.user.id, what);
        return result.changed ? undefined : 'Nothing to change: it already is.';
      });
    });
  }
  for (const policy of service.policies) {
    app.action<BlockAction>(priorityActionId(policy.id), async ({ ack, body, client, respond }) => {
      await ack();
      await click(body, client, respond, async (ref) => {
        await service.setPriority(ref, body.user.id, policy.id);
        return undefined;
      });
    });
  }
  for (const rating of [1, 2, 3, 4, 5]) {
    app.action<BlockAction>(csatActionId(rating), async ({ ack, body, client, respond }) => {
      await ack();
      await click(body, client, respond, async (ref) =>
        (await service.rate(ref, body.user.id, rating))
          ? `Thanks — you rated this ${rating}/5.`
          : 'You have rated this question already.',
      );
    });
  }

  app.shortcut<MessageShortcut>({ callback_id: IDS.track, type: 'message_action' }, async ({ ack, body, respond }) => {
    await ack();
    const message = body.message as { ts: string; user?: string; text?: string; bot_id?: string };
    if (!message.user || message.bot_id) {
      await respond({ response_type: 'ephemeral', text: 'Only a message from a person can be tracked.' });
      return;
    }
    const result = await service.track(
      {
        channelId: body.channel.id,
        ts: message.ts,
        userId: message.user,
        text: message.text ?? '',
        at: clock.now(),
      },
      body.user.id,
    );
    await respond({ response_type: 'ephemeral', text: trackAnswer(result, service.channels[0]) });
  });
}
