import type { App, BlockAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { isDomainError } from '../../errors.js';
import { parseJson } from '../../json.js';
import { ITEM_GONE, parseItemRef, refMatches } from '../../slack/item-ref.js';
import { tell, tellWhereOpened } from '../../slack/tell.js';
import type { RequestType } from '../config.js';
import { formModel } from '../form.js';
import { isTerminal } from '../model.js';
import type { RequestsService } from '../service.js';
import type { RawValue } from '../validate.js';
import { submittedNote } from './blocks.js';
import { formView, pickerView, rejectView } from './form-blocks.js';
import { fieldBlockId, IDS } from './ids.js';

const zOptionValue = z.object({ value: z.string() });
/** One element's state in view.state.values, whatever its type (fields Slack leaves untouched come back null). */
const zStateValue = z.looseObject({
  type: z.string(),
  value: z.string().nullish(),
  selected_option: zOptionValue.nullish(),
  selected_options: z.array(zOptionValue).nullish(),
  selected_user: z.string().nullish(),
  selected_channel: z.string().nullish(),
  selected_conversation: z.string().nullish(),
  selected_date: z.string().nullish(),
});
type StateValues = Record<string, Record<string, unknown>>;

const zFormMetadata = z.object({ typeId: z.string(), channel: z.string().optional() });
const zPickerMetadata = z.object({ channel: z.string().optional() }).catch({});
const zRejectMetadata = z.object({ requestId: z.union([z.string(), z.number()]) });

/** What the person entered for each field of the type, straight from the modal's state. */
export function rawValues(type: RequestType, values: StateValues): Record<string, RawValue> {
  const out: Record<string, RawValue> = {};
  for (const field of type.fields) {
    const parsed = zStateValue.safeParse(values[fieldBlockId(field.id)]?.[IDS.fieldAction]);
    if (!parsed.success) {
      out[field.id] = null;
      continue;
    }
    const s = parsed.data;
    out[field.id] = s.selected_options
      ? s.selected_options.map((o) => o.value)
      : (s.selected_option?.value ??
        s.selected_user ??
        s.selected_channel ??
        s.selected_conversation ??
        s.selected_date ??
        s.value ??
        null);
  }
  return out;
}

function fieldErrors(errors: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(errors).map(([fieldId, message]) => [fieldBlockId(fieldId), message]));
}

interface QueueClick {
  userId: string;
  triggerId: string;
  client: WebClient;
  /** Tells the clicker (ephemeral under the card, else a DM). */
  say(text: string): Promise<void>;
}

