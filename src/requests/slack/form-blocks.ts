import type { InputBlockElement, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { formatDuration } from '../../clock.js';
import { itemRef } from '../../slack/item-ref.js';
import { context, mrkdwn, section, truncate } from '../../slack/mrkdwn.js';
import type { RequestType } from '../config.js';
import type { FormInput, FormModel } from '../form.js';
import { fieldBlockId, IDS } from './ids.js';

/** Modals: the type picker, each type's form, and the queue's reject-reason modal. Pure builders. */

const plain = (text: string) => ({ type: 'plain_text' as const, text });
const option = (value: string, label: string, description?: string): PlainTextOption => ({
  text: plain(truncate(label, 75)),
  value,
  ...(description ? { description: plain(truncate(description, 75)) } : {}),
});

export interface FormMetadata {
  typeId: string;
  /** The channel `/platform request` was typed in: the confirmation goes there (ephemeral to the filer). */
  channel?: string;
}

/** The picker remembers only the channel, for the form it becomes. */
export interface PickerMetadata {
  channel?: string;
}

const channelOnly = (channel: string | undefined) => (channel ? { channel } : {});

export function pickerView(types: readonly RequestType[], channel?: string): ModalView {
  const metadata: PickerMetadata = channelOnly(channel);
  return {
    type: 'modal',
    callback_id: IDS.pickerView,
    private_metadata: JSON.stringify(metadata),
    title: plain('New request'),
    submit: plain('Next'),
    close: plain('Cancel'),
    blocks: [
      section(mrkdwn`Pick what you need; the form for it opens right here.`),
      {
        type: 'input',
        block_id: IDS.pickTypeBlock,
        dispatch_action: true,
        label: plain('What do you need?'),
        element: {
          type: 'static_select',
          action_id: IDS.pickTypeAction,
          placeholder: plain('Choose a request type'),
          options: types.slice(0, 100).map((t) => option(t.id, t.title, t.description)),
        },
      },
      ...types.slice(0, 40).map((t) => context(mrkdwn`*${t.title}* — ${t.description}`)),
    ],
  };
}

/** How the request will be handled, in one line under the description. */
export function handlingLine(type: RequestType): string {
  const parts = [
    type.approval
      ? `needs ${type.approval.count} approval${type.approval.count === 1 ? '' : 's'}`
      : 'no approval needed',
    type.fulfilment.kind === 'webhook' ? 'fulfilled automatically' : 'done by the platform team',
  ];
  if (type.sla) parts.push(`target: within ${formatDuration(type.sla)}`);
  return parts.join(' · ');
}

export function formView(type: RequestType, model: FormModel, channel?: string): ModalView {
  const metadata: FormMetadata = { typeId: type.id, ...channelOnly(channel) };
  return {
    type: 'modal',
    callback_id: IDS.formView,
    private_metadata: JSON.stringify(metadata),
    title: plain(truncate(type.title, 24)),
    submit: plain('Submit request'),
    close: plain('Cancel'),
    blocks: [
      section(mrkdwn`*${model.title}*\n${model.description}`),
      context(mrkdwn`${handlingLine(type)}`),
      ...model.inputs.slice(0, 95).map(inputBlock),
    ],
  };
}

export function inputBlock(input: FormInput): KnownBlock {
  return {
    type: 'input',
    block_id: fieldBlockId(input.fieldId),
    label: plain(truncate(input.label, 2000)),
    optional: input.optional,
    ...(input.hint ? { hint: plain(truncate(input.hint, 2000)) } : {}),
    element: element(input),
  };
}

function element(input: FormInput): InputBlockElement {
  const action_id = IDS.fieldAction;
  const placeholder = input.placeholder ? { placeholder: plain(truncate(input.placeholder, 150)) } : {};
  const initial = input.initial;
  const str = typeof initial === 'string' ? initial : typeof initial === 'number' ? String(initial) : undefined;
  const options = input.options.map((o) => option(o.value, o.label));
  switch (input.type) {
    case 'text':
    case 'textarea':
      return {
        type: 'plain_text_input',
        action_id,
        multiline: input.type === 'textarea',
        ...placeholder,
        ...(str ? { initial_value: str } : {}),
      };
    case 'select': {
      const selected = options.find((o) => o.value === str);
      return {
        type: 'static_select',
        action_id,
        options,
        ...placeholder,
        ...(selected ? { initial_option: selected } : {}),
      };
    }
    case 'multiselect': {
      const chosen = Array.isArray(initial) ? options.filter((o) => initial.includes(o.value!)) : [];
      return {
        type: 'multi_static_select',
        action_id,
        options,
        ...placeholder,
        ...(chosen.length ? { initial_options: chosen } : {}),
      };
    }
    case 'user':
      return { type: 'users_select', action_id, ...placeholder, ...(str ? { initial_user: str } : {}) };
    case 'channel':
      return { type: 'channels_select', action_id, ...placeholder, ...(str ? { initial_channel: str } : {}) };
    case 'number':
      return {
        type: 'number_input',
        action_id,
        is_decimal_allowed: true,
        ...placeholder,
        ...(input.min !== undefined ? { min_value: String(input.min) } : {}),
        ...(input.max !== undefined ? { max_value: String(input.max) } : {}),
        ...(str ? { initial_value: str } : {}),
      };
    case 'date':
      return { type: 'datepicker', action_id, ...placeholder, ...(str ? { initial_date: str } : {}) };
  }
}

/** The requester sees the whole reason in their DM, so the reason is capped where the DM can carry it. */
export const REJECT_REASON_MAX = 1500;

export interface RejectMetadata {
  /** The request's reference (src/item-ref.ts); a bare number in modals opened before references had a nonce. */
  requestId: string | number;
}

export function rejectView(request: { id: number; nonce: string | null }, title: string): ModalView {
  const requestId = request.id;
  const metadata: RejectMetadata = { requestId: itemRef(request) };
  return {
    type: 'modal',
    callback_id: IDS.rejectView,
    private_metadata: JSON.stringify(metadata),
    title: plain(truncate(`Reject request #${requestId}`, 24)),
    submit: plain('Reject'),
    close: plain('Cancel'),
    blocks: [
      section(mrkdwn`Rejecting *#${requestId}: ${title}*. The requester sees your reason.`),
      {
        type: 'input',
        block_id: IDS.rejectReasonBlock,
        label: plain('Reason'),
        element: {
          type: 'plain_text_input',
          action_id: IDS.rejectReasonAction,
          multiline: true,
          max_length: REJECT_REASON_MAX,
        },
      },
    ],
  };
}
