/**
 * When survey work may happen: a wave start or a reminder round that falls on a Saturday, a Sunday or one of the
 * survey's `holidays` (local dates in the team timezone) waits until the next working day at the same local time.
 * Reminder offsets are counted in local wall-clock time, so `3d` after 10:00 is 10:00 across a DST change.
 */

import { latestScheduledRun } from '../scheduler/cron-times.js';

const DAY_MS = 86_400_000;

type Scheduled = { schedule?: string | undefined; holidays: readonly string[] };

/**
 * The latest slot of `survey.schedule` at or before `now` and when its wave may start: the slot itself on a working
 * day, else the next working day at the same local time. Null when the survey has no schedule or no slot yet.
 */
export function latestSlot(survey: Scheduled, now: Date, timezone: string): { slot: Date; startAt: Date } | null {
  const slot = survey.schedule ? latestScheduledRun(survey.schedule, now, timezone) : null;
  return slot ? { slot, startAt: nextWorkingTime(slot, timezone, survey.holidays) } : null;
}

/**
 * The latest schedule slot of `survey` if it fell on a weekend day or a holiday, its working day has come and it is
 * less than openFor old: the sweep starts its wave unless one opened since the slot (worked out from the schedule
 * and the waves table, so a restart in between loses nothing and starts nothing twice). Otherwise null.
 */
export function deferredSlot(survey: Scheduled & { openFor: number }, now: Date, timezone: string): Date | null {
  const latest = latestSlot(survey, now, timezone);
  if (!latest) return null;
  const { slot, startAt } = latest;
  if (startAt.getTime() === slot.getTime() || startAt.getTime() > now.getTime()) return null;
  return now.getTime() >= startAt.getTime() + survey.openFor ? null : slot;
}

interface Local {
  date: string;
  weekday: number;
  /** The local wall-clock time as if it were UTC (ms since the epoch). */
  wall: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function local(at: Date, timezone: string): Local {
  let format = formats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timezone, format);
  }
  const part = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  const wall = Date.UTC(+part.year!, +part.month! - 1, +part.day!, +part.hour!, +part.minute!, +part.second!);
  const wallMs = wall + at.getUTCMilliseconds();
  return { date: new Date(wall).toISOString().slice(0, 10), weekday: new Date(wall).getUTCDay(), wall: wallMs };
}

/** The instant showing local wall-clock time `wall` in `timezone` (a time skipped by spring-forward moves on). */
function fromWall(wall: number, timezone: string): Date {
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const offset = local(new Date(guess), timezone).wall - guess;
    const next = wall - offset;
    if (next === guess) break;
    guess = next;
  }
  return new Date(guess);
}

export function isWorkingDay(at: Date, timezone: string, holidays: readonly string[]): boolean {
  const { date, weekday } = local(at, timezone);
  return weekday !== 0 && weekday !== 6 && !holidays.includes(date);
}

/** `at` itself on a working day; else the next working day at the same local wall-clock time. */
export function nextWorkingTime(at: Date, timezone: string, holidays: readonly string[]): Date {
  let wall = local(at, timezone).wall;
  let candidate = at;
  // A year of holidays in a row is a configuration mistake; stop looking rather than loop.
  for (let i = 0; i < 366 && !isWorkingDay(candidate, timezone, holidays); i++) {
    wall += DAY_MS;
    candidate = fromWall(wall, timezone);
  }
  return candidate;
}

/** `after` ms of local wall-clock time after `opensAt`, moved to a working day. */
export function reminderTime(opensAt: Date, after: number, timezone: string, holidays: readonly string[]): Date {
  return nextWorkingTime(fromWall(local(opensAt, timezone).wall + after, timezone), timezone, holidays);
}
