import { DateTime, IANAZone } from 'luxon';

/** Local-time helpers shared by the deploys config and freeze rules (no other imports, so no cycles). */

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A local date-time from config (`2026-12-24 18:00`, `2026-12-24T18:00`, `2026-12-24`) in `zone`; null if invalid. */
export function parseLocal(text: string, zone: string): DateTime | null {
  if (!IANAZone.isValidZone(zone)) return null;
  const parsed = DateTime.fromISO(text.replace(' ', 'T'), { zone });
  return parsed.isValid ? parsed : null;
}
