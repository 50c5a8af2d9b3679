import { IANAZone } from 'luxon';

/**
 * Business-time math for SLA clocks. Pure: instants in, milliseconds or instants out.
 *
 * - A schedule is open on its `days` (ISO weekdays, 1 = Monday … 7 = Sunday) from `start` to `end`, local time in
 *   `timezone`, except on `holidays` (local dates). `end` may be `24:00`. A schedule never spans midnight.
 * - A business millisecond is a real millisecond while the schedule is open: on the day clocks go forward or back,
 *   an opening that covers the change is an hour shorter or longer. An opening or closing time that does not exist
 *   (inside the spring-forward gap) moves forward by the gap; one that happens twice (fall back) is the later one.
 * - `ALWAYS` (24×7) is open at every instant: business time is wall time.
 * - Pauses are [from, to) intervals that do not count (waiting on the asker), on top of closed hours.
 */

export interface BusinessSchedule {
  kind: 'business';
  days: readonly number[];
  /** `HH:MM` */
  start: string;
  /** `HH:MM` or `24:00` */
  end: string;
  timezone: string;
  /** `YYYY-MM-DD` dates in `timezone` when the schedule is closed all day. */
  holidays: readonly string[];
}

export const ALWAYS = { kind: 'always' } as const;
export type Schedule = BusinessSchedule | typeof ALWAYS;

export interface Pause {
  from: Date;
  to: Date;
}

/** No real schedule stays closed this long (10 years); past it a computation stops instead of looping. */
const MAX_DAYS_SCANNED = 3700;
const DAY_MS = 24 * 60 * 60_000;

type Span = [number, number];