/** The picker, the forms, and the queue card's Claim / Done / Reject. */
export function registerRequestListeners(app: App, service: RequestsService): void {
  // "New request…" on the Home tab: the same picker as `/platform request`.
  app.action<BlockAction>(IDS.openPicker, async ({ ack, body, client }) => {
    await ack();
    await client.views.open({ trigger_id: body.trigger_id, view: pickerView(service.types()) });
  });

  // Picking a type (dispatch_action on the picker's select) swaps the modal for that type's form.
  app.action<BlockAction>({ type: 'block_actions', action_id: IDS.pickTypeAction }, async ({ ack, body, client }) => {
    await ack();
    const action = body.actions[0];
    const typeId = action && action.type === 'static_select' ? action.selected_option?.value : undefined;
    const type = typeId ? service.typeById(typeId) : undefined;
    if (!type || !body.view) return;
    await client.views.update({
      view_id: body.view.id,
      hash: body.view.hash,
      view: formView(type, formModel(type), zPickerMetadata.parse(parseJson(body.view.private_metadata)).channel),
    });
  });

  // "Next" on the picker without the select having dispatched (or an old client): update to the form.
  app.view(IDS.pickerView, async ({ ack, view }) => {
    const selected = z
      .object({ selected_option: zOptionValue.nullish() })
      .safeParse(view.state.values[IDS.pickTypeBlock]?.[IDS.pickTypeAction]);
    const type = selected.success ? service.typeById(selected.data.selected_option?.value ?? '') : undefined;
    if (!type) {
      await ack({ response_action: 'errors', errors: { [IDS.pickTypeBlock]: 'Pick a request type.' } });
      return;
    }
    const { channel } = zPickerMetadata.parse(parseJson(view.private_metadata));
    await ack({ response_action: 'update', view: formView(type, formModel(type), channel) });
  });

  app.view(IDS.formView, async ({ ack, body, view, client, logger }) => {
    const meta = zFormMetadata.safeParse(parseJson(view.private_metadata));
    const type = meta.success ? service.typeById(meta.data.typeId) : undefined;
    if (!type) {
      // The type was removed from groundcrew.yml while the form was open.
      const firstInput = view.blocks.find((b) => b.type === 'input')?.block_id;
      if (firstInput) {
        await ack({ response_action: 'errors', errors: { [firstInput]: 'This request type no longer exists.' } });
      } else {
        await ack();
        await client.chat.postMessage({ channel: body.user.id, text: 'That request type no longer exists.' });
      }
      return;
    }
    const raw = rawValues(type, view.state.values);
    const checked = service.check(type.id, raw);
    if (!checked.ok) {
      await ack({ response_action: 'errors', errors: fieldErrors(checked.errors) });
      return;
    }
    await ack();
    try {
      const row = await service.submit({ typeId: type.id, requester: body.user.id, raw });
      // Where they typed the command, only they see it; the DM carries the details. A channel the bot cannot
      // post in (a DM with someone else, a private channel) just goes without: the DM is already on its way.
      await tellWhereOpened(client, logger, {
        source: 'requests',
        userId: body.user.id,
        channel: meta.data?.channel,
        text: submittedNote(row, type),
        orDm: false,
      });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      logger.warn(`requests: submit by ${body.user.id} refused: ${error.message}`);
      await client.chat.postMessage({ channel: body.user.id, text: `:warning: ${error.message}` });
    }
  });

  /** A queue-card button: ack, read the request ID from its value, run; a refusal goes back to the clicker only. */
  const queueButton = (actionId: string, run: (id: number, args: QueueClick) => Promise<unknown>) =>
    app.action<BlockAction>({ type: 'block_actions', action_id: actionId }, async ({ ack, body, client, respond }) => {
      await ack();
      const action = body.actions[0];
      const ref = parseItemRef(action && 'value' in action ? action.value : undefined);
      const reply = body.container?.type === 'message' ? respond : undefined;
      const say = (text: string) => tell(client, body.user.id, reply, text);
      if (!ref) return say('That button is broken (no request ID).');
      const named = await service.get(ref.id);
      if (named && !refMatches(ref, named)) return say(`:no_entry: ${ITEM_GONE}`);
      try {
        await run(ref.id, { userId: body.user.id, triggerId: body.trigger_id, client, say });
      } catch (error) {
        if (!isDomainError(error)) throw error;
        await say(`:no_entry: ${error.message}`);
      }
    });

  queueButton(IDS.claim, (id, { userId }) => service.claim(id, userId));
  queueButton(IDS.done, (id, { userId }) => service.complete(id, userId));
  queueButton(IDS.reject, async (id, { userId, triggerId, client, say }) => {
    if (!(await service.isPlatform(userId))) {
      await service.recordDenied(userId, 'reject', `request:${id}`);
      return say(':no_entry: Only the platform team can work the request queue.');
    }
    const row = await service.get(id);
    if (!row || isTerminal(row.status)) return say(`Request #${id} is already closed.`);
    await client.views.open({
      trigger_id: triggerId,
      view: rejectView(row, service.typeById(row.typeId)?.title ?? row.typeId),
    });
  });

  app.view(IDS.rejectView, async ({ ack, body, view, client }) => {
    const meta = zRejectMetadata.safeParse(parseJson(view.private_metadata));
    const ref = meta.success ? parseItemRef(meta.data.requestId) : null;
    const reason = (view.state.values[IDS.rejectReasonBlock]?.[IDS.rejectReasonAction]?.value ?? '').trim();
    const errors = (message: string) =>
      ack({ response_action: 'errors', errors: { [IDS.rejectReasonBlock]: message } });
    if (!ref) return errors('This form lost its request ID; close it and click Reject again.');
    if (!reason) return errors('Give a reason: the requester will see it.');
    const row = await service.get(ref.id);
    if (row && !refMatches(ref, row)) return errors(ITEM_GONE);
    if (!row || isTerminal(row.status)) return errors(`Request #${ref.id} is already closed.`);
    await ack();
    try {
      await service.reject(ref.id, body.user.id, reason);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      await client.chat.postMessage({ channel: body.user.id, text: `:no_entry: ${error.message}` });
    }
  });
}
