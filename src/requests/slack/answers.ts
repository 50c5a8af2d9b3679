import type { KnownBlock, MrkdwnElement } from '@slack/types';
import {
  channelLink,
  joinMrkdwn,
  linesToSections,
  type Mrkdwn,
  mention,
  mrkdwn,
  mrkdwnText,
  section,
  truncate,
  trusted,
} from '../../slack/mrkdwn.js';
import type { RequestField, RequestType } from '../config.js';
import type { FieldValue, FieldValues } from '../model.js';

/** One answer laid out for people: the field's label and the value as mrkdwn-ready text (unescaped). */
export interface AnswerView {
  fieldId: string;
  label: string;
  /** mrkdwn: mentions for users/channels, option labels for selects, escaped text, `—` when empty. */
  text: Mrkdwn;
}

export function answerViews(type: Pick<RequestType, 'fields'>, values: FieldValues): AnswerView[] {
  return type.fields.map((field) => ({
    fieldId: field.id,
    label: field.label,
    text: displayValue(field, values[field.id]),
  }));
}

export function displayValue(field: RequestField, value: FieldValue | undefined): Mrkdwn {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0) || value === '')
    return mrkdwn`—`;
  const optionLabel = (v: string) => mrkdwn`${field.options?.find((o) => o.value === v)?.label ?? v}`;
  switch (field.type) {
    case 'user':
      return mrkdwn`${mention(String(value))}`;
    case 'channel':
      return mrkdwn`${channelLink(String(value))}`;
    case 'select':
      return optionLabel(String(value));
    case 'multiselect':
      return joinMrkdwn((Array.isArray(value) ? value : [String(value)]).map(optionLabel), ', ');
    default:
      return mrkdwn`${String(value)}`;
  }
}

/** Section text stays under Slack's 3000 characters with a margin. */
const SECTION_MAX = 2900;
/** Answers up to this long (on one line) sit side by side as section fields; longer ones get the full width. */
const SHORT_ANSWER = 300;
const FIELDS_PER_SECTION = 10;
const CUT_NOTE = ' _(cut to fit Slack’s message limits)_';

const isShort = (a: AnswerView) => a.text.length <= SHORT_ANSWER && !a.text.includes('\n');
const labelOf = (a: AnswerView) => mrkdwn`*${truncate(a.label, 300)}*`;

/**
 * Splits one line of mrkdwn into pieces of at most `max` characters, preferring a space, and never cutting
 * inside an escape (`&amp;`) or a mention/link (`<@U123>`).
 */
export function wrapLine<T extends string>(line: T, max: number): T[] {
  const pieces: T[] = [];
  let rest: T = line;
  while (rest.length > max) {
    const space = rest.lastIndexOf(' ', max);
    let cut = space;
    if (space <= 0 || space < max - 200) {
      cut = max;
      const amp = rest.lastIndexOf('&', cut - 1);
      if (amp >= 0 && amp > cut - 6 && !rest.slice(amp, cut).includes(';')) cut = amp;
      const open = rest.lastIndexOf('<', cut - 1);
      if (open >= 0 && open > cut - 100 && !rest.slice(open, cut).includes('>')) cut = open;
    }
    if (cut <= 0) cut = max;
    pieces.push(rest.slice(0, cut) as T); // cut between escapes and mentions: mrkdwn stays mrkdwn
    rest = rest.slice(cut).replace(/^ /, '') as T;
  }
  pieces.push(rest);
  return pieces;
}

function layout(answers: readonly AnswerView[], compact: boolean): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let grid: MrkdwnElement[] = [];
  const flush = () => {
    if (grid.length) blocks.push({ type: 'section', fields: grid });
    grid = [];
  };
  for (const answer of answers) {
    if (isShort(answer)) {
      grid.push(mrkdwnText(mrkdwn`${trusted(labelOf(answer))}\n${trusted(answer.text)}`, 2000));
      if (grid.length === FIELDS_PER_SECTION) flush();
      continue;
    }
    flush();
    const full = mrkdwn`${trusted(labelOf(answer))}\n${trusted(answer.text)}`;
    if (compact) {
      const cut = mrkdwn`${trusted(wrapLine(full, SECTION_MAX - CUT_NOTE.length)[0] ?? '')}${trusted(CUT_NOTE)}`;
      blocks.push(section(full.length <= SECTION_MAX ? full : cut));
    } else {
      // Whole lines of one Mrkdwn text (split at newlines, outside any escape or mention) are mrkdwn too.
      const lines = full.split('\n').flatMap((line) => wrapLine(line as Mrkdwn, SECTION_MAX));
      blocks.push(...linesToSections(lines, SECTION_MAX));
    }
  }
  flush();
  return blocks;
}

/**
 * The requester's answers laid out readably in at most `maxBlocks` blocks: short answers side by side (ten to a
 * section), long ones at full width, split over as many sections as they need. When that would pass `maxBlocks`,
 * each long answer gets one section (cut, and marked as cut).
 */
export function answerBlocks(answers: readonly AnswerView[], maxBlocks: number): KnownBlock[] {
  const full = layout(answers, false);
  if (full.length <= maxBlocks) return full;
  return layout(answers, true).slice(0, maxBlocks);
}
