import { describe, expect, it } from 'vitest';
import { linesToSections, mrkdwn } from '../../src/slack/mrkdwn.js';

const texts = (blocks: ReturnType<typeof linesToSections>) =>
  blocks.map((b) => (b.type === 'section' && b.text ? b.text.text : ''));

describe('linesToSections', () => {
  it('packs whole lines into sections of at most max characters', () => {
    const lines = Array.from({ length: 10 }, (_, i) => mrkdwn`${`${i}`.repeat(40)}`);
    const out = texts(linesToSections(lines, 100));
    expect(out).toEqual([
      `${'0'.repeat(40)}\n${'1'.repeat(40)}`,
      `${'2'.repeat(40)}\n${'3'.repeat(40)}`,
      `${'4'.repeat(40)}\n${'5'.repeat(40)}`,
      `${'6'.repeat(40)}\n${'7'.repeat(40)}`,
      `${'8'.repeat(40)}\n${'9'.repeat(40)}`,
    ]);
    expect(out.join('\n')).toBe(lines.join('\n'));
  });

  it('never emits an empty section, and cuts a single line longer than max', () => {
    const out = texts(linesToSections([mrkdwn`${'x'.repeat(150)}`, mrkdwn`short`], 100));
    expect(out).toEqual([`${'x'.repeat(99)}…`, 'short']);
    expect(linesToSections([])).toEqual([]);
  });

  it('defaults to 2900 characters, under Slack’s 3000 per section', () => {
    const out = texts(linesToSections(Array.from({ length: 100 }, () => mrkdwn`${'y'.repeat(99)}`)));
    expect(out.every((t) => t.length <= 2900)).toBe(true);
    expect(out).toHaveLength(Math.ceil(100 / 29));
  });
});
