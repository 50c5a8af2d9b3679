import { DateTime } from 'luxon';
import type { RotationConfig } from './config.js';
import type { TicketState } from './model.js';

/** Pure rules for turning messages into tickets: priority from keywords, the merge window, who is on duty. */

// ---------- priority from keywords ----------

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/\s+/g, ' ');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `phrase` occurs in `text` as whole words ("blocked" matches "I'm blocked!", not "unblocked"). */
export function containsPhrase(text: string, phrase: string): boolean {
  const words = normalise(phrase).trim().split(' ').map(escapeRegExp).join('\\s+');
  if (!words) return false;
  return new RegExp(`(^|[^\\p{L}\\p{N}])${words}(?=$|[^\\p{L}\\p{N}])`, 'u').test(normalise(text));
}

export interface PrioritySuggestion {
  priority: string;
  /** The keyword that chose it; null when the default applies. */
  keyword: string | null;
}

/**
 * The priority a question's words suggest: the most urgent priority (first listed) with a keyword in the text,
 * else `fallback`. Case-insensitive, whole words, any whitespace between a phrase's words.
 */
export function suggestPriority(
  text: string,
  priorities: readonly { id: string; keywords: readonly string[] }[],
  fallback: string,
): PrioritySuggestion {
  for (const priority of priorities) {
    const keyword = priority.keywords.find((k) => containsPhrase(text, k));
    if (keyword !== undefined) return { priority: priority.id, keyword };
  }
  return { priority: fallback, keyword: null };
}

// ---------- the merge window ----------

export const MERGE_WINDOW_MS = 2 * 60_000;

export interface RecentTicket {
  id: string;
  askerId: string;
  channelId: string;
  state: TicketState;
  /** The latest top-level message that opened or joined the ticket. */
  lastMessageAt: Date;
}

/**
 * The ticket a new top-level message joins, or null for a new ticket: the same person's latest unresolved ticket in
 * the same channel whose last message is at most 2 minutes older. The window runs from the last joined message, so
 * a burst of short messages makes one ticket.
 */
export function mergeTarget(
  recent: readonly RecentTicket[],
  message: { userId: string; channelId: string; at: Date },
): string | null {
  let best: RecentTicket | null = null;
  for (const ticket of recent) {
    if (ticket.askerId !== message.userId || ticket.channelId !== message.channelId) continue;
    if (ticket.state === 'resolved') continue;
    const gap = message.at.getTime() - ticket.lastMessageAt.getTime();
    if (gap < 0 || gap > MERGE_WINDOW_MS) continue;
    if (!best || ticket.lastMessageAt > best.lastMessageAt) best = ticket;
  }
  return best?.id ?? null;
}

// ---------- who is on duty ----------

const DEFAULT_ROTATION_START = '2024-01-01';

/**
 * The person on duty at `at` in a weekly rotation: people[0] from the first hand-off on or after `startsOn`
 * (default 2024-01-01), the next one at each weekly hand-off (local time in the rotation's zone, else `zone`).
 * Before the first hand-off the last person is on duty.
 */
export function onDutyAt(rotation: RotationConfig, zone: string, at: Date): string {
  return dutyPeriodAt(rotation, zone, at).person;
}

/** Who is on duty at `at`, and the hand-offs around it: the same person from `from` (inclusive) to `until`. */
export interface DutyPeriod {
  person: string;
  /** The hand-off at or before `at`, epoch ms. */
  from: number;
  /** The next hand-off, epoch ms. */
  until: number;
}

export function dutyPeriodAt(rotation: RotationConfig, zone: string, at: Date): DutyPeriod {
  const tz = rotation.timezone ?? zone;
  const [hour, minute] = rotation.handoff.time.split(':').map(Number);
  const handoffOn = (date: DateTime) =>
    DateTime.fromObject({ year: date.year, month: date.month, day: date.day, hour, minute }, { zone: tz });
  // Calendar arithmetic on plain dates (UTC) so DST never shifts a day.
  const anchor = DateTime.fromISO(rotation.startsOn ?? DEFAULT_ROTATION_START, { zone: 'utc' });
  const first = anchor.plus({ days: (rotation.handoff.day - anchor.weekday + 7) % 7 });
  const local = DateTime.fromJSDate(at, { zone: tz });
  let last = DateTime.fromObject({ year: local.year, month: local.month, day: local.day }, { zone: 'utc' });
  last = last.minus({ days: (last.weekday - rotation.handoff.day + 7) % 7 });
  let from = handoffOn(last).toMillis();
  if (from > at.getTime()) {
    last = last.minus({ days: 7 });
    from = handoffOn(last).toMillis();
  }
  const weeks = Math.round(last.diff(first, 'days').days / 7);
  const n = rotation.people.length;
  return { person: rotation.people[((weeks % n) + n) % n]!, from, until: handoffOn(last.plus({ days: 7 })).toMillis() };
}

/**
 * onDutyAt that remembers the current week: luxon's zone arithmetic costs more than the rest of a support
 * question's tier-1 reply (bench/README.md), and the answer only changes at a hand-off.
 */
export function dutyLookup(rotation: RotationConfig, zone: string): (at: Date) => string {
  let known: DutyPeriod | undefined;
  return (at) => {
    const t = at.getTime();
    if (!known || t < known.from || t >= known.until) known = dutyPeriodAt(rotation, zone, at);
    return known.person;
  };
}

// ---------- retention ----------

/** Question and answer text from before this instant is removed; figures stay. */
export function textCutoff(now: Date, retainTextForMs: number): Date {
  return new Date(now.getTime() - retainTextForMs);
}
