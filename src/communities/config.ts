import { z } from 'zod';
import { HOUR } from '../clock.js';
import { zChannelId, zDuration, zPrincipals, zTimezone } from '../config-fields.js';
import { cronProblem } from '../scheduler/cron.js';
import { firstStartAfter, isOriginalStart } from './recurrence.js';
import { parseRule } from './rule.js';
import { existsInZone, floatingOf, instantOf, isCalendarDate, parseLocalDateTime } from './time.js';

/**
 * The `communities:` section of groundcrew.yml: communities of practice, their event series, the weekly digest,
 * holidays and the welcome message. Every mistake is reported with its path (`communities.series[1].recurrence: …`);
 * references (a series or holiday naming a community) are checked against the communities listed.
 */

export const SERIES_KINDS = ['meetup', 'office-hours'] as const;
export type SeriesKind = (typeof SERIES_KINDS)[number];
export const AGENDA_IF_EMPTY = ['cancel', 'async'] as const;

/** `all` names the feed of every community (`/calendar/all.ics`), so no community may take it. */
export const ALL_COMMUNITIES = 'all';
const MAX_DURATION_MS = 24 * HOUR;

/** Ids appear in URLs (`/calendar/{id}.ics`), button values and occurrence keys (`series@start`). */
const zId = (kind: string) =>
  z.string().superRefine((value, ctx) => {
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `${kind} must be lowercase letters, digits or "-" (starting with a letter, at most 40), got ${JSON.stringify(value)}`,
      });
    }
  });

const zDate = z.string().refine(isCalendarDate, { message: 'expected a date like 2026-12-24' });

/** A cron expression node-cron and cron-parser read alike (the scheduler's own check, src/scheduler/cron.ts). */
const zCron = z.string().superRefine((value, ctx) => {
  const why = cronProblem(value, 'UTC');
  if (why !== null) {
    ctx.addIssue({ code: 'custom', message: `expected a cron expression like "0 9 * * 1" (Mondays at 09:00): ${why}` });
  }
});

export const zCommunity = z.strictObject({
  id: zId('a community id'),
  name: z.string().min(1).max(75),
  description: z.string().min(1).max(1000),
  channel: zChannelId,
  leads: zPrincipals.refine((p) => p.users.length + p.usergroups.length > 0, {
    message: 'name at least one lead (user ID or usergroup ID)',
  }),
});
export type Community = z.infer<typeof zCommunity>;

const zAgenda = z
  .strictObject({
    /** Ask for agenda items this many days before the occurrence (same wall-clock time). */
    daysBefore: z.number().int().min(1).max(30),
    /** If no item arrived by T-1 day: call the occurrence off, or announce it as going async. */
    ifEmpty: z.enum(AGENDA_IF_EMPTY, { message: `expected one of ${AGENDA_IF_EMPTY.join(', ')}` }).optional(),
  })
  .superRefine((agenda, ctx) => {
    if (agenda.ifEmpty && agenda.daysBefore < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['daysBefore'],
        message: `with ifEmpty the agenda must open at least 2 days before (the check is at T-1 day), got ${agenda.daysBefore}`,
      });
    }
  });

export const zSeries = z
  .strictObject({
    id: zId('a series id'),
    community: z.string().min(1),
    title: z.string().min(1).max(150),
    description: z.string().max(1000).optional(),
    /** RFC 5545 RRULE (`FREQ=WEEKLY;INTERVAL=2;BYDAY=TH`); absent for a one-off event. */
    recurrence: z.string().optional(),
    /** The first occurrence in the series' zone: `2026-03-05 10:00`. */
    start: z.string(),
    duration: zDuration('1h or 45m'),
    /** IANA zone of `start`; default `communities.timezone`. */
    timezone: zTimezone.optional(),
    location: z.string().min(1).max(200).optional(),
    link: z.url({ protocol: /^https?$/, message: 'expected a link like https://meet.example.com/frontend' }).optional(),
    capacity: z.number().int().min(1).max(10_000).optional(),
    minAttendees: z.number().int().min(1).max(10_000).optional(),
    kind: z.enum(SERIES_KINDS, { message: `expected one of ${SERIES_KINDS.join(', ')}` }).default('meetup'),
    agenda: zAgenda.optional(),
  })
  .superRefine((series, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (series.duration > MAX_DURATION_MS) issue('duration', 'an event lasts at most 24h');
    if (series.capacity !== undefined && series.minAttendees !== undefined && series.minAttendees > series.capacity) {
      issue('minAttendees', `minAttendees (${series.minAttendees}) is above capacity (${series.capacity})`);
    }
    if (parseLocalDateTime(series.start) === null) {
      issue('start', `expected a local date and time like "2026-03-05 10:00", got ${JSON.stringify(series.start)}`);
    }
    if (series.recurrence !== undefined) {
      const rule = parseRule(series.recurrence);
      if (!rule.ok) issue('recurrence', rule.error);
    }
  });

