import { describe, expect, it } from 'vitest';
import { IDS, LEGACY_IDS } from '../../src/requests/slack/ids.js';
import { createIdTranslator } from '../../src/slack/id-aliases.js';

/**
 * Every old id in the requests table reaches its current one, in each place Slack sends it back: a click's
 * action_id and block_id, a view's callback_id, and the block and action keys of a submitted view's state; and an
 * `errors` answer to a modal with old blocks goes back under those blocks. Every entry is also driven end to end
 * through the app, as the old messages and modals send it, in legacy-ids.test.ts.
 */
const translate = createIdTranslator([LEGACY_IDS]);

describe('the requests old-id table, entry by entry', () => {
  it.each(Object.entries(LEGACY_IDS.actions ?? {}))('a click on action_id %s reaches %s', (from, to) => {
    const body = { type: 'block_actions', actions: [{ action_id: from, block_id: 'elsewhere' }] };
    translate(body);
    expect(body.actions[0]).toEqual({ action_id: to, block_id: 'elsewhere' });
  });

  it.each(Object.entries(LEGACY_IDS.blocks ?? {}))(
    'block_id %s becomes %s, on a click and in view state',
    (from, to) => {
      const click = { type: 'block_actions', actions: [{ action_id: 'other.action', block_id: from }] };
      translate(click);
      expect(click.actions[0]).toEqual({ action_id: 'other.action', block_id: to });
      const submission = {
        type: 'view_submission',
        view: { callback_id: 'other.view', state: { values: { [from]: {} } } },
      };
      translate(submission);
      expect(Object.keys(submission.view.state.values)).toEqual([to]);
    },
  );

  it.each(Object.entries(LEGACY_IDS.views ?? {}))(
    'a view with callback_id %s reaches %s (submitted or closed)',
    (from, to) => {
      for (const type of ['view_submission', 'view_closed']) {
        const body = { type, view: { callback_id: from, state: { values: {} } } };
        translate(body);
        expect(body.view.callback_id).toBe(to);
      }
    },
  );

  it('a form submitted with the old field blocks and inputs (field.<name> / value) reads under the current ids', () => {
    const body = {
      type: 'view_submission',
      view: {
        callback_id: 'requests_form',
        state: { values: { 'field.path': { value: { type: 'plain_text_input', value: 'secret/data/billing' } } } },
      },
    };
    translate(body);
    expect(body.view.callback_id).toBe(IDS.formView);
    expect(body.view.state.values).toEqual({
      [`${IDS.fieldBlockPrefix}path`]: {
        [IDS.fieldAction]: { type: 'plain_text_input', value: 'secret/data/billing' },
      },
    });
  });

  it('answers an old modal’s errors under the block ids it shows, and leaves other answers alone', () => {
    const oldForm = {
      type: 'view_submission',
      view: {
        callback_id: 'requests_form',
        blocks: [
          { type: 'section', block_id: 'about' },
          { type: 'input', block_id: 'field.path' },
        ],
        state: { values: { 'field.path': { value: { type: 'plain_text_input', value: '' } } } },
      },
    };
    translate(oldForm);
    const errors = { response_action: 'errors', errors: { [`${IDS.fieldBlockPrefix}path`]: 'Required.' } };
    expect(translate.answerFor(oldForm, errors)).toEqual({
      response_action: 'errors',
      errors: { 'field.path': 'Required.' },
    });
    const picker = { type: 'view_submission', view: { blocks: [{ type: 'input', block_id: 'requests_type' }] } };
    expect(
      translate.answerFor(picker, { response_action: 'errors', errors: { [IDS.pickTypeBlock]: 'Pick.' } }),
    ).toEqual({
      response_action: 'errors',
      errors: { requests_type: 'Pick.' },
    });
    const current = { type: 'view_submission', view: { blocks: [{ type: 'input', block_id: IDS.rejectReasonBlock }] } };
    const answer = { response_action: 'errors', errors: { [IDS.rejectReasonBlock]: 'Give a reason.' } };
    expect(translate.answerFor(current, answer)).toBe(answer);
    const update = { response_action: 'update', view: { type: 'modal', blocks: [] } };
    expect(translate.answerFor(oldForm, update)).toBe(update);
    expect(translate.answerFor(oldForm, undefined)).toBeUndefined();
  });

  it('leaves current ids and other bodies alone', () => {
    const click = { type: 'block_actions', actions: [{ action_id: IDS.claim, block_id: IDS.queueActionsBlock }] };
    translate(click);
    expect(click.actions[0]).toEqual({ action_id: IDS.claim, block_id: IDS.queueActionsBlock });
    const command = { command: '/platform', text: 'requests_claim' };
    translate(command);
    expect(command).toEqual({ command: '/platform', text: 'requests_claim' });
  });
});
