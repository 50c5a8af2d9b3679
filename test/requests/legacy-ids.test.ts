import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { twin } from '../../src/db/twin.js';
import { requestsTable } from '../../src/requests/schema.js';
import { IDS, LEGACY_IDS } from '../../src/requests/slack/ids.js';
import { blockText, ENGINEER, PLATFORM_ENGINEER, type TestApp } from '../support/harness.js';
import { messageButton, type ViewStateValue, viewAction, viewSubmission } from '../support/payloads.js';
import { settled } from '../support/wait.js';
import {
  QUEUE,
  requestRows,
  startRequestsApp,
  submitForm,
  text,
  VALID_DATABASE_FIELDS,
  validDatabase,
  waitForRow,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/**
 * The ids as the code before the rename (a4ba3dc) rendered them, written out here rather than read from LEGACY_IDS:
 * these are what queue cards and open modals already in Slack send back. The first test checks that the flows
 * below send every entry of the table.
 */
const OLD = {
  pickerView: 'requests_picker',
  formView: 'requests_form',
  rejectView: 'requests_reject',
  pickTypeBlock: 'requests_type',
  pickTypeAction: 'requests_pick_type',
  fieldBlockPrefix: 'field.',
  fieldAction: 'value',
  claim: 'requests_claim',
  done: 'requests_done',
  reject: 'requests_reject_open',
  queueActionsBlock: 'requests_queue_actions',
  rejectReasonBlock: 'reason',
  rejectReasonAction: 'reason',
} as const;

const plain = (t: string) => ({ type: 'plain_text' as const, text: t });
const choice = (value: string, label: string) => ({ text: plain(label), value });

/** The old picker modal's blocks: one dispatching select (no private_metadata: the old picker had none). */
const oldPickerBlocks = () => [
  { type: 'section', block_id: 'intro', text: { type: 'mrkdwn', text: 'Pick what you need.' } },
  {
    type: 'input',
    block_id: OLD.pickTypeBlock,
    dispatch_action: true,
    label: plain('What do you need?'),
    element: {
      type: 'static_select',
      action_id: OLD.pickTypeAction,
      options: [choice('database', 'Postgres database'), choice('secrets-access', 'Secrets access')],
    },
  },
];

/** The old form modal: an input block `field.<id>` per field, each element's action_id `value`. */
const oldFormBlocks = (fields: Record<string, string>) => [
  { type: 'section', block_id: 'about', text: { type: 'mrkdwn', text: '*The form*' } },
  ...Object.entries(fields).map(([id, element]) => ({
    type: 'input',
    block_id: `${OLD.fieldBlockPrefix}${id}`,
    label: plain(id),
    element: { type: element, action_id: OLD.fieldAction },
  })),
];
const DATABASE_ELEMENTS = {
  name: 'plain_text_input',
  purpose: 'plain_text_input',
  size: 'static_select',
  envs: 'multi_static_select',
  owner: 'users_select',
  alerts: 'channels_select',
  storage: 'number_input',
  needed: 'datepicker',
};

/** A submission of an old form modal for `typeId` (old metadata `{ typeId }`, old blocks and state keys). */
function oldForm(typeId: string, values: Record<string, ViewStateValue>, elements: Record<string, string>) {
  return viewSubmission({
    userId: ENGINEER,
    callbackId: OLD.formView,
    privateMetadata: JSON.stringify({ typeId }),
    blocks: oldFormBlocks(elements),
    values: Object.fromEntries(
      Object.entries(values).map(([id, state]) => [`${OLD.fieldBlockPrefix}${id}`, { [OLD.fieldAction]: state }]),
    ),
  });
}

/** The old reject modal for request `id`: metadata `{ requestId: <number> }`, block and input both `reason`. */
function oldRejectSubmission(id: number, reason: string) {
  return viewSubmission({
    userId: PLATFORM_ENGINEER,
    callbackId: OLD.rejectView,
    privateMetadata: JSON.stringify({ requestId: id }),
    blocks: [
      {
        type: 'input',
        block_id: OLD.rejectReasonBlock,
        label: plain('Reason'),
        element: { type: 'plain_text_input', action_id: OLD.rejectReasonAction, multiline: true },
      },
    ],
    values: { [OLD.rejectReasonBlock]: { [OLD.rejectReasonAction]: { type: 'plain_text_input', value: reason } } },
  });
}

const secrets = { path: text('secret/data/billing'), why: text('rotate keys') };

/**
 * A queued secrets request whose card was posted before the rename. The rename came before nonces (migration 0009),
 * so such a card names a row without a nonce, by its bare id: the row's nonce is cleared as that migration left it.
 */
async function oldQueuedRequest(a: TestApp): Promise<string> {
  await submitForm(a, 'secrets-access', secrets);
  const { queueTs } = await waitForRow(a, 1, (r) => r.queueTs !== null);
  const { db } = a.groundcrew.services;
  const requests = twin(db, requestsTable);
  await db.orm.update(requests).set({ nonce: null }).where(eq(requests.id, 1));
  return queueTs!;
}

/** A click on the old queue card's button `actionId` (in block `requests_queue_actions`, value the bare id). */
const oldCardClick = (actionId: string, messageTs: string) =>
  messageButton({
    userId: PLATFORM_ENGINEER,
    actionId,
    value: '1',
    blockId: OLD.queueActionsBlock,
    channelId: QUEUE,
    messageTs,
  });

describe('old ids on messages and modals already in Slack', () => {
  it('the flows below send every old id in LEGACY_IDS', () => {
    const sorted = (ids: Iterable<string>) => [...new Set(ids)].sort();
    expect(sorted([OLD.pickerView, OLD.formView, OLD.rejectView])).toEqual(sorted(Object.keys(LEGACY_IDS.views!)));
    expect(
      sorted([OLD.pickTypeAction, OLD.fieldAction, OLD.claim, OLD.done, OLD.reject, OLD.rejectReasonAction]),
    ).toEqual(sorted(Object.keys(LEGACY_IDS.actions!)));
    expect(sorted([OLD.pickTypeBlock, OLD.queueActionsBlock, OLD.rejectReasonBlock])).toEqual(
      sorted(Object.keys(LEGACY_IDS.blocks!)),
    );
    expect(sorted([OLD.fieldBlockPrefix])).toEqual(sorted(Object.keys(LEGACY_IDS.blockPrefixes!)));
  });

  it('picking a type in an old picker (requests_type / requests_pick_type) swaps it for the form', async () => {
    app = await startRequestsApp();
    const pick = viewAction({
      userId: ENGINEER,
      callbackId: OLD.pickerView,
      viewId: 'V0OLDPICK1',
      action: {
        type: 'static_select',
        action_id: OLD.pickTypeAction,
        block_id: OLD.pickTypeBlock,
        selected_option: choice('secrets-access', 'Secrets access'),
      },
    });
    pick.view.blocks = oldPickerBlocks();
    expect((await app.interact(pick)).status).toBe(200);
    const [update] = await app.slack.waitFor('views.update');
    expect(update!.args).toMatchObject({ view_id: 'V0OLDPICK1', hash: '1767220000.V0OLDPICK1' });
    const form = update!.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
    expect(form.callback_id).toBe(IDS.formView);
    expect(JSON.parse(form.private_metadata)).toEqual({ typeId: 'secrets-access' });
    expect(blockText(form.blocks)).toContain('Secrets access');
  });

  it('"Next" on an old picker (requests_picker) answers with the form, or an error on its old block', async () => {
    app = await startRequestsApp();
    const next = (selected: ViewStateValue['selected_option']) =>
      viewSubmission({
        userId: ENGINEER,
        callbackId: OLD.pickerView,
        blocks: oldPickerBlocks(),
        values: { [OLD.pickTypeBlock]: { [OLD.pickTypeAction]: { type: 'static_select', selected_option: selected } } },
      });
    const picked = (await (await app.interact(next(choice('database', 'Postgres database')))).json()) as {
      view: { private_metadata: string };
    };
    expect(picked).toMatchObject({ response_action: 'update', view: { callback_id: IDS.formView } });
    expect(JSON.parse(picked.view.private_metadata)).toEqual({ typeId: 'database' });

    // The modal in Slack has the block `requests_type`: an error under any other key would not be shown.
    const none = await app.interact(next(null));
    expect(await none.json()).toEqual({
      response_action: 'errors',
      errors: { [OLD.pickTypeBlock]: 'Pick a request type.' },
    });
  });

  it('an old form (requests_form, field.<id> / value) creates the request with every field type read', async () => {
    app = await startRequestsApp();
    const res = await app.interact(oldForm('database', validDatabase(), DATABASE_ELEMENTS));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    const row = await waitForRow(app, 1, (r) => r.status === 'awaiting_approval');
    expect(row).toMatchObject({
      typeId: 'database',
      requester: ENGINEER,
      fields: VALID_DATABASE_FIELDS,
    });
  });

  it('a bad value in an old form comes back under its old block (field.<id>), and nothing is stored', async () => {
    app = await startRequestsApp();
    const values = { ...validDatabase(), name: text('Billing Ledger!'), storage: { type: 'number_input', value: '5' } };
    const res = await app.interact(oldForm('database', values, DATABASE_ELEMENTS));
    expect(await res.json()).toEqual({
      response_action: 'errors',
      errors: {
        'field.name': 'Use 3–31 lowercase letters, digits or underscores, starting with a letter.',
        'field.storage': 'Enter a number between 10 and 500.',
      },
    });
    await settled(app);
    expect(await requestRows(app)).toEqual([]);
  });

  it('an old form whose type was removed since answers on its first old block (field.<id>)', async () => {
    app = await startRequestsApp();
    const res = await app.interact(oldForm('kafka', { topic: text('billing') }, { topic: 'plain_text_input' }));
    expect(await res.json()).toEqual({
      response_action: 'errors',
      errors: { 'field.topic': 'This request type no longer exists.' },
    });
    await settled(app);
    expect(await requestRows(app)).toEqual([]);
  });

  it('Claim on an old queue card (requests_claim in requests_queue_actions) claims', async () => {
    app = await startRequestsApp();
    const queueTs = await oldQueuedRequest(app);
    expect((await app.interact(oldCardClick(OLD.claim, queueTs))).status).toBe(200);
    const row = await waitForRow(app, 1, (r) => r.status === 'claimed');
    expect(row.claimedBy).toBe(PLATFORM_ENGINEER);
    const [update] = await app.slack.waitFor('chat.update', (c) => c.args.channel === QUEUE);
    expect(blockText(update!.args.blocks)).toContain(`*claimed* by <@${PLATFORM_ENGINEER}>`);
  });

  it('Done on an old queue card (requests_done in requests_queue_actions) marks it done', async () => {
    app = await startRequestsApp();
    const queueTs = await oldQueuedRequest(app);
    expect((await app.interact(oldCardClick(OLD.done, queueTs))).status).toBe(200);
    const row = await waitForRow(app, 1, (r) => r.status === 'done');
    expect(row.resolvedBy).toBe(PLATFORM_ENGINEER);
    const [update] = await app.slack.waitFor('chat.update', (c) => c.args.channel === QUEUE);
    expect(blockText(update!.args.blocks)).toContain(`*done* by <@${PLATFORM_ENGINEER}>`);
  });

  it('Reject on an old queue card (requests_reject_open) opens the reject modal for that request', async () => {
    app = await startRequestsApp();
    const queueTs = await oldQueuedRequest(app);
    expect((await app.interact(oldCardClick(OLD.reject, queueTs))).status).toBe(200);
    const [opened] = await app.slack.waitFor('views.open');
    const modal = opened!.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
    expect(modal.callback_id).toBe(IDS.rejectView);
    expect(JSON.parse(modal.private_metadata)).toEqual({ requestId: '1' });
    expect(blockText(modal.blocks)).toContain('#1');
    await settled(app);
    expect((await requestRows(app))[0]!.status).toBe('queued');
  });

  it('an old reject modal (requests_reject, reason / reason) rejects with its reason, or errors on `reason`', async () => {
    app = await startRequestsApp();
    await oldQueuedRequest(app);
    const empty = await app.interact(oldRejectSubmission(1, '  '));
    expect(await empty.json()).toEqual({
      response_action: 'errors',
      errors: { [OLD.rejectReasonBlock]: 'Give a reason: the requester will see it.' },
    });
    await settled(app);
    expect((await requestRows(app))[0]!.status).toBe('queued');

    expect((await app.interact(oldRejectSubmission(1, 'not on this cluster'))).status).toBe(200);
    const row = await waitForRow(app, 1, (r) => r.status === 'rejected');
    expect(row.message).toBe('not on this cluster');
  });
});
