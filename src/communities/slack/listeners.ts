import type { App, BlockAction, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { isDomainError } from '../../errors.js';
import { tell } from '../../slack/tell.js';
import type { CommunitiesService } from '../service.js';
import { IDS } from './ids.js';
import { agendaView, moveView, signUpView } from './modals.js';

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
export function registerCommunityListeners(app: App, service: CommunitiesService): void {
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
  submission(IDS.moveView, IDS.whenBlock, async (key, userId, values) => {
    const reason = input(values, IDS.reasonBlock, IDS.reasonInput).trim();
    const details = await service.move(key, userId, input(values, IDS.whenBlock, IDS.whenInput), reason || undefined);
    return `Moved *${details.series.title}*. Everyone who answered was told.`;
  });

  // Newcomers get the list of communities: people joining the welcome channel, or the workspace.
  app.event('member_joined_channel', async ({ event }) => {
    await service.welcome(event.user, event.channel);
  });
  app.event('team_join', async ({ event }) => {
    await service.welcome(event.user.id, null);
  });
}
