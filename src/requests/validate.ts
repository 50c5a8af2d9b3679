import { DateTime } from 'luxon';
import type { RequestField } from './config.js';
import type { FieldValue, FieldValues } from './model.js';

/** What the form sent for one field before validation: text, option value(s), a user/channel ID, a date string. */
export type RawValue = string | string[] | null | undefined;

export type ValidationResult = { ok: true; values: FieldValues } | { ok: false; errors: Record<string, string> };

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const REQUIRED_MESSAGE = 'This field is required.';
/** Longest text answer checked (Slack's plain-text input allows 3000); also bounds the cost of a pattern match. */
export const TEXT_ANSWER_MAX = 3000;
/**
 * Longest answer a field's pattern is run on: with start-up refusing patterns that backtrack badly
 * (regex-safety.ts), this bounds what a pattern the check let through can cost.
 */
export const PATTERN_ANSWER_MAX = 1000;

/**
 * Checks every field of a submitted form; returns the clean values or one message per failing field id.
 * `now` and `timezone` decide what "today" is for date fields (a date before today in the team zone is refused).
 */
export function validateFields(
  fields: readonly RequestField[],
  raw: Record<string, RawValue>,
  now: Date,
  timezone: string,
): ValidationResult {
  const values: FieldValues = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const result = validateField(field, raw[field.id], now, timezone);
    if ('error' in result) errors[field.id] = result.error;
    else values[field.id] = result.value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, values };
}

type FieldResult = { value: FieldValue } | { error: string };

export function validateField(field: RequestField, raw: RawValue, now: Date, timezone: string): FieldResult {
  if (field.type === 'multiselect') {
    const list = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter((v) => v !== '');
    if (list.length === 0) return field.required ? { error: REQUIRED_MESSAGE } : { value: [] };
    const unknown = list.filter((v) => !field.options?.some((o) => o.value === v));
    if (unknown.length > 0) return { error: `Pick from the listed options (unknown: ${unknown.join(', ')}).` };
    return { value: list };
  }
  if (Array.isArray(raw)) return { error: 'Pick a single value.' };
  const text = (raw ?? '').trim();
  if (text === '') return field.required ? { error: REQUIRED_MESSAGE } : { value: null };

  switch (field.type) {
    case 'text':
    case 'textarea': {
      if (text.length > TEXT_ANSWER_MAX) return { error: `At most ${TEXT_ANSWER_MAX} characters.` };
      if (field.pattern && text.length > PATTERN_ANSWER_MAX)
        return { error: `At most ${PATTERN_ANSWER_MAX} characters.` };
      if (field.pattern && !new RegExp(field.pattern).test(text)) {
        return { error: field.patternMessage ?? `Must match the pattern ${field.pattern}.` };
      }
      return { value: text };
    }
    case 'select':
      return field.options?.some((o) => o.value === text)
        ? { value: text }
        : { error: 'Pick one of the listed options.' };
    case 'user':
      return USER_ID.test(text) ? { value: text } : { error: 'Pick a person.' };
    case 'channel':
      return CHANNEL_ID.test(text) ? { value: text } : { error: 'Pick a channel.' };
    case 'number':
      return checkNumber(field, text);
    case 'date':
      return checkDate(text, now, timezone);
  }
}

function checkNumber(field: RequestField, text: string): FieldResult {
  const value = Number(text);
  if (!/^-?\d+(\.\d+)?$/.test(text) || !Number.isFinite(value)) return { error: 'Enter a number.' };
  const { min, max } = field;
  const tooLow = min !== undefined && value < min;
  const tooHigh = max !== undefined && value > max;
  if (tooLow || tooHigh) {
    if (min !== undefined && max !== undefined) return { error: `Enter a number between ${min} and ${max}.` };
    return { error: tooLow ? `Enter a number of at least ${min}.` : `Enter a number of at most ${max}.` };
  }
  return { value };
}

function checkDate(text: string, now: Date, timezone: string): FieldResult {
  const date = DateTime.fromISO(text, { zone: timezone });
  if (!DATE.test(text) || !date.isValid) return { error: 'Pick a date.' };
  const today = todayIn(now, timezone);
  if (text < today) return { error: `Pick today (${today}) or a later date.` };
  return { value: text };
}

/** Today's date (YYYY-MM-DD) in the team's time zone. */
export function todayIn(now: Date, timezone: string): string {
  return DateTime.fromJSDate(now, { zone: timezone }).toISODate()!;
}
