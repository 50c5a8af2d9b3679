import type { Occurrence, OccurrenceStatus } from './recurrence.js';

/**
 * Pure rules of communities: RSVPs with a capacity and a first-come waitlist, the T-1 day decision (minAttendees,
 * empty agenda), the office-hours queue, and the figures. Everything takes and returns plain arrays; the repo stores
 * them and the service decides who hears about a change.
 */

// ---------- RSVP ----------

export type RsvpStatus = 'going' | 'waitlisted' | 'not-going';

export interface RsvpEntry {
  userId: string;
  status: RsvpStatus;
  /** When the person took this status; the waitlist is in this order (ties: the order of the list). */
  at: Date;
}

export interface RsvpChange {
  userId: string;
  from: RsvpStatus | null;
  to: RsvpStatus;
}

export interface RsvpResult {
  entries: RsvpEntry[];
  /** The answering person's change first (if any), then everyone promoted, in promotion order. */
  changes: RsvpChange[];
  /** Where the answering person stands now. */
  status: RsvpStatus;
}

/** Capacity null = no limit. */
export type Capacity = number | null;

export function goingCount(entries: readonly RsvpEntry[]): number {
  return entries.filter((e) => e.status === 'going').length;
}

function byTime<T extends { at: Date }>(list: readonly T[]): T[] {
  return list
    .map((item, index) => ({ item, index }))
    .sort((a, b) => a.item.at.getTime() - b.item.at.getTime() || a.index - b.index)
    .map(({ item }) => item);
}

export function goingList(entries: readonly RsvpEntry[]): RsvpEntry[] {
  return byTime(entries.filter((e) => e.status === 'going'));
}

/** The waitlist, first come first. */
export function waitlist(entries: readonly RsvpEntry[]): RsvpEntry[] {
  return byTime(entries.filter((e) => e.status === 'waitlisted'));
}

/** 1-based place on the waitlist, or null when the person is not on it. */
export function waitlistPosition(entries: readonly RsvpEntry[], userId: string): number | null {
  const index = waitlist(entries).findIndex((e) => e.userId === userId);
  return index === -1 ? null : index + 1;
}

export function hasRoom(entries: readonly RsvpEntry[], capacity: Capacity): boolean {
  return capacity === null || goingCount(entries) < capacity;
}

/** Moves people from the waitlist to going, first come first, while there is room. */
function promote(entries: RsvpEntry[], capacity: Capacity, at: Date): { entries: RsvpEntry[]; changes: RsvpChange[] } {
  const changes: RsvpChange[] = [];
  let current = entries;
  for (const next of waitlist(current)) {
    if (!hasRoom(current, capacity)) break;
    current = current.map((e) => (e.userId === next.userId ? { userId: e.userId, status: 'going', at } : e));
    changes.push({ userId: next.userId, from: 'waitlisted', to: 'going' });
  }
  return { entries: current, changes };
}

/**
 * Going / Not going from one person. Going joins when there is room, else the end of the waitlist; answering
 * Going again keeps one's place. Not going frees the place, and the waitlist moves up first-come while there is
 * room. A capacity lowered below those going keeps them all: nobody is dropped, and new Going answers wait until
 * enough people leave.
 */
export function answerRsvp(
  entries: readonly RsvpEntry[],
  answer: { userId: string; going: boolean; at: Date },
  capacity: Capacity,
): RsvpResult {
  const existing = entries.find((e) => e.userId === answer.userId);
  const from = existing?.status ?? null;
  if (answer.going && (from === 'going' || from === 'waitlisted')) {
    return { entries: [...entries], changes: [], status: from };
  }
  if (!answer.going && from === 'not-going') return { entries: [...entries], changes: [], status: from };
  // The answer joins the end of the list (equal times keep arrival order); Going starts on the waitlist and the
  // waitlist then moves up first-come, so nobody can pass someone already waiting.
  const others = entries.filter((e) => e.userId !== answer.userId);
  const placed: RsvpEntry = { userId: answer.userId, status: answer.going ? 'waitlisted' : 'not-going', at: answer.at };
  const promoted = promote([...others, placed], capacity, answer.at);
  const status = promoted.entries.find((e) => e.userId === answer.userId)?.status ?? placed.status;
  const own: RsvpChange = { userId: answer.userId, from, to: status };
  const moved = promoted.changes.filter((c) => c.userId !== answer.userId);
  return { entries: promoted.entries, changes: [own, ...moved], status };
}

/** A lead changes the capacity: a higher one promotes from the waitlist; a lower one drops nobody. */
export function changeCapacity(
  entries: readonly RsvpEntry[],
  capacity: Capacity,
  at: Date,
): { entries: RsvpEntry[]; changes: RsvpChange[] } {
  return promote([...entries], capacity, at);
}

/** RSVPs are open until the occurrence starts, and never on a cancelled one. */
export function rsvpOpen(occurrence: Pick<Occurrence, 'start' | 'status'>, now: Date): boolean {
  return occurrence.status !== 'cancelled' && now < occurrence.start;
}

/** "I'm here" opens 15 minutes before the start (with the last reminder) and closes at the end. */
export const CHECK_IN_OPENS_MS = 15 * 60_000;

