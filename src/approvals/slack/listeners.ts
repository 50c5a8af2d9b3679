import type { AllMiddlewareArgs, App, BlockAction, RespondFn } from '@slack/bolt';
import { z } from 'zod';
import type { Core } from '../../capability.js';
import { isDomainError } from '../../errors.js';
import { parseJson } from '../../json.js';
import { ITEM_GONE, type ItemRef, parseItemRef, refMatches } from '../../slack/item-ref.js';
import { tell } from '../../slack/tell.js';
import type { ApprovalsService } from '../service.js';
import { rejectModal } from './blocks.js';
import { APPROVAL_IDS } from './ids.js';

/** `approvalId` is the approval's reference (a bare number in modals opened before references carried a nonce). */
const zRejectMetadata = z.object({ approvalId: z.union([z.string(), z.number()]) });

function buttonValue(body: BlockAction): ItemRef | null {
  const action = body.actions[0];
  return parseItemRef(action && 'value' in action ? action.value : undefined);
}

const BROKEN_BUTTON = 'That button is broken (no approval ID).';

/** A click on Approve or Reject: where to answer it (a card's respond(), none on the Home tab) and the approval it names. */
function clicked(body: BlockAction, respond: RespondFn): { reply: RespondFn | undefined; ref: ItemRef | null } {
  return { reply: body.container?.type === 'message' ? respond : undefined, ref: buttonValue(body) };
}

/** Approve / Reject buttons (cards and Home tab) and the reject-reason modal. */
export function registerApprovalListeners(app: App, deps: Pick<Core, 'approvals' | 'logger'>): void {
  const service: ApprovalsService = deps.approvals;
  type Click = { body: BlockAction; client: AllMiddlewareArgs['client']; reply: RespondFn | undefined; ref: ItemRef };
  /** A button on an approval's card or Home tab: acked, and a value that names no approval answered here. */
  const onButton = (actionId: string, handle: (click: Click) => Promise<unknown>) =>
    app.action<BlockAction>({ type: 'block_actions', action_id: actionId }, async ({ ack, body, client, respond }) => {
      await ack();
      const { reply, ref } = clicked(body, respond);
      if (ref === null) return tell(client, body.user.id, reply, BROKEN_BUTTON);
      await handle({ body, client, reply, ref });
    });

  onButton(APPROVAL_IDS.approveButton, async ({ body, client, reply, ref }) => {
    const approval = await service.get(ref.id);
    if (approval && !refMatches(ref, approval)) return tell(client, body.user.id, reply, ITEM_GONE);
    try {
      const result = await service.decide(ref.id, body.user.id, 'approve');
      if (!result.ok) await tell(client, body.user.id, reply, result.refusal.message);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      await tell(client, body.user.id, reply, error.message);
    }
  });

  onButton(APPROVAL_IDS.rejectButton, async ({ body, client, reply, ref }) => {
    const id = ref.id;
    const approval = await service.get(id);
    if (!approval) return tell(client, body.user.id, reply, `There is no approval #${id}.`);
    if (!refMatches(ref, approval)) return tell(client, body.user.id, reply, ITEM_GONE);
    const refusal = await service.refusalFor(id, body.user.id);
    if (refusal) {
      deps.logger.debug(`approvals: ${body.user.id} may not reject #${id}: ${refusal.code}`);
      return tell(client, body.user.id, reply, refusal.message);
    }
    await client.views.open({ trigger_id: body.trigger_id, view: rejectModal(await service.card(approval)) });
  });

  app.view(APPROVAL_IDS.rejectModal, async ({ ack, body, view, client }) => {
    const meta = zRejectMetadata.safeParse(parseJson(view.private_metadata));
    const ref = meta.success ? parseItemRef(meta.data.approvalId) : null;
    if (!ref) {
      await ack({
        response_action: 'errors',
        errors: { [APPROVAL_IDS.reasonBlock]: 'This form lost its approval ID.' },
      });
      return;
    }
    const approvalId = ref.id;
    const reason = (view.state.values[APPROVAL_IDS.reasonBlock]?.[APPROVAL_IDS.reasonInput]?.value ?? '').trim();
    if (!reason) {
      await ack({
        response_action: 'errors',
        errors: { [APPROVAL_IDS.reasonBlock]: 'Give a reason: the requester and the other approvers will see it.' },
      });
      return;
    }
    // Refuse on the field (keeping what they typed) when the approval closed while the modal was open.
    const named = await service.get(approvalId);
    const refusal =
      named && !refMatches(ref, named) ? ITEM_GONE : await refusalMessage(service, approvalId, body.user.id);
    if (refusal) {
      await ack({ response_action: 'errors', errors: { [APPROVAL_IDS.reasonBlock]: refusal } });
      return;
    }
    await ack();
    const result = await service.decide(approvalId, body.user.id, 'reject', reason);
    if (!result.ok) await client.chat.postMessage({ channel: body.user.id, text: result.refusal.message });
  });
}

async function refusalMessage(service: ApprovalsService, approvalId: number, userId: string): Promise<string | null> {
  try {
    return (await service.refusalFor(approvalId, userId))?.message ?? null;
  } catch (error) {
    if (isDomainError(error)) return error.message;
    throw error;
  }
}
