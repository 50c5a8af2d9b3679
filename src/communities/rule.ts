import rrulePkg, { type Options } from 'rrule';

const { RRule } = rrulePkg;

/**
 * The RRULE text of an event series (RFC 5545 §3.3.10), read strictly. The `rrule` library does the expansion, but
 * its parser accepts nonsense quietly (`FREQ=FOO` parses to no frequency, `BYDAY=XX` to a null weekday), so every
 * part is checked here first and a mistake is named. The time of day comes from the series' `start`, so BYHOUR,
 * BYMINUTE and BYSECOND are refused, and so are the sub-daily frequencies.
 */

export const RULE_FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;
const WEEKDAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
const KNOWN_PARTS = [
  'FREQ',
  'INTERVAL',
  'COUNT',
  'UNTIL',
  'BYDAY',
  'BYMONTHDAY',
  'BYMONTH',
  'BYYEARDAY',
  'BYWEEKNO',
  'BYSETPOS',
  'WKST',
] as const;

/** When the rule ends: a UTC instant (`UNTIL=…Z`) or a wall-clock time in the series' zone, as a floating date. */
export interface RuleUntil {
  utc: boolean;
  /** With `utc`, the real instant; otherwise the local wall-clock time with its fields read as UTC. */
  value: Date;
}

export interface ParsedRule {
  /** The parts in the order written, upper-cased, UNTIL left out (see `until`). */
  parts: [string, string][];
  /** Options for `new RRule(…)`, without dtstart and until. */
  options: Partial<Options>;
  until: RuleUntil | null;
}

export type RuleResult = { ok: true; rule: ParsedRule } | { ok: false; error: string };

function intList(value: string, min: number, max: number, allowNegative: boolean): number[] | null {
  const items = value.split(',');
  const numbers: number[] = [];
  for (const item of items) {
    if (!/^[+-]?\d{1,3}$/.test(item)) return null;
    const n = Number(item);
    if (n === 0 || Math.abs(n) < min || Math.abs(n) > max || (n < 0 && !allowNegative)) return null;
    numbers.push(n);
  }
  return numbers;
}

function parseUntil(value: string): RuleUntil | null {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(value);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, z] = match;
  const dateOnly = h === undefined;
  const fields = [Number(y), Number(mo) - 1, Number(d), dateOnly ? 23 : Number(h), dateOnly ? 59 : Number(mi)];
  const seconds = dateOnly ? 59 : Number(s);
  const at = new Date(Date.UTC(fields[0]!, fields[1]!, fields[2]!, fields[3]!, fields[4]!, seconds));
  // Date.UTC rolls 2026-02-30 over to March: a real date reads back the same.
  if (at.getUTCFullYear() !== fields[0] || at.getUTCMonth() !== fields[1] || at.getUTCDate() !== fields[2]) return null;
  if (!dateOnly && (Number(h) > 23 || Number(mi) > 59 || seconds > 59)) return null;
  return { utc: z === 'Z', value: at };
}