export function checkInOpen(occurrence: Pick<Occurrence, 'start' | 'end' | 'status'>, now: Date): boolean {
  return (
    occurrence.status !== 'cancelled' &&
    now.getTime() >= occurrence.start.getTime() - CHECK_IN_OPENS_MS &&
    now < occurrence.end
  );
}

// ---------- the T-1 day decision ----------

export type Decision =
  | { kind: 'go' }
  | { kind: 'cancel'; reason: 'too-few'; going: number; needed: number }
  | { kind: 'cancel'; reason: 'no-agenda' }
  | { kind: 'async'; reason: 'no-agenda' };

/**
 * At T-1 day: short of `minAttendees` → called off; else, with `ifEmpty` and no agenda item (for office hours, no one
 * in the queue) → called off or announced as going async. Too few people is checked first: it calls off even when
 * the agenda would only make it async.
 */
export function decide(input: {
  going: number;
  minAttendees?: number | undefined;
  agendaItems: number;
  ifEmpty?: 'cancel' | 'async' | undefined;
}): Decision {
  if (input.minAttendees !== undefined && input.going < input.minAttendees) {
    return { kind: 'cancel', reason: 'too-few', going: input.going, needed: input.minAttendees };
  }
  if (input.ifEmpty && input.agendaItems === 0) {
    return input.ifEmpty === 'cancel'
      ? { kind: 'cancel', reason: 'no-agenda' }
      : { kind: 'async', reason: 'no-agenda' };
  }
  return { kind: 'go' };
}

// ---------- office hours as a queue ----------

export interface QueueEntry {
  userId: string;
  /** What they want to discuss. */
  topic: string;
  /** When they signed up: the queue is in this order. */
  at: Date;
}

/** The queue in the order people are seen: first signed up, first seen (ties: the order of the list). */
export function queueOrder(queue: readonly QueueEntry[]): QueueEntry[] {
  return byTime(queue);
}

/**
 * Signs a person up. One place per person: signing up again changes the topic and keeps the place; leaving and
 * signing up again goes to the end.
 */
export function joinQueue(
  queue: readonly QueueEntry[],
  entry: QueueEntry,
): { queue: QueueEntry[]; position: number; updated: boolean } {
  const existing = queue.find((e) => e.userId === entry.userId);
  const next = existing
    ? queue.map((e) => (e.userId === entry.userId ? { ...e, topic: entry.topic } : e))
    : [...queue, entry];
  const position = queueOrder(next).findIndex((e) => e.userId === entry.userId) + 1;
  return { queue: next, position, updated: existing !== undefined };
}

export function leaveQueue(queue: readonly QueueEntry[], userId: string): QueueEntry[] {
  return queue.filter((e) => e.userId !== userId);
}

// ---------- figures ----------

export interface FigureInputs {
  communityIds: readonly string[];
  /** Channel members per community (a person in two communities counts in both). */
  members: readonly { communityId: string; userId: string }[];
  occurrences: readonly { key: string; communityId: string; start: Date; status: OccurrenceStatus }[];
  rsvps: readonly { occurrenceKey: string; userId: string; status: RsvpStatus }[];
  /** Who was there, when it was recorded; leave out when attendance is not tracked. */
  attendance?: readonly { occurrenceKey: string; userId: string }[];
  agendaItems: readonly { occurrenceKey: string }[];
  now: Date;
}

export interface CommunityFigures {
  communityId: string;
  members: number;
  /** Occurrences that started before `now` and were not cancelled. */
  eventsHeld: number;
  /** People going per event held, one decimal; null with no event held. */
  averageGoing: number | null;
  /** People there per event held, one decimal; null with no event held or no attendance given. */
  averageAttendance: number | null;
  /** Agenda items (office-hours sign-ups included) on the events held. */
  agendaItems: number;
}

const oneDecimal = (value: number) => Math.round(value * 10) / 10;

function countBy<T>(list: readonly T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of list) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
}

export function communityFigures(input: FigureInputs): CommunityFigures[] {
  const going = countBy(
    input.rsvps.filter((r) => r.status === 'going'),
    (r) => r.occurrenceKey,
  );
  const attended = input.attendance
    ? countBy(
        [...new Map(input.attendance.map((a) => [`${a.occurrenceKey} ${a.userId}`, a])).values()],
        (a) => a.occurrenceKey,
      )
    : null;
  const agenda = countBy(input.agendaItems, (a) => a.occurrenceKey);
  return input.communityIds.map((communityId) => {
    const held = input.occurrences.filter(
      (o) => o.communityId === communityId && o.status !== 'cancelled' && o.start < input.now,
    );
    const members = new Set(input.members.filter((m) => m.communityId === communityId).map((m) => m.userId)).size;
    const sum = (counts: Map<string, number>) => held.reduce((total, o) => total + (counts.get(o.key) ?? 0), 0);
    return {
      communityId,
      members,
      eventsHeld: held.length,
      averageGoing: held.length ? oneDecimal(sum(going) / held.length) : null,
      averageAttendance: held.length && attended ? oneDecimal(sum(attended) / held.length) : null,
      agendaItems: sum(agenda),
    };
  });
}
