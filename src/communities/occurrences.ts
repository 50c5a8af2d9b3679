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
import type { CommunitiesRepo, OverrideRow } from './repo.js';

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

export function createOccurrences(config: CommunitiesConfig, repo: CommunitiesRepo) {
  const seriesById = new Map(config.series.map((s) => [s.id, s]));
  const communityById = new Map(config.communities.map((c) => [c.id, c]));
  const communityOf = (series: Series): Community => communityById.get(series.community)!;

  async function expand(window: Window, communityId?: string) {
    const series = config.series.filter((s) => !communityId || s.community === communityId);
    const overrides = (await repo.overrides()).map(toOverride);
    return expandAll(series, window, { holidays: config.holidays, overrides });
  }

  const view = (occurrence: Occurrence): OccurrenceView => {
    const series = seriesById.get(occurrence.seriesId)!;
    return { occurrence, series, community: communityOf(series) };
  };

  return {
    seriesById,
    communityById,
    /** Occurrences starting in the window (a moved one by its new start), cancelled ones included. */
    async upcoming(window: Window, communityId?: string): Promise<OccurrenceView[]> {
      return (await expand(window, communityId)).occurrences.map(view);
    },
    async skipped(window: Window, communityId?: string): Promise<SkippedView[]> {
      return (await expand(window, communityId)).skipped.map((s) => {
        const series = seriesById.get(s.seriesId)!;
        return { ...s, series, community: communityOf(series) };
      });
    },
    /** The occurrence a key names, as it stands now; null when the key names none (or a holiday skipped it). */
    async find(key: string): Promise<OccurrenceView | null> {
      const parsed = parseOccurrenceKey(key);
      const series = parsed && seriesById.get(parsed.seriesId);
      if (!parsed || !series || !isOriginalStart(series, parsed.originalStart)) return null;
      const { originalStart } = parsed;
      const override = await repo.override(occurrenceKey(series.id, originalStart));
      const base = { key, seriesId: series.id, originalStart, reason: override?.reason ?? undefined };
      if (override?.kind === 'moved' && override.start) {
        const end = new Date(override.start.getTime() + series.duration);
        return view({ ...base, start: override.start, end, status: 'moved' });
      }
      if (holidayOn(originalStart, series.timezone, series.community, config.holidays)) return null;
      const end = new Date(originalStart.getTime() + series.duration);
      const status = override?.kind === 'cancelled' ? 'cancelled' : 'scheduled';
      return view({ ...base, start: originalStart, end, status });
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
