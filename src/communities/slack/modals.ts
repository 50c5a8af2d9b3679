import type { View } from '@slack/types';
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
