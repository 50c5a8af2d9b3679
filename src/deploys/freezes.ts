import { DateTime } from 'luxon';
import type { FreezesConfig } from './config.js';
import { parseLocal, WEEKDAYS } from './time.js';

/**
 * Freeze windows, evaluated in the freezes' time zone with luxon (wall-clock times, so DST is handled:
 * "Friday 16:00" is 16:00 local on both sides of a clock change). Pure: time is an argument.
 */

export type FreezeKind = 'window' | 'recurring' | 'holiday' | 'adhoc';

/** A freeze declared with `/platform freeze` (stored in the database). */
export interface AdhocFreeze {
  id: number;
  /** An environment name, or `all`. */
  environment: string;
  reason: string;
  startsAt: Date;
  until: Date;
  createdBy: string;
}

export interface ActiveFreeze {
  /** Stable identity of this occurrence (used to announce starts and ends once). */
  key: string;
  kind: FreezeKind;
  reason: string;
  /** Environment names, or `all`. */
  environments: readonly string[] | 'all';
  from: Date;
  until: Date;
  createdBy?: string;
}

export interface FreezeSources {
  config: FreezesConfig;
  adhoc: readonly AdhocFreeze[];
  /** The zone every configured time is read in. */
  zone: string;
}

const appliesTo = (freeze: ActiveFreeze, environment: string) =>
  freeze.environments === 'all' || freeze.environments.includes(environment);

/** The start of the recurring window's occurrence that began at or before `now`, and its end. */
export function recurringOccurrence(
  window: FreezesConfig['recurring'][number],
  now: Date,
  zone: string,
): { from: DateTime; until: DateTime } {
  const local = DateTime.fromJSDate(now, { zone });
  const [fh, fm] = window.from.time.split(':').map(Number) as [number, number];
  const [uh, um] = window.until.time.split(':').map(Number) as [number, number];
  const fromWeekday = WEEKDAYS.indexOf(window.from.day) + 1;
  const untilWeekday = WEEKDAYS.indexOf(window.until.day) + 1;
  let from = local.set({ weekday: fromWeekday as 1, hour: fh, minute: fm, second: 0, millisecond: 0 });
  if (from > local) from = from.minus({ weeks: 1 });
  const daysAhead = (untilWeekday - fromWeekday + 7) % 7;
  let until = from.plus({ days: daysAhead }).set({ hour: uh, minute: um, second: 0, millisecond: 0 });
  if (until <= from) until = until.plus({ weeks: 1 });
  return { from, until };
}

/** Every freeze in force at `now` (any environment). */
export function activeFreezes(sources: FreezeSources, now: Date): ActiveFreeze[] {
  const { config, zone } = sources;
  const at = now.getTime();
  const out: ActiveFreeze[] = [];
  config.windows.forEach((window, i) => {
    const from = parseLocal(window.from, zone);
    const until = parseLocal(window.to, zone);
    if (!from || !until || at < from.toMillis() || at >= until.toMillis()) return;
    out.push({
      key: `window:${i}:${from.toISO()}`,
      kind: 'window',
      reason: window.reason,
      environments: window.environments ?? 'all',
      from: from.toJSDate(),
      until: until.toJSDate(),
    });
  });
  config.recurring.forEach((window, i) => {
    const { from, until } = recurringOccurrence(window, now, zone);
    if (at >= until.toMillis()) return;
    out.push({
      key: `recurring:${i}:${from.toISO()}`,
      kind: 'recurring',
      reason: window.reason,
      environments: window.environments ?? 'all',
      from: from.toJSDate(),
      until: until.toJSDate(),
    });
  });
  for (const holiday of config.holidays) {
    const from = parseLocal(holiday.date, zone);
    if (!from) continue;
    const until = from.plus({ days: 1 });
    if (at < from.toMillis() || at >= until.toMillis()) continue;
    out.push({
      key: `holiday:${holiday.date}`,
      kind: 'holiday',
      reason: holiday.name ? `holiday freeze (${holiday.name})` : 'holiday freeze',
      environments: holiday.environments ?? 'all',
      from: from.toJSDate(),
      until: until.toJSDate(),
    });
  }
  for (const freeze of sources.adhoc) {
    if (at < freeze.startsAt.getTime() || at >= freeze.until.getTime()) continue;
    out.push({
      key: `adhoc:${freeze.id}`,
      kind: 'adhoc',
      reason: freeze.reason,
      environments: freeze.environment === 'all' ? 'all' : [freeze.environment],
      from: freeze.startsAt,
      until: freeze.until,
      createdBy: freeze.createdBy,
    });
  }
  return out;
}