function minutes(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** A schedule prepared for fast lookups; openings are memoised per local day (they never change). */
interface Compiled {
  zone: IANAZone;
  days: ReadonlySet<number>;
  holidays: ReadonlySet<string>;
  startMinute: number;
  endMinute: number;
  openings: Map<number, Span | null>;
}

const compiledByObject = new WeakMap<BusinessSchedule, Compiled>();
const compiledByKey = new Map<string, Compiled>();

function compile(schedule: BusinessSchedule): Compiled {
  const known = compiledByObject.get(schedule);
  if (known) return known;
  const key = [
    schedule.timezone,
    schedule.days.join(','),
    schedule.start,
    schedule.end,
    schedule.holidays.join(','),
  ].join('|');
  let compiled = compiledByKey.get(key);
  if (!compiled) {
    if (compiledByKey.size >= 256) compiledByKey.clear();
    compiled = {
      zone: IANAZone.create(schedule.timezone),
      days: new Set(schedule.days),
      holidays: new Set(schedule.holidays),
      startMinute: minutes(schedule.start),
      endMinute: minutes(schedule.end),
      openings: new Map(),
    };
    compiledByKey.set(key, compiled);
  }
  compiledByObject.set(schedule, compiled);
  return compiled;
}

/** The local day number (days since 1970-01-01 on the zone's calendar) of an instant. */
function localDay(zone: IANAZone, ms: number): number {
  return Math.floor((ms + zone.offset(ms) * 60_000) / DAY_MS);
}

/**
 * The instant of a local wall time given as "ms since the epoch, read as UTC". A time that happens twice (fall
 * back) is the later one; a time inside a spring-forward gap moves forward by the gap (02:30 → 03:30).
 * Deterministic: unlike luxon's fromObject, the answer does not depend on today's offset.
 */
function localToInstant(zone: IANAZone, local: number): number {
  const before = zone.offset(local - DAY_MS);
  const after = zone.offset(local + DAY_MS);
  const early = local - before * 60_000;
  const late = local - after * 60_000;
  const lateValid = zone.offset(late) === after;
  const earlyValid = zone.offset(early) === before;
  if (lateValid && earlyValid) return Math.max(early, late);
  if (lateValid) return late;
  if (earlyValid) return early;
  return early; // in the gap: the pre-change offset lands on the same wall time shifted by the gap
}

/** The opening of one local day, or null when closed that day. */
function openingOn(compiled: Compiled, day: number): Span | null {
  const cached = compiled.openings.get(day);
  if (cached !== undefined) return cached;
  const weekday = ((((day + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday (ISO 4)
  let span: Span | null = null;
  if (compiled.days.has(weekday) && !compiled.holidays.has(new Date(day * DAY_MS).toISOString().slice(0, 10))) {
    const from = localToInstant(compiled.zone, day * DAY_MS + compiled.startMinute * 60_000);
    const to = localToInstant(compiled.zone, day * DAY_MS + compiled.endMinute * 60_000);
    if (to > from) span = [from, to];
  }
  if (compiled.openings.size >= 20_000) compiled.openings.clear();
  compiled.openings.set(day, span);
  return span;
}

/** The schedule's open spans from `fromMs` on, in order, clipped to start at `fromMs`. */
function* openSpans(schedule: Schedule, fromMs: number): Generator<Span> {
  if (schedule.kind === 'always') {
    yield [fromMs, Number.POSITIVE_INFINITY];
    return;
  }
  const compiled = compile(schedule);
  let day = localDay(compiled.zone, fromMs);
  for (let closedDays = 0; closedDays < MAX_DAYS_SCANNED; day++) {
    const span = openingOn(compiled, day);
    if (span && span[1] > fromMs) {
      closedDays = 0;
      yield [Math.max(span[0], fromMs), span[1]];
    } else closedDays++;
  }
  throw new Error(
    `business-time: the schedule stays closed for ${MAX_DAYS_SCANNED} days from ${new Date(day * DAY_MS).toISOString().slice(0, 10)}`,
  );
}

/** Pauses as sorted, merged, non-empty spans. */
function pauseSpans(pauses: readonly Pause[]): Span[] {
  const spans = pauses
    .map((p): Span => [p.from.getTime(), p.to.getTime()])
    .filter(([from, to]) => to > from)
    .sort((a, b) => a[0] - b[0]);
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push([span[0], span[1]]);
  }
  return merged;
}

/** Open spans minus the pauses, in order. */
function* countedSpans(schedule: Schedule, fromMs: number, pauses: readonly Pause[]): Generator<Span> {
  const paused = pauseSpans(pauses);
  let p = 0;
  for (const [spanFrom, spanTo] of openSpans(schedule, fromMs)) {
    let from = spanFrom;
    while (p < paused.length && paused[p]![1] <= from) p++;
    while (from < spanTo) {
      const pause = paused[p];
      if (!pause || pause[0] >= spanTo) {
        yield [from, spanTo];
        break;
      }
      if (pause[0] > from) yield [from, pause[0]];
      from = Math.max(from, pause[1]);
      if (pause[1] <= spanTo) p++;
    }
  }
}

/** Business milliseconds in [from, to), minus pauses; 0 when `to` is not after `from`. */
export function businessMsBetween(schedule: Schedule, from: Date, to: Date, pauses: readonly Pause[] = []): number {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (toMs <= fromMs) return 0;
  let total = 0;
  for (const [spanFrom, spanTo] of countedSpans(schedule, fromMs, pauses)) {
    if (spanFrom >= toMs) break;
    total += Math.min(spanTo, toMs) - spanFrom;
    if (spanTo >= toMs) break;
  }
  return total;
}

/**
 * The earliest instant at which `businessMs` business milliseconds have elapsed since `start` (the due time).
 * `start` itself when `businessMs` is 0 or less. Pauses must be closed: an open pause has no due time.
 */
export function dueAt(schedule: Schedule, start: Date, businessMs: number, pauses: readonly Pause[] = []): Date {
  const startMs = start.getTime();
  if (businessMs <= 0) return new Date(startMs);
  let left = businessMs;
  for (const [spanFrom, spanTo] of countedSpans(schedule, startMs, pauses)) {
    if (spanTo - spanFrom >= left) return new Date(spanFrom + left);
    left -= spanTo - spanFrom;
  }
  // countedSpans throws before it runs out; this keeps the type checker honest.
  throw new Error('business-time: no due time');
}

/** Whether the schedule is open at `at` (pauses aside). */
export function isOpen(schedule: Schedule, at: Date): boolean {
  if (schedule.kind === 'always') return true;
  const compiled = compile(schedule);
  const ms = at.getTime();
  const span = openingOn(compiled, localDay(compiled.zone, ms));
  return span !== null && span[0] <= ms && ms < span[1];
}

/**
 * Whether the schedule opens at all on the local day of `at` in its own zone (one of its days, not a holiday).
 * 24×7: every day. The date is the zone's, not UTC's: 08:00 Tuesday in Tokyo is still Monday in UTC.
 */
export function isBusinessDay(schedule: Schedule, at: Date): boolean {
  if (schedule.kind === 'always') return true;
  const compiled = compile(schedule);
  return openingOn(compiled, localDay(compiled.zone, at.getTime())) !== null;
}

/**
 * Whether the local day of `at` is the week's first business day (ISO weeks, Monday first): a business day with
 * none before it since Monday. A Monday holiday makes it Tuesday. 24×7: Monday.
 */
export function isFirstBusinessDayOfWeek(schedule: Schedule, at: Date): boolean {
  if (schedule.kind === 'always') return new Date(at.getTime()).getUTCDay() === 1;
  const compiled = compile(schedule);
  const day = localDay(compiled.zone, at.getTime());
  if (openingOn(compiled, day) === null) return false;
  const weekday = ((((day + 3) % 7) + 7) % 7) + 1;
  for (let earlier = day - weekday + 1; earlier < day; earlier++) {
    if (openingOn(compiled, earlier) !== null) return false;
  }
  return true;
}

/** `at` when the schedule is open then, else the instant it next opens. */
export function nextOpening(schedule: Schedule, at: Date): Date {
  for (const [from] of openSpans(schedule, at.getTime())) return new Date(from);
  throw new Error('business-time: never opens');
}

/** When the current (or next) opening closes: the end of the span `nextOpening` starts; null for 24×7. */
export function closesAt(schedule: Schedule, at: Date): Date | null {
  if (schedule.kind === 'always') return null;
  for (const [, to] of openSpans(schedule, at.getTime())) return new Date(to);
  throw new Error('business-time: never opens');
}

/** One business day: the nominal opening hours (09:00–17:00 → 8 h); 24 h for 24×7. */
export function businessDayMs(schedule: Schedule): number {
  if (schedule.kind === 'always') return 24 * 60 * 60_000;
  return (minutes(schedule.end) - minutes(schedule.start)) * 60_000;
}
