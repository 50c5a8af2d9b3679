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

/**
 * The recurring window's latest occurrence that began at or before `now`, and its end. Both ends are built from
 * the local calendar date and the configured wall-clock time, so a clock change inside the window moves neither
 * end. A time that does not exist (02:30 on the spring-forward Sunday) moves forward by the skipped hour (03:30);
 * an occurrence that is empty that way (02:30–03:30 on that night) is skipped rather than stretched to a week.
 * A time that happens twice (autumn) is the second one.
 */
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
  let days = (untilWeekday - fromWeekday + 7) % 7;
  if (days === 0 && uh * 60 + um <= fh * 60 + fm) days = 7;
  const at = (date: DateTime, hour: number, minute: number) =>
    DateTime.fromObject({ year: date.year, month: date.month, day: date.day, hour, minute }, { zone });
  const occurrence = (weeksBack: number) => {
    const day = local
      .startOf('day')
      .set({ weekday: fromWeekday as 1 })
      .minus({ weeks: weeksBack });
    return { from: at(day, fh, fm), until: at(day.plus({ days }), uh, um) };
  };
  let found = occurrence(0);
  if (found.from > local) found = occurrence(1);
  if (found.until <= found.from) {
    // Empty in this week (DST gap): the one before it is long over, so report an occurrence that has ended.
    return { from: found.from, until: found.from };
  }
  return found;
}

type WindowConfig = FreezesConfig['windows'][number];
type RecurringConfig = FreezesConfig['recurring'][number];
type HolidayConfig = FreezesConfig['holidays'][number];

/** A configured window or recurring window (the `i`th of its list) in force from `from` until `until`. */
function configuredFreeze(
  kind: 'window' | 'recurring',
  i: number,
  window: WindowConfig | RecurringConfig,
  span: { from: DateTime; until: DateTime },
): ActiveFreeze {
  const { from, until } = span;
  return {
    key: `${kind}:${i}:${from.toISO()}`,
    kind,
    reason: window.reason,
    environments: window.environments ?? 'all',
    from: from.toJSDate(),
    until: until.toJSDate(),
  };
}

function windowFreeze(window: WindowConfig, i: number, zone: string): ActiveFreeze | null {
  const from = parseLocal(window.from, zone);
  const until = parseLocal(window.to, zone);
  return from && until ? configuredFreeze('window', i, window, { from, until }) : null;
}

function holidayFreeze(holiday: HolidayConfig, zone: string): ActiveFreeze | null {
  const from = parseLocal(holiday.date, zone);
  if (!from) return null;
  return {
    key: `holiday:${holiday.date}`,
    kind: 'holiday',
    reason: holiday.name ? `holiday freeze (${holiday.name})` : 'holiday freeze',
    environments: holiday.environments ?? 'all',
    from: from.toJSDate(),
    until: from.plus({ days: 1 }).toJSDate(),
  };
}

function adhocFreeze(freeze: AdhocFreeze): ActiveFreeze {
  return {
    key: `adhoc:${freeze.id}`,
    kind: 'adhoc',
    reason: freeze.reason,
    environments: freeze.environment === 'all' ? 'all' : [freeze.environment],
    from: freeze.startsAt,
    until: freeze.until,
    createdBy: freeze.createdBy,
  };
}

const present = <T>(value: T | null): value is T => value !== null;

/** Every freeze in force at `now` (any environment). */
export function activeFreezes(sources: FreezeSources, now: Date): ActiveFreeze[] {
  const { config, zone } = sources;
  const at = now.getTime();
  // A recurring window's latest occurrence never begins after `now`, so "in force" is the same test for all kinds.
  return [
    ...config.windows.map((window, i) => windowFreeze(window, i, zone)),
    ...config.recurring.map((window, i) =>
      configuredFreeze('recurring', i, window, recurringOccurrence(window, now, zone)),
    ),
    ...config.holidays.map((holiday) => holidayFreeze(holiday, zone)),
    ...sources.adhoc.map(adhocFreeze),
  ]
    .filter(present)
    .filter((freeze) => freeze.from.getTime() <= at && at < freeze.until.getTime());
}

/**
 * Every freeze occurrence that was in force at some time in `(since, now]`, including ones that began and ended
 * inside it (between two sweeps, or while the app was down). `sources.adhoc` must hold the ad-hoc freezes that
 * end after `since`.
 */
