import { DateTime, IANAZone } from 'luxon';

/**
 * Wall-clock time in a zone. A "floating" Date holds a local date and time in its UTC fields (2026-03-05 10:00 in
 * Berlin is `Date.UTC(2026, 2, 5, 10, 0)`): that is what the `rrule` library expands, so a 10:00 meetup stays at
 * 10:00 on both sides of a DST change. Turning a floating time into a real instant follows RFC 5545 §3.3.5: a time
 * that does not exist (the clocks jump forward over it) is read with the offset before the jump, so 02:30 becomes
 * 03:30; a time that happens twice (the clocks go back) is the first of the two.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** The wall-clock time `instant` shows in `zone`, as a floating Date. */
export function floatingOf(instant: Date, zone: string): Date {
  const local = DateTime.fromJSDate(instant, { zone });
  return new Date(
    Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second, local.millisecond),
  );
}

/** The instant at which `zone` shows the wall-clock time `floating` (RFC 5545 rules for gaps and overlaps). */
export function instantOf(floating: Date, zone: string): Date {
  const tz = IANAZone.create(zone);
  const wall = floating.getTime();
  const before = tz.offset(wall - DAY_MS);
  const after = tz.offset(wall + DAY_MS);
  const valid = [...new Set([before, after])]
    .map((offset) => wall - offset * MINUTE_MS)
    .filter((candidate) => wall - tz.offset(candidate) * MINUTE_MS === candidate)
    .sort((a, b) => a - b);
  return new Date(valid[0] ?? wall - before * MINUTE_MS);
}

/** False when the clocks jump over `floating` in `zone` (e.g. 02:30 on the spring-forward night). */
export function existsInZone(floating: Date, zone: string): boolean {
  return floatingOf(instantOf(floating, zone), zone).getTime() === floating.getTime();
}

/** `2026-03-05 10:00` or `2026-03-05T10:00` → a floating Date; null when it is not a real date and time. */
export function parseLocalDateTime(text: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const [y, mo, d, h, mi] = match.slice(1).map(Number) as [number, number, number, number, number];
  if (h > 23 || mi > 59) return null;
  const at = new Date(Date.UTC(y, mo - 1, d, h, mi));
  return at.getUTCFullYear() === y && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d ? at : null;
}

/** `2026-12-24` → true when it is a real calendar date. */
export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [y, mo, d] = match.slice(1).map(Number) as [number, number, number];
  const at = new Date(Date.UTC(y, mo - 1, d));
  return at.getUTCFullYear() === y && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d;
}

/** The calendar date (`2026-12-24`) that `instant` falls on in `zone`. */
export function localDate(instant: Date, zone: string): string {
  return DateTime.fromJSDate(instant, { zone }).toFormat('yyyy-MM-dd');
}

/** `instant` moved by whole calendar days in `zone`, keeping the wall-clock time (a day is 23 or 25 h over DST). */
export function shiftDays(instant: Date, days: number, zone: string): Date {
  const floating = floatingOf(instant, zone);
  return instantOf(new Date(floating.getTime() + days * DAY_MS), zone);
}

/** `Europe/Berlin` → `Berlin time`, `America/New_York` → `New York time`, `UTC` → `UTC`. */
export function zoneLabel(zone: string): string {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 'UTC';
  const city = zone.split('/').pop()?.replaceAll('_', ' ') ?? zone;
  return `${city} time`;
}

/**
 * `Thu 5 Mar 2026, 10:00–11:00 Berlin time` (24-hour clock, English names); the end date is repeated only when the
 * event ends on another day in that zone.
 */
export function formatRange(start: Date, end: Date, zone: string): string {
  const from = DateTime.fromJSDate(start, { zone }).setLocale('en-GB');
  const to = DateTime.fromJSDate(end, { zone }).setLocale('en-GB');
  const sameDay = from.toFormat('yyyy-MM-dd') === to.toFormat('yyyy-MM-dd');
  const endText = sameDay ? to.toFormat('HH:mm') : to.toFormat('ccc d LLL, HH:mm');
  return `${from.toFormat('ccc d LLL yyyy, HH:mm')}–${endText} ${zoneLabel(zone)}`;
}

/** A person's own zone when Slack gave a valid one, else the event's. */
export function personZone(personTz: string | null | undefined, fallback: string): string {
  return personTz && IANAZone.isValidZone(personTz) ? personTz : fallback;
}

/** True for an IANA zone name (`Europe/Berlin`, `UTC`), as the configuration checks it. */
export function isKnownZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}
