import { afterEach, describe, expect, it } from 'vitest';
import { DEPLOY_IDS } from '../../src/deploys/slack/ids.js';
import { ackBody, type TestApp } from '../support/harness.js';
import { type ViewStateValue, viewAction, viewSubmission } from '../support/payloads.js';
import { settled } from '../support/wait.js';
import {
  ADMIN,
  DEPLOYS_CHANNEL,
  deployRow,
  ENGINEER,
  expectNockDone,
  nockDispatch,
  settle,
  startDeploysApp,
} from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

interface ModalView {
  private_metadata: string;
  blocks: { block_id?: string; element?: { options?: { value: string }[] } }[];
}

const selected = (value: string): ViewStateValue => ({
  type: 'static_select',
  selected_option: { text: { type: 'plain_text', text: value }, value },
});

function values(
  service: string,
  environment: string | null,
  ref = 'main',
  reason: string | null = null,
): Record<string, Record<string, ViewStateValue>> {
  return {
    [DEPLOY_IDS.serviceBlock]: { [DEPLOY_IDS.serviceSelect]: selected(service) },
    [`${DEPLOY_IDS.environmentBlock}.${service}`]: {
      [DEPLOY_IDS.environmentSelect]: environment
        ? selected(environment)
        : { type: 'static_select', selected_option: null },
    },
    [DEPLOY_IDS.refBlock]: { [DEPLOY_IDS.refInput]: { type: 'plain_text_input', value: ref } },
    [DEPLOY_IDS.reasonBlock]: { [DEPLOY_IDS.reasonInput]: { type: 'plain_text_input', value: reason } },
  };
}

describe('deploying from the modal', () => {
  it('offers only deployable services, fills environments on change, shows pre-flight problems on fields, then deploys', async () => {
    app = await startDeploysApp();
    await app.command('deploy', { user_id: ENGINEER, channel_id: 'C0TEAMWEB1' });
    const [open] = await app.slack.waitFor('views.open');
    const view = open!.args.view as ModalView & { callback_id: string };
    expect(view.callback_id).toBe(DEPLOY_IDS.modal);
    const serviceBlock = view.blocks.find((b) => b.block_id === DEPLOY_IDS.serviceBlock)!;
    // billing is owned by someone else: not offered.
    expect(serviceBlock.element?.options?.map((o) => o.value)).toEqual(['web', 'worker']);
    expect(view.blocks.some((b) => b.block_id?.startsWith(DEPLOY_IDS.environmentBlock))).toBe(false);

    await app.interact(
      viewAction({
        userId: ENGINEER,
        callbackId: DEPLOY_IDS.modal,
        viewId: 'V0MODAL001',
        privateMetadata: view.private_metadata,
        action: {
          action_id: DEPLOY_IDS.serviceSelect,
          block_id: DEPLOY_IDS.serviceBlock,
          type: 'static_select',
          selected_option: selected('web').selected_option!,
        },
        values: { [DEPLOY_IDS.serviceBlock]: { [DEPLOY_IDS.serviceSelect]: selected('web') } },
      }),
    );
    const [update] = await app.slack.waitFor('views.update');
    expect(update!.args.view_id).toBe('V0MODAL001');
    const updated = update!.args.view as ModalView;
    const envBlock = updated.blocks.find((b) => b.block_id === 'deploys.environment.web')!;
    expect(envBlock.element?.options?.map((o) => o.value)).toEqual(['staging', 'production']);

    // Saturday: production is in the weekend freeze; the problem lands on the environment field.
    app.clock.set('2026-11-28T12:00:00Z');
    const frozen = await app.interact(
      viewSubmission({
        userId: ENGINEER,
        callbackId: DEPLOY_IDS.modal,
        privateMetadata: updated.private_metadata,
        values: values('web', 'production', 'v9', 'hotfix'),
      }),
    );
    expect(await ackBody(frozen)).toEqual({
      response_action: 'errors',
      errors: {
        'deploys.environment.web':
          'production is frozen until Mon 08:00 Europe/Berlin — weekend freeze; ask an admin to break glass.',
      },
    });
    const badRef = await app.interact(
      viewSubmission({
        userId: ENGINEER,
        callbackId: DEPLOY_IDS.modal,
        privateMetadata: updated.private_metadata,
        values: values('web', 'staging', 'no spaces please'),
      }),
    );
    expect(await ackBody(badRef)).toEqual({
      response_action: 'errors',
      errors: { [DEPLOY_IDS.refBlock]: '"no spaces please" is not a branch, tag or commit SHA.' },
    });
    const noEnv = await app.interact(
      viewSubmission({
        userId: ENGINEER,
        callbackId: DEPLOY_IDS.modal,
        privateMetadata: updated.private_metadata,
        values: values('web', null),
      }),
    );
    expect(await ackBody(noEnv)).toEqual({
      response_action: 'errors',
      errors: { 'deploys.environment.web': 'Choose an environment.' },
    });
    await settled(app);
    expect(app.slack.callsTo('chat.postMessage')).toEqual([]);

    app.clock.set('2026-11-23T10:00:00Z');
    const dispatch = nockDispatch(901);
    const ok = await app.interact(
      viewSubmission({
        userId: ENGINEER,
        callbackId: DEPLOY_IDS.modal,
        privateMetadata: updated.private_metadata,
        values: values('web', 'staging', 'release-7', 'weekly release'),
      }),
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('');
    const [confirmation] = await app.slack.waitFor('chat.postEphemeral');
    expect(confirmation!.args).toMatchObject({ channel: 'C0TEAMWEB1', user: ENGINEER });
    expect(String(confirmation!.args.text)).toContain('Deploy #1 · web → staging (`release-7`) started.');
    expectNockDone(dispatch);
    await settle(app!, 1, 'running');
    expect(await deployRow(app, 1)).toMatchObject({ reason: 'weekly release', channel: DEPLOYS_CHANNEL });
  });

  it('during a freeze the form advice names its own Break glass box and Reason field, not command flags', async () => {
    app = await startDeploysApp();
    app.clock.set('2026-11-28T12:00:00Z'); // Saturday: production is in the weekend freeze
    const submit = async (reason: string | null, breakGlass: boolean) => {
      const state = values('web', 'production', 'v9', reason);
      if (breakGlass) {
        state[DEPLOY_IDS.breakGlassBlock] = {
          [DEPLOY_IDS.breakGlassCheckbox]: {
            type: 'checkboxes',
            selected_options: [{ text: { type: 'plain_text', text: 'Break glass' }, value: 'break-glass' }],
          },
        };
      }
      const response = await app!.interact(
        viewSubmission({ userId: ADMIN, callbackId: DEPLOY_IDS.modal, privateMetadata: '{}', values: state }),
      );
      return (await ackBody(response)) as { errors: Record<string, string> };
    };
    expect((await submit('hotfix', false)).errors).toEqual({
      'deploys.environment.web':
        'production is frozen until Mon 08:00 Europe/Berlin — weekend freeze; if it cannot wait, tick Break glass below and give a Reason (audited and announced).',
    });
    expect((await submit(null, true)).errors).toEqual({
      [DEPLOY_IDS.reasonBlock]:
        'production is frozen until Mon 08:00 Europe/Berlin — weekend freeze; breaking glass needs a reason: fill in Reason.',
    });
  });
});
