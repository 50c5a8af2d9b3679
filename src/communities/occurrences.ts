import type { CommunitiesConfig, Community, Series } from './config.js';
import type { OccurrenceDetails, OccurrenceView, SkippedView } from './ports.js';
import {
  expandAll,
  holidayOn,
  isOriginalStart,
  type Occurrence,
  type OccurrenceOverride,
  occurrenceKey,
  parseOccurrenceKey,
  type Window,
} from './recurrence.js';
import type { CommunitiesRepo, EventRow, OverrideRow } from './repo.js';

/**
 * Occurrences as people see them: the configured series expanded with the holidays and the overrides leads stored,
 * and the details (RSVPs, agenda, queue) read from the repo. Part of the communities service.
 */

export function toOverride(row: OverrideRow): OccurrenceOverride {
  const base = { seriesId: row.seriesId, originalStart: row.originalStart, reason: row.reason ?? undefined };
  return row.kind === 'moved' && row.start
    ? { ...base, kind: 'moved', start: row.start }
    : { ...base, kind: 'cancelled' };
}

/** A configured series id cannot hold a dot, so `event.<id>` never collides with one. */
export const EVENT_SERIES_PREFIX = 'event.';

/** A one-off event a lead added: a series without a rule, a meetup with the lead's minimum and agenda days. */
export function eventSeries(row: EventRow): Series {
  return {
    id: `${EVENT_SERIES_PREFIX}${row.id}`,
    community: row.community,
    title: row.title,
    ...(row.description ? { description: row.description } : {}),
    recurrence: null,
    start: row.start,
    duration: row.duration,
    timezone: row.timezone,
    ...(row.location ? { location: row.location } : {}),
    ...(row.link ? { link: row.link } : {}),
    ...(row.capacity !== null ? { capacity: row.capacity } : {}),
    ...(row.minAttendees !== null ? { minAttendees: row.minAttendees } : {}),
    ...(row.agendaDaysBefore !== null ? { agenda: { daysBefore: row.agendaDaysBefore } } : {}),
    kind: 'meetup',
  };
}

export function createOccurrences(config: CommunitiesConfig, repo: CommunitiesRepo) {
  const communityById = new Map(config.communities.map((c) => [c.id, c]));
  const communityOf = (series: Series): Community => communityById.get(series.community)!;

  /** The configured series and the one-off events leads added (whose community is still configured). */
  async function allSeries(): Promise<Series[]> {
    const added = (await repo.events()).filter((e) => communityById.has(e.community)).map(eventSeries);
    return [...config.series, ...added];
  }

  async function seriesById(): Promise<Map<string, Series>> {
    return new Map((await allSeries()).map((s) => [s.id, s]));
  }

  async function expand(window: Window, communityId?: string) {
    const all = await allSeries();
    const series = all.filter((s) => !communityId || s.community === communityId);
    const overrides = (await repo.overrides()).map(toOverride);
    const byId = new Map(all.map((s) => [s.id, s]));
    return { byId, ...expandAll(series, window, { holidays: config.holidays, overrides }) };
  }

  const view = (byId: ReadonlyMap<string, Series>, occurrence: Occurrence): OccurrenceView => {
    const series = byId.get(occurrence.seriesId)!;
    return { occurrence, series, community: communityOf(series) };
  };

  return {
    allSeries,
    seriesById,
    communityById,
    /** Occurrences starting in the window (a moved one by its new start), cancelled ones included. */
    async upcoming(window: Window, communityId?: string): Promise<OccurrenceView[]> {
      const { byId, occurrences } = await expand(window, communityId);
      return occurrences.map((o) => view(byId, o));
    },
    async skipped(window: Window, communityId?: string): Promise<SkippedView[]> {
      const { byId, skipped } = await expand(window, communityId);
      return skipped.map((s) => {
        const series = byId.get(s.seriesId)!;
        return { ...s, series, community: communityOf(series) };
      });
    },
    /** The occurrence a key names, as it stands now; null when the key names none (or a holiday skipped it). */
    async find(key: string): Promise<OccurrenceView | null> {
      const parsed = parseOccurrenceKey(key);
      const byId = await seriesById();
      const series = parsed && byId.get(parsed.seriesId);
      if (!parsed || !series || !isOriginalStart(series, parsed.originalStart)) return null;
      const { originalStart } = parsed;
      const override = await repo.override(occurrenceKey(series.id, originalStart));
      const base = { key, seriesId: series.id, originalStart, reason: override?.reason ?? undefined };
      if (override?.kind === 'moved' && override.start) {
        const end = new Date(override.start.getTime() + series.duration);
        return view(byId, { ...base, start: override.start, end, status: 'moved' });
      }
      if (holidayOn(originalStart, series.timezone, series.community, config.holidays)) return null;
      const end = new Date(originalStart.getTime() + series.duration);
      const status = override?.kind === 'cancelled' ? 'cancelled' : 'scheduled';
      return view(byId, { ...base, start: originalStart, end, status });
    },
    /** The view with its RSVPs, agenda items (or office-hours queue) and capacity. */
    async details(v: OccurrenceView): Promise<OccurrenceDetails> {
      const key = v.occurrence.key;
      const rsvps = await repo.rsvps(key);
      const agenda =
        v.series.kind === 'office-hours'
          ? (await repo.signups(key)).map((s) => ({ userId: s.userId, text: s.topic }))
          : (await repo.agenda(key)).map((a) => ({ userId: a.userId, text: a.text }));
      return {
        ...v,
        going: rsvps.filter((r) => r.status === 'going').map((r) => r.userId),
        waitlist: rsvps.filter((r) => r.status === 'waitlisted').map((r) => r.userId),
        agenda,
        capacity: v.series.capacity ?? null,
      };
    },
  };
}

export type Occurrences = ReturnType<typeof createOccurrences>;