/** `2026-12-24`, or `{ date, name, communities }` to name it or limit it to some communities. */
const zHoliday = z.preprocess(
  (value) => (typeof value === 'string' ? { date: value } : value),
  z.strictObject(
    {
      date: zDate,
      name: z.string().min(1).max(100).optional(),
      /** Only these communities skip the day; all when absent. */
      communities: z.array(z.string().min(1)).min(1).optional(),
    },
    { error: 'expected a date like 2026-12-24 or { date, name, communities }' },
  ),
);

const zDigest = z.strictObject({
  /** When the weekly digest is posted (cron, read in the team timezone like every job). */
  schedule: zCron,
  /** One digest of every community here; absent: each community's digest goes to its own channel. */
  channel: zChannelId.optional(),
});

const zWelcome = z.strictObject({
  /** DM people who join this channel; absent: people who join the workspace. */
  channel: zChannelId.optional(),
  /** A line above the list of communities. */
  message: z.string().min(1).max(1000).optional(),
});

function checkSeriesTiming(
  series: z.infer<typeof zSeries>,
  zone: string,
  issue: (path: (string | number)[], message: string) => void,
): void {
  const first = parseLocalDateTime(series.start);
  if (!first) return; // reported by the series schema
  if (!existsInZone(first, zone)) {
    issue(['start'], `${series.start} does not exist in ${zone} (the clocks jump forward over it); pick another time`);
    return;
  }
  if (series.recurrence === undefined || !parseRule(series.recurrence).ok) return;
  const timing = { ...series, recurrence: series.recurrence, timezone: zone };
  const startAt = instantOf(first, zone);
  if (isOriginalStart(timing, startAt)) return;
  const next = firstStartAfter(timing, startAt);
  if (next === null) {
    issue(['recurrence'], `the rule gives no occurrence within 5 years of ${series.start}`);
    return;
  }
  const nextText = floatingOf(next, zone).toISOString().slice(0, 16).replace('T', ' ');
  issue(
    ['start'],
    `${series.start} is not an occurrence of the rule ${series.recurrence}; start on the first one (the next is ${nextText})`,
  );
}

/** The `communities:` section of groundcrew.yml. */
export const zCommunitiesConfig = z
  .strictObject({
    /** Default zone for series that name none. */
    timezone: zTimezone.optional(),
    communities: z.array(zCommunity).min(1, { message: 'define at least one community' }),
    series: z.array(zSeries).default([]),
    digest: zDigest.optional(),
    holidays: z.array(zHoliday).default([]),
    welcome: z.preprocess((v) => (v === true ? {} : v === false ? undefined : v), zWelcome.optional()),
  })
  .superRefine((section, ctx) => {
    const ids = section.communities.map((c) => c.id);
    const known = `(known: ${[...new Set(ids)].join(', ')})`;
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) issue(['communities', i, 'id'], `community id "${id}" is used twice`);
      if (id === ALL_COMMUNITIES)
        issue(['communities', i, 'id'], `"${ALL_COMMUNITIES}" is reserved for the feed of every community`);
    });
    const seriesIds = section.series.map((s) => s.id);
    section.series.forEach((series, i) => {
      if (seriesIds.indexOf(series.id) !== i) issue(['series', i, 'id'], `series id "${series.id}" is used twice`);
      if (!ids.includes(series.community)) {
        issue(['series', i, 'community'], `unknown community "${series.community}" ${known}`);
      }
      const zone = series.timezone ?? section.timezone;
      if (!zone) {
        issue(['series', i, 'timezone'], 'name the time zone of this series (or set communities.timezone)');
        return;
      }
      checkSeriesTiming(series, zone, (path, message) => issue(['series', i, ...path], message));
    });
    section.holidays.forEach((holiday, i) => {
      holiday.communities?.forEach((id, j) => {
        if (!ids.includes(id)) issue(['holidays', i, 'communities', j], `unknown community "${id}" ${known}`);
      });
    });
  })
  .transform((section) => ({
    ...section,
    // Every series has a zone once the check above passed.
    series: section.series.map((series) => ({
      ...series,
      recurrence: series.recurrence ?? null,
      timezone: series.timezone ?? section.timezone ?? 'UTC',
    })),
  }));

export type CommunitiesConfig = z.infer<typeof zCommunitiesConfig>;
export type Series = CommunitiesConfig['series'][number];
export type HolidayConfig = CommunitiesConfig['holidays'][number];