export interface FreezeStatus {
  /** The freeze that applies now (the one ending last, when several do). */
  freeze: ActiveFreeze;
  /** When deploys open again: back-to-back and overlapping freezes are chained. */
  until: Date;
}

/** Whether `environment` is frozen at `now`, and until when (following chained freezes, up to 60 days). */
export function freezeStatus(sources: FreezeSources, environment: string, now: Date): FreezeStatus | null {
  const first = activeFreezes(sources, now).filter((f) => appliesTo(f, environment));
  if (first.length === 0) return null;
  const freeze = first.reduce((a, b) => (b.until > a.until ? b : a));
  let until = freeze.until;
  const horizon = now.getTime() + 60 * 24 * 3600_000;
  for (let i = 0; i < 100 && until.getTime() < horizon; i++) {
    const next = activeFreezes(sources, until).filter((f) => appliesTo(f, environment));
    if (next.length === 0) break;
    const latest = next.reduce((a, b) => (b.until > a.until ? b : a)).until;
    if (latest <= until) break;
    until = latest;
  }
  return { freeze, until };
}

/** `Mon 08:00 Europe/Berlin` (within a week) or `Mon 4 Jan 08:00 Europe/Berlin`. */
export function formatLocal(at: Date, zone: string, now: Date): string {
  const local = DateTime.fromJSDate(at, { zone });
  const withinWeek = at.getTime() - now.getTime() < 6 * 24 * 3600_000 && at >= now;
  return `${local.toFormat(withinWeek ? 'ccc HH:mm' : 'ccc d LLL HH:mm', { locale: 'en-GB' })} ${zone}`;
}

/**
 * When a `/platform freeze --until …` ends: a duration (`2h`, `3d`), a date (`2026-12-28` → midnight),
 * a local date-time (`2026-12-28 08:00`), a time today or tomorrow (`18:00`) or a weekday with an optional
 * time (`monday 08:00`, next occurrence). Null if unreadable or not in the future.
 */
export function parseUntil(
  text: string,
  now: Date,
  zone: string,
  parseDuration: (t: string) => number | null,
): Date | null {
  const trimmed = text.trim().toLowerCase();
  const local = DateTime.fromJSDate(now, { zone });
  let result: DateTime | null = null;
  const duration = parseDuration(trimmed);
  if (duration !== null) return new Date(now.getTime() + duration);
  const time = /^(\d{1,2}):(\d{2})$/.exec(trimmed);
  const dated = /^\d{4}-\d{2}-\d{2}([ t]\d{1,2}:\d{2})?$/.test(trimmed);
  const weekday = /^([a-z]+)(?:\s+(\d{1,2}):(\d{2}))?$/.exec(trimmed);
  if (dated) {
    const parsed = DateTime.fromISO(
      trimmed
        .replace(' ', 'T')
        .replace(/t(\d):/, 't0$1:')
        .toUpperCase(),
      { zone },
    );
    result = parsed.isValid ? parsed : null;
  } else if (time) {
    result = local.set({ hour: Number(time[1]), minute: Number(time[2]), second: 0, millisecond: 0 });
    if (result <= local) result = result.plus({ days: 1 });
  } else if (weekday) {
    const index = WEEKDAYS.findIndex((d) => d === weekday[1] || d.slice(0, 3) === weekday[1]);
    if (index < 0) return null;
    result = local.set({
      weekday: (index + 1) as 1,
      hour: weekday[2] ? Number(weekday[2]) : 0,
      minute: weekday[3] ? Number(weekday[3]) : 0,
      second: 0,
      millisecond: 0,
    });
    while (result <= local) result = result.plus({ weeks: 1 });
  }
  if (!result?.isValid || result <= local) return null;
  return result.toJSDate();
}
