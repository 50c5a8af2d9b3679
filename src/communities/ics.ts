import { createHmac, timingSafeEqual } from 'node:crypto';
import ical, { ICalEventStatus } from 'ical-generator';
import { DateTime, IANAZone } from 'luxon';
import {
  type Holiday,
  holidayOn,
  isOriginalStart,
  type OccurrenceOverride,
  occurrenceKey,
  originalStarts,
  type SeriesTiming,
} from './recurrence.js';
import { parseRule } from './rule.js';
import { floatingOf, instantOf, parseLocalDateTime } from './time.js';

/**
 * The calendar feed (RFC 5545), built with ical-generator: one VEVENT per series with its RRULE, EXDATE for the
 * occurrences skipped on holidays and those cancelled, one VEVENT with RECURRENCE-ID per moved occurrence, times
 * as TZID wall-clock times with a VTIMEZONE for each zone. Meeting links are in the feed, so its URL carries a
 * per-community token (feedToken).
 */

export interface FeedSeries extends SeriesTiming {
  title: string;
  description?: string | undefined;
  location?: string | undefined;
  link?: string | undefined;
}

export interface CalendarInput {
  /** The calendar's name: the community's, or "All communities". */
  name: string;
  series: readonly FeedSeries[];
  holidays?: readonly Holiday[];
  overrides?: readonly OccurrenceOverride[];
  /** DTSTAMP, and the VTIMEZONE range (five years ahead of it). */
  now: Date;
  /** UID suffix: `<series id>@<domain>`. */
  domain?: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const VTIMEZONE_YEARS_AHEAD = 5;

// ---------- VTIMEZONE from the zone data luxon reads (Intl) ----------

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

function wallText(instant: number, offsetMinutes: number): string {
  return new Date(instant + offsetMinutes * MINUTE_MS).toISOString().slice(0, 19).replace(/[-:]/g, '');
}

/**
 * A VTIMEZONE for `zone` listing every offset change from 1 January of `fromYear` to the end of `toYear`, each as
 * its own STANDARD/DAYLIGHT observance (no RRULE in it, so nothing is guessed about future rules).
 */
export function vtimezone(zone: string, fromYear: number, toYear: number): string {
  const cacheKey = `${zone} ${fromYear} ${toYear}`;
  const cached = vtimezoneCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const text = scanZone(zone, fromYear, toYear);
  if (vtimezoneCache.size > 200) vtimezoneCache.clear();
  vtimezoneCache.set(cacheKey, text);
  return text;
}

/** Zone data does not change while the process runs; scanning years day by day takes tens of milliseconds. */
const vtimezoneCache = new Map<string, string>();

function scanZone(zone: string, fromYear: number, toYear: number): string {
  const tz = IANAZone.create(zone);
  const begin = Date.UTC(fromYear, 0, 1);
  const end = Date.UTC(toYear + 1, 0, 1);
  const kind = (instant: number) => (DateTime.fromMillis(instant, { zone }).isInDST ? 'DAYLIGHT' : 'STANDARD');
  const lines = ['BEGIN:VTIMEZONE', `TZID:${zone}`];
  const observance = (at: number, from: number, to: number) =>
    lines.push(
      `BEGIN:${kind(at)}`,
      `DTSTART:${wallText(at, from)}`,
      `TZOFFSETFROM:${offsetText(from)}`,
      `TZOFFSETTO:${offsetText(to)}`,
      `END:${kind(at)}`,
    );
  let previous = tz.offset(begin);
  observance(begin, previous, previous);
  for (let day = begin; day < end; day += DAY_MS) {
    const next = tz.offset(day + DAY_MS);
    if (next === previous) continue;
    // The change is within this day: find its minute.
    let low = day;
    let high = day + DAY_MS;
    while (high - low > MINUTE_MS) {
      const mid = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
      if (tz.offset(mid) === previous) low = mid;
      else high = mid;
    }
    observance(high, previous, next);
    previous = next;
  }
  lines.push('END:VTIMEZONE');
  return lines.join('\r\n');
}

// ---------- the calendar ----------

function icsLocal(instant: Date, zone: string): string {
  return floatingOf(instant, zone).toISOString().slice(0, 19).replace(/[-:]/g, '');
}

function icsUtc(instant: Date): string {
  return `${instant.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

const inZone = (instant: Date, zone: string) => DateTime.fromJSDate(instant, { zone });

/** Original starts skipped on a holiday (and not moved), for EXDATE. */
function holidayStarts(series: FeedSeries, holidays: readonly Holiday[], moved: ReadonlySet<string>): Date[] {
  const starts: Date[] = [];
  for (const holiday of holidays) {
    const day = parseLocalDateTime(`${holiday.date} 00:00`);
    if (!day) continue;
    const window = {
      from: instantOf(day, series.timezone),
      to: instantOf(new Date(day.getTime() + DAY_MS), series.timezone),
    };
    for (const start of originalStarts(series, window)) {
      const key = occurrenceKey(series.id, start);
      if (!moved.has(key) && holidayOn(start, series.timezone, series.community, holidays)) starts.push(start);
    }
  }
  return starts;
}

/** The RRULE line (UNTIL written as UTC, as RFC 5545 asks with a TZID start) and the EXDATE line, if any. */
function recurrenceLines(series: FeedSeries, exdates: readonly Date[]): string {
  const parsed = series.recurrence === null ? null : parseRule(series.recurrence);
  if (!parsed?.ok) throw new Error(`series ${series.id}: not a valid recurrence`);
  const parts = parsed.rule.parts.map(([key, value]) => `${key}=${value}`);
  const until = parsed.rule.until;
  if (until) parts.push(`UNTIL=${icsUtc(until.utc ? until.value : instantOf(until.value, series.timezone))}`);
  const lines = [`RRULE:${parts.join(';')}`];
  const unique = [...new Set(exdates.map((d) => d.getTime()))].sort((a, b) => a - b);
  if (unique.length > 0) {
    const values = unique.map((ms) => icsLocal(new Date(ms), series.timezone));
    lines.push(`EXDATE;TZID=${series.timezone}:${values.join(',')}`);
  }
  return lines.join('\n');
}

/** The year range the VTIMEZONEs must cover: from the earliest event to five years after `now`. */
function yearRange(input: CalendarInput): [number, number] {
  let from = input.now.getUTCFullYear();
  for (const series of input.series) {
    const first = parseLocalDateTime(series.start);
    if (first) from = Math.min(from, first.getUTCFullYear() - 1);
  }
  for (const override of input.overrides ?? []) {
    const earliest =
      override.kind === 'moved' ? Math.min(+override.start, +override.originalStart) : +override.originalStart;
    from = Math.min(from, new Date(earliest).getUTCFullYear() - 1);
  }
  return [from, input.now.getUTCFullYear() + VTIMEZONE_YEARS_AHEAD];
}

export function buildCalendar(input: CalendarInput): string {
  const domain = input.domain ?? 'groundcrew';
  const holidays = input.holidays ?? [];
  const [fromYear, toYear] = yearRange(input);
  const calendar = ical({
    name: input.name,
    prodId: { company: 'groundcrew', product: 'communities', language: 'EN' },
    timezone: { name: null, generator: (zone) => vtimezone(zone, fromYear, toYear) },
  });
  for (const series of input.series) {
    const first = parseLocalDateTime(series.start);
    if (!first) throw new Error(`series ${series.id}: start ${JSON.stringify(series.start)} is not a local date-time`);
    const zone = series.timezone;
    const firstStart = instantOf(first, zone);
    const overrides = (input.overrides ?? []).filter(
      (o) => o.seriesId === series.id && isOriginalStart(series, o.originalStart),
    );
    const moved = overrides.filter((o) => o.kind === 'moved');
    const movedKeys = new Set(moved.map((o) => occurrenceKey(series.id, o.originalStart)));
    const cancelled = overrides.filter((o) => o.kind === 'cancelled').map((o) => o.originalStart);
    const skipped = holidayStarts(series, holidays, movedKeys);
    const uid = `${series.id}@${domain}`;
    const description = [series.description, series.link].filter(Boolean).join('\n\n') || null;
    const common = {
      id: uid,
      summary: series.title,
      description,
      location: series.location ?? null,
      url: series.link ?? null,
      timezone: zone,
      stamp: inZone(input.now, 'UTC'),
    };
    if (series.recurrence === null) {
      // A one-off: a move changes its start; a cancel or a holiday marks it cancelled.
      const start = moved[0]?.start ?? firstStart;
      const off = cancelled.length > 0 || skipped.length > 0;
      calendar.createEvent({
        ...common,
        start: inZone(start, zone),
        end: inZone(new Date(start.getTime() + series.duration), zone),
        ...(off ? { status: ICalEventStatus.CANCELLED } : {}),
      });
      continue;
    }
    calendar.createEvent({
      ...common,
      start: inZone(firstStart, zone),
      end: inZone(new Date(firstStart.getTime() + series.duration), zone),
      repeating: recurrenceLines(series, [...skipped, ...cancelled]),
    });
    for (const override of moved) {
      if (override.kind !== 'moved') continue;
      calendar.createEvent({
        ...common,
        recurrenceId: inZone(override.originalStart, zone),
        start: inZone(override.start, zone),
        end: inZone(new Date(override.start.getTime() + series.duration), zone),
        ...(override.reason ? { description: [override.reason, description].filter(Boolean).join('\n\n') } : {}),
      });
    }
  }
  return calendar.toString();
}

// ---------- feed tokens ----------

/** The scope of the feed of every community (`/calendar/all.ics`). */
export const ALL_FEEDS = 'all';

/**
 * The feed token of one community (or `all`): an HMAC-SHA256 of the scope under a server secret, base64url (43
 * characters, 256 bits). Unguessable without the secret, different per community, the same after a restart, and
 * all replaced at once by changing the secret.
 */
export function feedToken(secret: string, scope: string): string {
  if (secret.length < 16) throw new Error('feedToken: the secret must be at least 16 characters');
  return createHmac('sha256', secret).update(`groundcrew.communities.feed:${scope}`).digest('base64url');
}

/** Compares a presented token with the expected one in constant time (a wrong length fails at once). */
export function feedTokenMatches(secret: string, scope: string, presented: string): boolean {
  const expected = Buffer.from(feedToken(secret, scope));
  const actual = Buffer.from(presented);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
