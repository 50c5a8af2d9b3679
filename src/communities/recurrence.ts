import rrulePkg from 'rrule';
import { parseRule, type RuleUntil } from './rule.js';
import {
  floatingOf,
  formatRange,
  instantOf,
  localDate,
  parseLocalDateTime,
  personZone,
  shiftDays,
  zoneLabel,
} from './time.js';

const { RRule } = rrulePkg;

/**
 * Occurrences of an event series: the RRULE expanded in the series' own zone (wall-clock times, see time.ts),
 * holidays skipped and reported, per-occurrence overrides applied. An occurrence is named by its series and its
 * original start (like RECURRENCE-ID), so its key survives a restart and a move.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** What expansion needs from a configured series (src/communities/config.ts gives more). */
export interface SeriesTiming {
  id: string;
  community: string;
  /** RRULE text (`FREQ=WEEKLY;BYDAY=TH`); null for a one-off event at `start`. */
  recurrence: string | null;
  /** The first occurrence, wall clock in `timezone`: `2026-03-05 10:00`. */
  start: string;
  /** Milliseconds. */
  duration: number;
  timezone: string;
}

/** Adds what the announcement schedule needs. */
export interface SeriesSchedule extends SeriesTiming {
  minAttendees?: number | undefined;
  agenda?: { daysBefore: number; ifEmpty?: 'cancel' | 'async' | undefined } | undefined;
}

export interface Holiday {
  /** `2026-12-24`, matched against an occurrence's date in its series' zone. */
  date: string;
  name?: string | undefined;
  /** Only these communities' occurrences are skipped; all when absent. */
  communities?: string[] | undefined;
}

interface OverrideBase {
  seriesId: string;
  /** The start the rule gave the occurrence: what names it, however often it is moved. */
  originalStart: Date;
  reason?: string | undefined;
}
export type OccurrenceOverride =
  | (OverrideBase & { kind: 'cancelled' })
  | (OverrideBase & { kind: 'moved'; start: Date });

export type OccurrenceStatus = 'scheduled' | 'moved' | 'cancelled';

export interface Occurrence {
  key: string;
  seriesId: string;
  originalStart: Date;
  start: Date;
  end: Date;
  status: OccurrenceStatus;
  reason?: string | undefined;
}

export interface SkippedOccurrence {
  key: string;
  seriesId: string;
  originalStart: Date;
  /** The holiday's date, `2026-12-24`. */
  date: string;
  holiday: string | null;
}

export interface Expansion {
  occurrences: Occurrence[];
  skipped: SkippedOccurrence[];
}

export interface Window {
  from: Date;
  /** Exclusive. */
  to: Date;
}

