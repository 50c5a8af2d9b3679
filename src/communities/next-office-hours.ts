import type { Database } from '../db/database.js';
import type { CommunitiesConfig } from './config.js';
import { createOccurrences, type Occurrences } from './occurrences.js';
import type { NextOfficeHours, NextOfficeHoursPort } from './ports.js';
import { createCommunitiesRepo } from './repo.js';

export type { NextOfficeHours, NextOfficeHoursPort };

const AHEAD_MS = 60 * 86_400_000;

/**
 * "The next office hours" for another capability (support's tier-3 hand-off): built from the `communities:`
 * section and the database alone, so a capability can make one from the core. Null without office hours configured
 * or none in the next 60 days; a called-off occurrence is passed over, a moved one counts at its new time.
 */
export function nextOfficeHoursFrom(config: CommunitiesConfig | undefined, db: Database): NextOfficeHoursPort {
  if (!config) return async () => null;
  return createNextOfficeHours(config, createOccurrences(config, createCommunitiesRepo(db)));
}

/** The same over occurrences the caller already has (the communities service). */
export function createNextOfficeHours(config: CommunitiesConfig, occurrences: Occurrences): NextOfficeHoursPort {
  if (!config.series.some((s) => s.kind === 'office-hours')) return async () => null;
  return async (now) => {
    const views = await occurrences.upcoming({ from: now, to: new Date(now.getTime() + AHEAD_MS) });
    const next = views.find((v) => v.series.kind === 'office-hours' && v.occurrence.status !== 'cancelled');
    if (!next) return null;
    return {
      occurrenceKey: next.occurrence.key,
      title: next.series.title,
      communityId: next.community.id,
      channel: next.community.channel,
      start: next.occurrence.start,
      end: next.occurrence.end,
      link: next.series.link ?? null,
    };
  };
}
