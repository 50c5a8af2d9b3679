import { describe, expect, it } from 'vitest';
import { blockProblems } from '../../src/playground/block-limits.js';

describe('Block Kit limits as the playground enforces them', () => {
  it('accepts blocks within the limits', () => {
    expect(
      blockProblems(
        [
          { type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3000) } },
          {
            type: 'actions',
            elements: [{ type: 'button', action_id: 'go', text: { type: 'plain_text', text: 'Go' } }],
          },
        ],
        '/blocks',
      ),
    ).toEqual([]);
  });

  it('names each problem with a json-pointer, like Slack', () => {
    const problems = blockProblems(
      [
        { type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } },
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'b'.repeat(76) } },
            { type: 'static_select', action_id: 's', options: [] },
          ],
        },
        {
          type: 'input',
          element: {
            type: 'static_select',
            action_id: 'pick',
            options: [{ text: { type: 'plain_text', text: 'ok' }, value: 'v'.repeat(151) }],
          },
          label: { type: 'plain_text', text: 'Pick' },
        },
      ],
      '/view/blocks',
    );
    expect(problems).toEqual([
      'must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]',
      'must be less than 151 characters [json-pointer:/view/blocks/1/text/text]',
      'must be less than 76 characters [json-pointer:/view/blocks/2/elements/0/text/text]',
      'must provide at least 1 items [json-pointer:/view/blocks/2/elements/1/options]',
      'must be less than 151 characters [json-pointer:/view/blocks/3/element/options/0/value]',
    ]);
  });
});