/** `frontend-meetup@2026-03-05T09:00:00Z`: the series and the original start in UTC, to the second. */
export function occurrenceKey(seriesId: string, originalStart: Date): string {
  return `${seriesId}@${originalStart.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

export function parseOccurrenceKey(key: string): { seriesId: string; originalStart: Date } | null {
  const at = key.lastIndexOf('@');
  if (at <= 0) return null;
  const text = key.slice(at + 1);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text)) return null;
  const originalStart = new Date(text);
  return Number.isNaN(originalStart.getTime()) ? null : { seriesId: key.slice(0, at), originalStart };
}

function untilFloating(until: RuleUntil | null, zone: string): Date | null {
  if (!until) return null;
  return until.utc ? floatingOf(until.value, zone) : until.value;
}

/** The rule's occurrences as floating times; throws on a series config would have refused. */
function floatingStarts(series: SeriesTiming, from: Date, to: Date): Date[] {
  const first = parseLocalDateTime(series.start);
  if (!first) throw new Error(`series ${series.id}: start ${JSON.stringify(series.start)} is not a local date-time`);
  if (series.recurrence === null) return first >= from && first <= to ? [first] : [];
  const parsed = parseRule(series.recurrence);
  if (!parsed.ok) throw new Error(`series ${series.id}: ${parsed.error}`);
  const rule = new RRule({
    ...parsed.rule.options,
    dtstart: first,
    until: untilFloating(parsed.rule.until, series.timezone),
  });
  return rule.between(from, to, true);
}

/** Every original start of the series in [from, to), as instants, holidays and overrides not applied. */
export function originalStarts(series: SeriesTiming, window: Window): Date[] {
  // Expand a day wider on each side in wall-clock time, then keep the instants inside the window.
  const from = new Date(floatingOf(window.from, series.timezone).getTime() - DAY_MS);
  const to = new Date(floatingOf(window.to, series.timezone).getTime() + DAY_MS);
  return floatingStarts(series, from, to)
    .map((floating) => instantOf(floating, series.timezone))
    .filter((start) => start >= window.from && start < window.to);
}

/** True when the rule gives an occurrence starting exactly at `start` (checks an override before it is stored). */
export function isOriginalStart(series: SeriesTiming, start: Date): boolean {
  const window = { from: new Date(start.getTime() - MINUTE_MS), to: new Date(start.getTime() + MINUTE_MS) };
  return originalStarts(series, window).some((at) => at.getTime() === start.getTime());
}

/** The first start of the series on or after `after`, looking `horizonDays` ahead; null when there is none. */
export function firstStartAfter(series: SeriesTiming, after: Date, horizonDays = 5 * 366): Date | null {
  return originalStarts(series, { from: after, to: new Date(after.getTime() + horizonDays * DAY_MS) })[0] ?? null;
}

/** The holiday that skips an occurrence of `community` starting at `start` in `zone`, if any. */
export function holidayOn(start: Date, zone: string, community: string, holidays: readonly Holiday[]): Holiday | null {
  const date = localDate(start, zone);
  return holidays.find((h) => h.date === date && (!h.communities || h.communities.includes(community))) ?? null;
}

export interface ExpandOptions {
  holidays?: readonly Holiday[];
  overrides?: readonly OccurrenceOverride[];
}

/**
 * The series' occurrences in the window, by start. A scheduled or cancelled occurrence is in the window by its
 * original start, a moved one by its new start (so one moved in from outside the window is listed, one moved out is
 * not). An occurrence on a holiday is skipped and listed in `skipped` with the date, unless a lead moved it: an
 * explicit move wins over the holiday. Overrides that name no occurrence of the rule are ignored.
 */
export function expandSeries(series: SeriesTiming, window: Window, options: ExpandOptions = {}): Expansion {
  const holidays = options.holidays ?? [];
  const overrides = new Map<string, OccurrenceOverride>();
  for (const override of options.overrides ?? []) {
    if (override.seriesId === series.id) overrides.set(occurrenceKey(series.id, override.originalStart), override);
  }
  const occurrences: Occurrence[] = [];
  const skipped: SkippedOccurrence[] = [];
  const inWindow = (at: Date) => at >= window.from && at < window.to;
  const seen = new Set<string>();

  const place = (originalStart: Date) => {
    const key = occurrenceKey(series.id, originalStart);
    seen.add(key);
    const override = overrides.get(key);
    const reason = override?.reason;
    if (override?.kind === 'moved') {
      if (inWindow(override.start)) {
        const end = new Date(override.start.getTime() + series.duration);
        occurrences.push({
          key,
          seriesId: series.id,
          originalStart,
          start: override.start,
          end,
          status: 'moved',
          reason,
        });
      }
      return;
    }
    if (!inWindow(originalStart)) return;
    const holiday = holidayOn(originalStart, series.timezone, series.community, holidays);
    if (holiday) {
      skipped.push({ key, seriesId: series.id, originalStart, date: holiday.date, holiday: holiday.name ?? null });
      return;
    }
    const end = new Date(originalStart.getTime() + series.duration);
    const status = override?.kind === 'cancelled' ? 'cancelled' : 'scheduled';
    occurrences.push({ key, seriesId: series.id, originalStart, start: originalStart, end, status, reason });
  };

  for (const start of originalStarts(series, window)) place(start);
  for (const [key, override] of overrides) {
    if (seen.has(key) || override.kind !== 'moved' || !inWindow(override.start)) continue;
    if (isOriginalStart(series, override.originalStart)) place(override.originalStart);
  }
  occurrences.sort((a, b) => a.start.getTime() - b.start.getTime() || a.key.localeCompare(b.key));
  skipped.sort((a, b) => a.originalStart.getTime() - b.originalStart.getTime());
  return { occurrences, skipped };
}

/** Several series at once (the digest, `/platform events`), merged by start. */
export function expandAll(series: readonly SeriesTiming[], window: Window, options: ExpandOptions = {}): Expansion {
  const occurrences: Occurrence[] = [];
  const skipped: SkippedOccurrence[] = [];
  for (const one of series) {
    const result = expandSeries(one, window, options);
    occurrences.push(...result.occurrences);
    skipped.push(...result.skipped);
  }
  occurrences.sort((a, b) => a.start.getTime() - b.start.getTime() || a.key.localeCompare(b.key));
  skipped.sort((a, b) => a.originalStart.getTime() - b.originalStart.getTime() || a.key.localeCompare(b.key));
  return { occurrences, skipped };
}

// ---------- what happens before an occurrence ----------

export const SOON_LEAD_MS = 15 * MINUTE_MS;

/** In the order they run when two fall on the same instant: the decision comes before the day-before reminder. */
export const DUE_KINDS = ['agenda-request', 'decision', 'reminder-day', 'reminder-soon'] as const;
export type DueKind = (typeof DUE_KINDS)[number];

export interface DueAction {
  key: string;
  kind: DueKind;
  at: Date;
}

/**
 * When each announcement of an occurrence is due, from its (possibly moved) start. "A day before" and "N days
 * before" are calendar days in the series' zone at the same wall-clock time, so across a DST change they are 23 or
 * 25 hours. The decision (minAttendees, agenda `ifEmpty`) is at T-1 day, just before that day's reminder, and only
 * when the series asks for one. A cancelled occurrence has nothing due.
 */
export function dueActions(occurrence: Occurrence, series: SeriesSchedule): DueAction[] {
  if (occurrence.status === 'cancelled') return [];
  const { key, start } = occurrence;
  const zone = series.timezone;
  const actions: DueAction[] = [];
  if (series.agenda)
    actions.push({ key, kind: 'agenda-request', at: shiftDays(start, -series.agenda.daysBefore, zone) });
  const dayBefore = shiftDays(start, -1, zone);
  if (series.minAttendees !== undefined || series.agenda?.ifEmpty)
    actions.push({ key, kind: 'decision', at: dayBefore });
  actions.push({ key, kind: 'reminder-day', at: dayBefore });
  actions.push({ key, kind: 'reminder-soon', at: new Date(start.getTime() - SOON_LEAD_MS) });
  return actions;
}

/** Actions due in [from, to) across occurrences, in the order to run them (time, then DUE_KINDS order). */
export function dueBetween(
  occurrences: readonly Occurrence[],
  seriesById: ReadonlyMap<string, SeriesSchedule>,
  window: Window,
): DueAction[] {
  const due: DueAction[] = [];
  for (const occurrence of occurrences) {
    const series = seriesById.get(occurrence.seriesId);
    if (!series) continue;
    for (const action of dueActions(occurrence, series)) {
      if (action.at >= window.from && action.at < window.to) due.push(action);
    }
  }
  return due.sort(
    (a, b) =>
      a.at.getTime() - b.at.getTime() ||
      DUE_KINDS.indexOf(a.kind) - DUE_KINDS.indexOf(b.kind) ||
      a.key.localeCompare(b.key),
  );
}

// ---------- showing a time to a person ----------

/**
 * The occurrence's time in the person's own zone (Slack's `tz` from users.info), falling back to the series' zone
 * when Slack gave none or an unknown one. When the two differ, the series' wall-clock start follows so a lead and a
 * member far apart can agree on the time: `Thu 5 Mar 2026, 04:00–05:00 New York time (10:00 Berlin time)`.
 */
export function whenForPerson(
  occurrence: Pick<Occurrence, 'start' | 'end'>,
  seriesZone: string,
  personTz: string | null | undefined,
): string {
  const zone = personZone(personTz, seriesZone);
  const text = formatRange(occurrence.start, occurrence.end, zone);
  if (
    zone === seriesZone ||
    floatingOf(occurrence.start, zone).getTime() === floatingOf(occurrence.start, seriesZone).getTime()
  ) {
    return text;
  }
  const local = floatingOf(occurrence.start, seriesZone).toISOString().slice(11, 16);
  return `${text} (${local} ${zoneLabel(seriesZone)})`;
}
