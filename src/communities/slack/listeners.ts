import type { App, BlockAction, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { isDomainError } from '../../errors.js';
import { commitWithEvent } from '../../slack/dedupe.js';
import type { MessageEvent } from '../../slack/message-event.js';
import { tell } from '../../slack/tell.js';
import type { NewEventInput } from '../ports.js';
import type { CommunitiesService } from '../service.js';
import { howToJoin, movedReply } from './blocks.js';
import { IDS } from './ids.js';
import { agendaView, moveView, signUpView } from './modals.js';

/** One input's state in the event modal: `{ [input]: value }`, the block optional. */
function input<I extends string, S extends z.ZodTypeAny>(id: I, value: S) {
  return z.object({ [id]: value } as { [K in I]: S }).optional();
}
const TEXT = z.object({ value: z.string().nullish() });
const OPTION = z.object({ selected_option: z.object({ value: z.string() }).nullish() });

/** The event modal's state: every field is optional here; the service says what is missing, per field. */
const zEventState = z.object({
  [IDS.eventCommunityBlock]: input(IDS.eventCommunityInput, OPTION),
  [IDS.eventTitleBlock]: input(IDS.eventTitleInput, TEXT),
  [IDS.eventDateBlock]: input(IDS.eventDateInput, z.object({ selected_date: z.string().nullish() })),
  [IDS.eventTimeBlock]: input(IDS.eventTimeInput, z.object({ selected_time: z.string().nullish() })),
  [IDS.eventDurationBlock]: input(IDS.eventDurationInput, OPTION),
  [IDS.eventZoneBlock]: input(IDS.eventZoneInput, TEXT),
  [IDS.eventLinkBlock]: input(IDS.eventLinkInput, TEXT),
  [IDS.eventLocationBlock]: input(IDS.eventLocationInput, TEXT),
  [IDS.eventCapacityBlock]: input(IDS.eventCapacityInput, TEXT),
  [IDS.eventMinimumBlock]: input(IDS.eventMinimumInput, TEXT),
  [IDS.eventAgendaBlock]: input(IDS.eventAgendaInput, TEXT),
  [IDS.eventDescriptionBlock]: input(IDS.eventDescriptionInput, TEXT),
});

/** The service's field names → the modal's block ids, where a refusal is shown. */
const EVENT_FIELD_BLOCKS: Record<string, string> = {
  community: IDS.eventCommunityBlock,
  title: IDS.eventTitleBlock,
  when: IDS.eventDateBlock,
  duration: IDS.eventDurationBlock,
  timezone: IDS.eventZoneBlock,
  link: IDS.eventLinkBlock,
  capacity: IDS.eventCapacityBlock,
  minAttendees: IDS.eventMinimumBlock,
  agendaDaysBefore: IDS.eventAgendaBlock,
};

function eventInput(values: unknown): NewEventInput {
  const v = zEventState.parse(values);
  const text = (field: { value?: string | null | undefined } | undefined) => field?.value ?? '';
  const number = (field: { value?: string | null | undefined } | undefined) => {
    const value = text(field).trim();
    return value ? Number(value) : undefined;
  };
  return {
    community: v[IDS.eventCommunityBlock]?.[IDS.eventCommunityInput].selected_option?.value ?? '',
    title: text(v[IDS.eventTitleBlock]?.[IDS.eventTitleInput]),
    date: v[IDS.eventDateBlock]?.[IDS.eventDateInput].selected_date ?? '',
    time: v[IDS.eventTimeBlock]?.[IDS.eventTimeInput].selected_time ?? '',
    durationMinutes: Number(v[IDS.eventDurationBlock]?.[IDS.eventDurationInput].selected_option?.value ?? Number.NaN),
    timezone: text(v[IDS.eventZoneBlock]?.[IDS.eventZoneInput]),
    link: text(v[IDS.eventLinkBlock]?.[IDS.eventLinkInput]) || undefined,
    location: text(v[IDS.eventLocationBlock]?.[IDS.eventLocationInput]) || undefined,
    capacity: number(v[IDS.eventCapacityBlock]?.[IDS.eventCapacityInput]),
    minAttendees: number(v[IDS.eventMinimumBlock]?.[IDS.eventMinimumInput]),
    agendaDaysBefore: number(v[IDS.eventAgendaBlock]?.[IDS.eventAgendaInput]),
    description: text(v[IDS.eventDescriptionBlock]?.[IDS.eventDescriptionInput]) || undefined,
  };
}

interface Click {
  key: string;
  userId: string;
  triggerId: string;
  client: WebClient;
  say(text: string): Promise<void>;
}

const value = (body: BlockAction) => {
  const action = body.actions[0];
  return action && 'value' in action ? (action.value ?? '') : '';
};

/** RSVP, agenda, office-hours and lead buttons; their modals; the welcome DM on joining. */
export function registerCommunityListeners(app: App, service: CommunitiesService, db: Database, clock: Clock): void {
  const button = (actionId: string, run: (click: Click) => Promise<unknown>) =>
    app.action<BlockAction>({ type: 'block_actions', action_id: actionId }, async ({ ack, body, client, respond }) => {
      await ack();
      const reply: RespondFn | undefined = body.container?.type === 'message' ? respond : undefined;
      const say = (text: string) => tell(client, body.user.id, reply, text);
      try {
        await run({ key: value(body), userId: body.user.id, triggerId: body.trigger_id, client, say });
      } catch (error) {
        if (!isDomainError(error)) throw error;
        await say(`:no_entry: ${error.message}`);
      }
    });

  button(IDS.going, async ({ key, userId, say }) => {
    const { status, details } = await service.rsvp(key, userId, true);
    const place = details.waitlist.indexOf(userId) + 1;
    await say(
      status === 'going'
        ? `:white_check_mark: You are going to *${details.series.title}*.`
        : `:hourglass: *${details.series.title}* is full: you are number ${place} on the waitlist, and moved up (and told) when a place opens.`,
    );
  });
  button(IDS.notGoing, async ({ key, userId, say }) => {
    const { details } = await service.rsvp(key, userId, false);
    await say(`Noted: you are not going to *${details.series.title}*.`);
  });
  button(IDS.checkIn, async ({ key, userId, say }) => {
    const { first, details } = await service.checkIn(key, userId);
    await say(
      first
        ? `:white_check_mark: Checked in to *${details.series.title}*. Enjoy!`
        : `You are already checked in to *${details.series.title}*.`,
    );
  });
  button(IDS.follow, async ({ key, userId, say }) => {
    await service.follow(key, userId);
    await say(':bell: I will send you a DM when the next one opens for sign-ups.');
  });
  button(IDS.cancel, async ({ key, userId, say }) => {
    const details = await service.cancel(key, userId);
    await say(`Called off: *${details.series.title}*. Everyone who answered was told.`);
  });
  const openModal = (actionId: string, build: typeof agendaView, lead = false) =>
    button(actionId, async ({ key, userId, triggerId, client }) => {
      const view = await service.occurrences.find(key);
      if (!view) throw new Error(`communities: no occurrence ${key}`);
      if (lead) await service.assertLead(key, userId, 'move');
      const details = await service.occurrences.details(view);
      await client.views.open({ trigger_id: triggerId, view: build(details) });
    });
  openModal(IDS.addAgenda, agendaView);
  openModal(IDS.signUp, signUpView);
  openModal(IDS.move, moveView, true);

  const input = (values: Record<string, Record<string, { value?: string | null }>>, block: string, action: string) =>
    values[block]?.[action]?.value ?? '';

  /** A modal's submission: a refusal shows on the field, or in a DM when it is not about the field. */
  const submission = (
    callbackId: string,
    block: string,
    run: (
      key: string,
      userId: string,
      values: Record<string, Record<string, { value?: string | null }>>,
    ) => Promise<string>,
  ) =>
    app.view(callbackId, async ({ ack, body, view, client }) => {
      try {
        const done = await run(view.private_metadata, body.user.id, view.state.values);
        await ack();
        await client.chat.postMessage({ channel: body.user.id, text: done });
      } catch (error) {
        if (!isDomainError(error)) throw error;
        await ack({ response_action: 'errors', errors: { [block]: error.message } });
      }
    });

  submission(IDS.agendaView, IDS.agendaBlock, async (key, userId, values) => {
    const details = await service.addAgendaItem(key, userId, input(values, IDS.agendaBlock, IDS.agendaInput));
    return `:memo: Added to the agenda of *${details.series.title}* (${details.agenda.length} item(s) so far).`;
  });
  submission(IDS.signUpView, IDS.topicBlock, async (key, userId, values) => {
    const { position, details } = await service.signUp(key, userId, input(values, IDS.topicBlock, IDS.topicInput));
    return `:raising_hand: You are number ${position} in the queue of *${details.series.title}*.`;
  });
  /**
   * The Move… modal: the refusals show on the field; a valid time is acked at once (Slack waits 3 s), then the move
   * and its notices (the channel, a DM per person who answered) run, and the lead hears the outcome in a DM.
   */
  app.view(IDS.moveView, async ({ ack, body, view, client }) => {
    const key = view.private_metadata;
    const userId = body.user.id;
    const when = input(view.state.values, IDS.whenBlock, IDS.whenInput);
    const reason = input(view.state.values, IDS.reasonBlock, IDS.reasonInput).trim();
    try {
      await service.checkMove(key, userId, when);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      await ack({ response_action: 'errors', errors: { [IDS.whenBlock]: error.message } });
      return;
    }
    await ack();
    try {
      const moved = await service.move(key, userId, when, reason || undefined);
      const reply = movedReply(moved.details, userId, moved.decisionSkipped);
      await client.chat.postMessage({ channel: userId, text: reply.text, blocks: reply.blocks });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      await client.chat.postMessage({ channel: userId, text: `:warning: Not moved: ${error.message}` });
    }
  });

  /** `/platform event add`: a lead's one-off event; a refusal shows on its field. */
  app.view(IDS.eventView, async ({ ack, body, view, client }) => {
    try {
      const { details, announceProblem } = await service.addEvent(body.user.id, eventInput(view.state.values));
      await ack();
      const where = `<#${details.community.channel}>`;
      const said = announceProblem
        ? `but I could not announce it in ${where} (${announceProblem}). It is in \`/platform events\` and the feed`
        : `and announced it in ${where}`;
      await client.chat.postMessage({
        channel: body.user.id,
        text: `:spiral_calendar_pad: Added *${details.series.title}* ${said}. Its key is \`${details.occurrence.key}\`.`,
      });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      const errors: Record<string, string> = {};
      for (const [field, message] of Object.entries(error.fields)) {
        errors[EVENT_FIELD_BLOCKS[field] ?? IDS.eventTitleBlock] = message;
      }
      if (Object.keys(errors).length === 0) errors[IDS.eventCommunityBlock] = error.message;
      await ack({ response_action: 'errors', errors });
    }
  });

  /** Join on the list of communities: Slack adds the clicker to the channel, or they are told how to join. */
  button(IDS.join, async ({ key, userId, say }) => {
    const { community, result } = await service.join(key, userId);
    if (result.kind === 'invited') await say(`:wave: Added you to <#${community.channel}> (${community.name}).`);
    else if (result.kind === 'already-in') await say(`You are already in <#${community.channel}>.`);
    else await say(howToJoin(community, result.error));
  });

  // Agenda items from replies in an agenda request's thread. People's replies only: bots, edits, deletions and
  // other subtypes (joins, topic changes) are ignored; the item and the event's mark are one transaction, so a redelivery adds nothing.
  app.event('message', async ({ event, body }) => {
    const m = event as MessageEvent;
    // A reply also sent to the channel (thread_broadcast) is still a reply; file shares count for their text.
    if (m.subtype !== undefined && m.subtype !== 'thread_broadcast' && m.subtype !== 'file_share') return;
    if (m.bot_id || !m.user || !m.channel || !m.ts) return;
    if (!m.thread_ts || m.thread_ts === m.ts) return;
    const reply = { channel: m.channel, threadTs: m.thread_ts, ts: m.ts, userId: m.user, text: m.text ?? '' };
    await service.agendaFromThread(reply, (effect) => commitWithEvent(db, body, clock.now(), effect));
  });

  // Newcomers get the list of communities: people joining the welcome channel, or the workspace.
  app.event('member_joined_channel', async ({ event }) => {
    await service.welcome(event.user, event.channel);
  });
  app.event('team_join', async ({ event }) => {
    await service.welcome(event.user.id, null);
  });
}
