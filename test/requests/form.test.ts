import { afterEach, describe, expect, it } from 'vitest';
import { IDS } from '../../src/requests/slack/ids.js';
import { ackBody, blockText, ENGINEER, type TestApp } from '../support/harness.js';
import { viewAction } from '../support/payloads.js';
import { settled } from '../support/wait.js';
import { dmsTo, option, requestRows, startRequestsApp, submitForm, text, validDatabase } from './support.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

interface View {
  callback_id: string;
  private_metadata?: string;
  title: { text: string };
  blocks: { type: string; block_id?: string; optional?: boolean; element?: Record<string, unknown> }[];
}

describe('/platform request: picker and forms', () => {
  it('opens the type picker, and picking a type swaps the modal for its form (views.update, type kept)', async () => {
    app = await startRequestsApp();
    await app.command('request', { user_id: ENGINEER });
    const [open] = await app.slack.waitFor('views.open');
    const picker = open!.args.view as View;
    expect(picker.callback_id).toBe(IDS.pickerView);
    const select = picker.blocks.find((b) => b.block_id === IDS.pickTypeBlock)!;
    expect(select).toMatchObject({ type: 'input', dispatch_action: true });
    expect((select.element!.options as { value: string }[]).map((o) => o.value)).toEqual([
      'database',
      'secrets-access',
      'alert',
    ]);
    expect(blockText(picker.blocks)).toContain('Read access to a Vault path');

    await app.interact(
      viewAction({
        userId: ENGINEER,
        callbackId: IDS.pickerView,
        viewId: 'V0PICKER01',
        action: {
          type: 'static_select',
          action_id: IDS.pickTypeAction,
          block_id: IDS.pickTypeBlock,
          selected_option: { text: { type: 'plain_text', text: 'Secrets access' }, value: 'secrets-access' },
        },
      }),
    );
    const [update] = await app.slack.waitFor('views.update');
    expect(update!.args.view_id).toBe('V0PICKER01');
    expect(update!.args.hash).toBe('1767220000.V0PICKER01');
    const form = update!.args.view as View;
    expect(form.callback_id).toBe(IDS.formView);
    expect(JSON.parse(form.private_metadata!)).toEqual({ typeId: 'secrets-access' });
    expect(form.blocks.filter((b) => b.type === 'input').map((b) => b.block_id)).toEqual([
      'requests.field.path',
      'requests.field.why',
    ]);
    expect(blockText(form.blocks)).toContain('done by the platform team · target: within 4h');
  });

  it('opens a form directly by type id, with every field type as the right element', async () => {
    app = await startRequestsApp();
    await app.command('request database', { user_id: ENGINEER });
    const [open] = await app.slack.waitFor('views.open');
    const form = open!.args.view as View;
    expect(form.title.text).toBe('Postgres database');
    const inputs = form.blocks.filter((b) => b.type === 'input');
    expect(inputs.map((b) => [b.block_id, b.element!.type, b.optional])).toEqual([
      ['requests.field.name', 'plain_text_input', false],
      ['requests.field.purpose', 'plain_text_input', false],
      ['requests.field.size', 'static_select', false],
      ['requests.field.envs', 'multi_static_select', false],
      ['requests.field.owner', 'users_select', false],
      ['requests.field.alerts', 'channels_select', true],
      ['requests.field.storage', 'number_input', true],
      ['requests.field.needed', 'datepicker', true],
    ]);
    expect(inputs[1]!.element!.multiline).toBe(true);
    expect(inputs[2]!.element!.initial_option).toMatchObject({ value: 'small' });
    expect(inputs[6]!.element).toMatchObject({ min_value: '10', max_value: '500' });
  });

  it('lists the valid types for an unknown id', async () => {
    app = await startRequestsApp();
    const body = await ackBody(await app.command('request kafka', { user_id: ENGINEER }));
    expect(body?.text).toContain('There is no request type `kafka`');
    expect(body?.text).toContain('`database` — Postgres database');
    expect(body?.text).toContain('`secrets-access` — Secrets access');
    await settled(app);
    expect(app.slack.callsTo('views.open')).toEqual([]);
  });

  it('shows every field type’s validation error on its own block and stores nothing', async () => {
    app = await startRequestsApp(); // the clock reads 2026-11-23 11:00 in Berlin
    const res = await submitForm(app, 'database', {
      name: text('Billing Ledger!'),
      purpose: text('   '),
      size: option('huge'),
      envs: { type: 'multi_static_select', selected_options: [] },
      owner: { type: 'users_select', selected_user: null },
      alerts: { type: 'channels_select', selected_channel: 'not-a-channel' },
      storage: { type: 'number_input', value: '5' },
      needed: { type: 'datepicker', selected_date: '2026-11-22' },
    });
    expect(await res.json()).toEqual({
      response_action: 'errors',
      errors: {
        'requests.field.name': 'Use 3–31 lowercase letters, digits or underscores, starting with a letter.',
        'requests.field.purpose': 'This field is required.',
        'requests.field.size': 'Pick one of the listed options.',
        'requests.field.envs': 'This field is required.',
        'requests.field.owner': 'This field is required.',
        'requests.field.alerts': 'Pick a channel.',
        'requests.field.storage': 'Enter a number between 10 and 500.',
        'requests.field.needed': 'Pick today (2026-11-23) or a later date.',
      },
    });
    const high = await submitForm(app, 'database', {
      ...validDatabase(),
      storage: { type: 'number_input', value: '501' },
    });
    expect(await high.json()).toEqual({
      response_action: 'errors',
      errors: { 'requests.field.storage': 'Enter a number between 10 and 500.' },
    });
    await settled(app);
    expect(await requestRows(app)).toEqual([]);
    expect(dmsTo(app, ENGINEER)).toEqual([]);
  });

  it('stores the cleaned answers once the form is valid', async () => {
    app = await startRequestsApp();
    const res = await submitForm(app, 'secrets-access', { path: text(' secret/data/billing '), why: text('on-call') });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    await app.slack.waitFor('chat.postMessage', (c) => c.args.channel === 'C0REQUESTS');
    expect(await requestRows(app)).toMatchObject([
      { typeId: 'secrets-access', requester: ENGINEER, fields: { path: 'secret/data/billing', why: 'on-call' } },
    ]);
  });
});