function checkPart(key: string, value: string, freq: string | undefined): string | null {
  const plain = (list: string) => `expected ${list}, got ${key}=${value}`;
  switch (key) {
    case 'FREQ':
      if ((RULE_FREQUENCIES as readonly string[]).includes(value)) return null;
      if (['HOURLY', 'MINUTELY', 'SECONDLY'].includes(value)) {
        return `FREQ=${value} is not supported: a series meets at most once a day, at the time of its start (use ${RULE_FREQUENCIES.join(', ')})`;
      }
      return plain(`FREQ=${RULE_FREQUENCIES.join('|')}`);
    case 'INTERVAL':
      return /^\d{1,3}$/.test(value) && Number(value) >= 1 ? null : plain('INTERVAL=1…999');
    case 'COUNT':
      return /^\d{1,4}$/.test(value) && Number(value) >= 1 ? null : plain('COUNT=1…9999');
    case 'UNTIL':
      return parseUntil(value) ? null : plain('UNTIL=20261231 or UNTIL=20261231T235959Z');
    case 'BYDAY': {
      for (const item of value.split(',')) {
        const match = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(item);
        if (!match) return plain('BYDAY=MO,TH (or 2TU, -1FR with MONTHLY or YEARLY)');
        if (match[1] !== undefined) {
          const n = Number(match[1]);
          if (freq !== 'MONTHLY' && freq !== 'YEARLY') {
            return `BYDAY=${value}: a numbered weekday (${item}) needs FREQ=MONTHLY or FREQ=YEARLY`;
          }
          if (n === 0 || Math.abs(n) > (freq === 'MONTHLY' ? 5 : 53)) return plain('a weekday number like 2TU or -1FR');
        }
      }
      return null;
    }
    case 'BYMONTHDAY':
      return intList(value, 1, 31, true) ? null : plain('BYMONTHDAY=1…31 or -31…-1');
    case 'BYMONTH':
      return intList(value, 1, 12, false) ? null : plain('BYMONTH=1…12');
    case 'BYYEARDAY':
      return intList(value, 1, 366, true) ? null : plain('BYYEARDAY=1…366 or -366…-1');
    case 'BYWEEKNO':
      if (freq !== 'YEARLY') return 'BYWEEKNO needs FREQ=YEARLY';
      return intList(value, 1, 53, true) ? null : plain('BYWEEKNO=1…53 or -53…-1');
    case 'BYSETPOS':
      return intList(value, 1, 366, true) ? null : plain('BYSETPOS=1…366 or -366…-1');
    case 'WKST':
      return (WEEKDAY_CODES as readonly string[]).includes(value) ? null : plain(`WKST=${WEEKDAY_CODES.join('|')}`);
    case 'BYHOUR':
    case 'BYMINUTE':
    case 'BYSECOND':
      return `${key} is not supported: the time of day comes from the series' start`;
    case 'DTSTART':
    case 'TZID':
      return `${key} does not belong in the rule: write the first date and time as the series' start and the zone as its timezone`;
    default:
      return `unknown RRULE part ${JSON.stringify(key)} (known: ${KNOWN_PARTS.join(', ')})`;
  }
}

/** Reads `FREQ=WEEKLY;INTERVAL=2;BYDAY=TH` (an `RRULE:` prefix is allowed); the error names the faulty part. */
export function parseRule(text: string): RuleResult {
  const body = text
    .trim()
    .replace(/^RRULE:/i, '')
    .toUpperCase();
  if (body === '') return { ok: false, error: 'the rule is empty; write one like FREQ=WEEKLY;BYDAY=TH' };
  const parts: [string, string][] = [];
  for (const chunk of body.split(';')) {
    if (chunk === '') continue;
    const eq = chunk.indexOf('=');
    if (eq <= 0 || eq === chunk.length - 1) {
      return { ok: false, error: `expected NAME=VALUE parts separated by ";", got ${JSON.stringify(chunk)}` };
    }
    const key = chunk.slice(0, eq);
    if (parts.some(([seen]) => seen === key)) return { ok: false, error: `${key} is given twice` };
    parts.push([key, chunk.slice(eq + 1)]);
  }
  const freq = parts.find(([key]) => key === 'FREQ')?.[1];
  if (freq === undefined) return { ok: false, error: 'FREQ is missing; start the rule with FREQ=WEEKLY (or DAILY, …)' };
  for (const [key, value] of parts) {
    const error = checkPart(key, value, freq);
    if (error) return { ok: false, error };
  }
  const has = (key: string) => parts.some(([k]) => k === key);
  if (has('COUNT') && has('UNTIL')) return { ok: false, error: 'use COUNT or UNTIL, not both' };
  if (has('BYSETPOS') && !parts.some(([k]) => k.startsWith('BY') && k !== 'BYSETPOS')) {
    return { ok: false, error: 'BYSETPOS needs another BY… part to pick from (e.g. BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1)' };
  }
  const untilText = parts.find(([key]) => key === 'UNTIL')?.[1];
  const rest = parts.filter(([key]) => key !== 'UNTIL');
  let options: Partial<Options>;
  try {
    options = RRule.parseString(rest.map(([key, value]) => `${key}=${value}`).join(';'));
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  return { ok: true, rule: { parts: rest, options, until: untilText ? parseUntil(untilText) : null } };
}
