import type { View } from '@slack/types';
import type { Community } from '../config.js';
import type { OccurrenceDetails } from '../ports.js';
import { IDS } from './ids.js';

/** The short modals of communities; `private_metadata` is the occurrence key. */

const plain = (text: string) => ({ type: 'plain_text' as const, text: text.slice(0, 150) });

function modal(callbackId: string, title: string, key: string, blocks: View['blocks'], submit = 'Send'): View {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: key,
    title: plain(title.slice(0, 24)),
    submit: plain(submit),
    close: plain('Cancel'),
    blocks,
  };
}

function textInput(blockId: string, actionId: string, label: string, hint: string, multiline = false) {
  return {
    type: 'input' as const,
    block_id: blockId,
    label: plain(label),
    hint: plain(hint),
    element: { type: 'plain_text_input' as const, action_id: actionId, max_length: 300, multiline },
  };
}

export function agendaView(d: OccurrenceDetails): View {
  return modal(IDS.agendaView, 'Agenda item', d.occurrence.key, [
    textInput(
      IDS.agendaBlock,
      IDS.agendaInput,
      `For ${d.series.title}`,
      'One topic; it is listed in the reminders.',
      true,
    ),
  ]);
}

export function signUpView(d: OccurrenceDetails): View {
  return modal(
    IDS.signUpView,
    'Office hours',
    d.occurrence.key,
    [textInput(IDS.topicBlock, IDS.topicInput, 'What do you want to discuss?', 'First signed up, first seen.', true)],
    'Sign up',
  );
}

export function moveView(d: OccurrenceDetails): View {
  return modal(
    IDS.moveView,
    'Move this event',
    d.occurrence.key,
    [
      textInput(
        IDS.whenBlock,
        IDS.whenInput,
        `New start (${d.series.timezone})`,
        'Like 2026-12-03 11:00. Answers, agenda and queue are kept.',
      ),
      {
        ...textInput(IDS.reasonBlock, IDS.reasonInput, 'Reason (optional)', 'Shown to everyone who answered.'),
        optional: true,
      },
    ],
    'Move',
  );
}

/** The durations the event modal offers, in minutes. */
export const EVENT_DURATIONS = [30, 45, 60, 90, 120, 180, 240] as const;

const durationLabel = (minutes: number) =>
  minutes < 60
    ? `${minutes} minutes`
    : minutes % 60
      ? `${Math.floor(minutes / 60)} h ${minutes % 60} min`
      : `${minutes / 60} h`;

function option(text: string, value: string) {
  return { text: plain(text), value };
}

/**
 * `/platform event add`: a one-off event in one of the communities the lead leads. The date and time are read in
 * the zone field, which starts as the lead's own zone.
 */
export function eventView(communities: readonly Community[], zone: string): View {
  const choices = communities.slice(0, 100).map((c) => option(c.name.slice(0, 75), c.id));
  const first = choices[0];
  const duration = option(durationLabel(60), '60');
  const optional = <T extends object>(block: T) => ({ ...block, optional: true });
  return {
    type: 'modal',
    callback_id: IDS.eventView,
    title: plain('Add an event'),
    submit: plain('Add'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: IDS.eventCommunityBlock,
        label: plain('Community'),
        element: {
          type: 'static_select',
          action_id: IDS.eventCommunityInput,
          options: choices,
          ...(choices.length === 1 && first ? { initial_option: first } : {}),
        },
      },
      {
        type: 'input',
        block_id: IDS.eventTitleBlock,
        label: plain('Title'),
        element: { type: 'plain_text_input', action_id: IDS.eventTitleInput, max_length: 150 },
      },
      {
        type: 'input',
        block_id: IDS.eventDateBlock,
        label: plain('Date'),
        element: { type: 'datepicker', action_id: IDS.eventDateInput },
      },
      {
        type: 'input',
        block_id: IDS.eventTimeBlock,
        label: plain('Start time'),
        element: { type: 'timepicker', action_id: IDS.eventTimeInput },
      },
      {
        type: 'input',
        block_id: IDS.eventDurationBlock,
        label: plain('Duration'),
        element: {
          type: 'static_select',
          action_id: IDS.eventDurationInput,
          options: EVENT_DURATIONS.map((m) => option(durationLabel(m), String(m))),
          initial_option: duration,
        },
      },
      {
        type: 'input',
        block_id: IDS.eventZoneBlock,
        label: plain('Time zone of the date and time'),
        hint: plain('An IANA zone like Europe/Berlin. Everyone sees the time in their own zone.'),
        element: { type: 'plain_text_input', action_id: IDS.eventZoneInput, initial_value: zone, max_length: 64 },
      },
      optional({
        type: 'input',
        block_id: IDS.eventLinkBlock,
        label: plain('Meeting link'),
        element: { type: 'plain_text_input', action_id: IDS.eventLinkInput, max_length: 500 },
      }),
      optional({
        type: 'input',
        block_id: IDS.eventLocationBlock,
        label: plain('Location'),
        element: { type: 'plain_text_input', action_id: IDS.eventLocationInput, max_length: 200 },
      }),
      optional({
        type: 'input',
        block_id: IDS.eventCapacityBlock,
        label: plain('Capacity'),
        hint: plain('More Going answers join a waitlist that moves up by itself.'),
        element: { type: 'number_input', action_id: IDS.eventCapacityInput, is_decimal_allowed: false, min_value: '1' },
      }),
      optional({
        type: 'input',
        block_id: IDS.eventMinimumBlock,
        label: plain('Minimum going'),
        hint: plain('Called off a day before when fewer are going; everyone who answered is told.'),
        element: { type: 'number_input', action_id: IDS.eventMinimumInput, is_decimal_allowed: false, min_value: '1' },
      }),
      optional({
        type: 'input',
        block_id: IDS.eventAgendaBlock,
        label: plain('Ask for agenda items'),
        hint: plain('Days before: a post asks for items in its thread, and the reminders list them.'),
        element: {
          type: 'number_input',
          action_id: IDS.eventAgendaInput,
          is_decimal_allowed: false,
          min_value: '1',
          max_value: '30',
        },
      }),
      optional({
        type: 'input',
        block_id: IDS.eventDescriptionBlock,
        label: plain('Description'),
        element: { type: 'plain_text_input', action_id: IDS.eventDescriptionInput, max_length: 1000, multiline: true },
      }),
    ],
  } as View;
}