export function freezesBetween(sources: FreezeSources, since: Date, now: Date): ActiveFreeze[] {
  const found = new Map<string, ActiveFreeze>();
  const keep = (freeze: ActiveFreeze | null) => {
    if (freeze && freeze.from <= now && freeze.until > since && freeze.until > freeze.from)
      found.set(freeze.key, freeze);
  };
  activeFreezes(sources, now).forEach(keep);
  const { config, zone } = sources;
  config.windows.forEach((window, i) => {
    keep(windowFreeze(window, i, zone));
  });
  config.recurring.forEach((window, i) => {
    let at = now;
    // Occurrences are at least a week apart, so a long outage looks back a bounded number of weeks.
    for (let n = 0; n < 60; n++) {
      const occurrence = recurringOccurrence(window, at, zone);
      const { from, until } = occurrence;
      if (until.toMillis() <= since.getTime() && from.toMillis() <= since.getTime()) break;
      keep(configuredFreeze('recurring', i, window, occurrence));
      at = new Date(from.toMillis() - 1);
    }
  });
  for (const holiday of config.holidays) keep(holidayFreeze(holiday, zone));
  for (const freeze of sources.adhoc) keep(adhocFreeze(freeze));
  return [...found.values()].sort((a, b) => a.from.getTime() - b.from.getTime());
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

/** The forms `--until` accepts, for messages and the README. */
export const UNTIL_FORMS =
  '2h, 90m, 1d (from now); 18:00 (next time it is 18:00); "mon 08:00" or "monday" (next one, 00:00 without a time); 2026-12-01 (its start); "2026-12-01 08:00"';

export type UntilResult = { ok: true; until: Date } | { ok: false; error: string };

/**
 * When a `/platform freeze --until …` ends, in `zone`: a duration (`2h`, `3d`), a time (`18:00`, today or else
 * tomorrow), a weekday with an optional time (`mon 08:00`, `monday`: the next one, never today's past one), a date
 * (`2026-12-01`: its midnight) or a date-time (`2026-12-01 08:00`). Anything else, impossible times (`25:00`,
 * `2026-02-30`) and times not in the future get a message saying what was wrong and what works.
 */
export function readUntil(
  text: string,
  now: Date,
  zone: string,
  parseDuration: (t: string) => number | null,
): UntilResult {
  const trimmed = text.trim().toLowerCase().replace(/\s+/g, ' ');
  const local = DateTime.fromJSDate(now, { zone });
  const unreadable: UntilResult = { ok: false, error: `"${text}" is not a time I can read; try ${UNTIL_FORMS}.` };
  const duration = parseDuration(trimmed);
  if (duration !== null) return { ok: true, until: new Date(now.getTime() + duration) };
  const clock = (h: string | undefined, m: string | undefined) => {
    const hour = h === undefined ? 0 : Number(h);
    const minute = m === undefined ? 0 : Number(m);
    return hour <= 23 && minute <= 59 ? { hour, minute, second: 0, millisecond: 0 } : null;
  };
  const badTime = (t: string): UntilResult => ({
    ok: false,
    error: `"${t}" is not a time of day; use 00:00 to 23:59.`,
  });
  let result: DateTime;
  const dated = /^(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{1,2}):(\d{2}))?$/.exec(trimmed);
  const time = /^(\d{1,2}):(\d{2})$/.exec(trimmed);
  const weekday = /^([a-z]+)(?: (\d{1,2}):(\d{2}))?$/.exec(trimmed);
  if (dated) {
    const [, y, mo, d, h, mi] = dated;
    const hm = clock(h, mi);
    if (!hm) return badTime(`${h}:${mi}`);
    const date = DateTime.fromObject({ year: Number(y), month: Number(mo), day: Number(d) }, { zone });
    if (!date.isValid) return { ok: false, error: `${y}-${mo}-${d} is not a date on the calendar.` };
    result = date.set(hm);
  } else if (time) {
    const hm = clock(time[1], time[2]);
    if (!hm) return badTime(trimmed);
    result = local.set(hm);
    if (result <= local) result = local.plus({ days: 1 }).set(hm);
  } else if (weekday) {
    const index = WEEKDAYS.findIndex((d) => d === weekday[1] || d.slice(0, 3) === weekday[1]);
    if (index < 0) return unreadable;
    const hm = clock(weekday[2], weekday[3]);
    if (!hm) return badTime(`${weekday[2]}:${weekday[3]}`);
    let day = local.startOf('day').set({ weekday: (index + 1) as 1 });
    while (day.set(hm) <= local) day = day.plus({ weeks: 1 });
    result = day.set(hm);
  } else {
    return unreadable;
  }
  if (result <= local) {
    return {
      ok: false,
      error: `${formatLocal(result.toJSDate(), zone, now)} is not in the future; the freeze must end later.`,
    };
  }
  return { ok: true, until: result.toJSDate() };
}

/** `readUntil` without the message: the end, or null. */
export function parseUntil(
  text: string,
  now: Date,
  zone: string,
  parseDuration: (t: string) => number | null,
): Date | null {
  const result = readUntil(text, now, zone, parseDuration);
  return result.ok ? result.until : null;
}
