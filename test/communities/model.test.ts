import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  answerRsvp,
  changeCapacity,
  checkInOpen,
  communityFigures,
  decide,
  goingCount,
  goingList,
  joinQueue,
  leaveQueue,
  queueOrder,
  type RsvpEntry,
  rsvpOpen,
  waitlist,
  waitlistPosition,
} from '../../src/communities/model.js';

const at = (iso: string) => new Date(iso);
const minute = (n: number) => new Date(Date.UTC(2026, 2, 1, 9, n));

/** Answers in order, one minute apart, returning the last result's entries. */
function answers(capacity: number | null, list: [string, boolean][], start: RsvpEntry[] = []): RsvpEntry[] {
  return list.reduce<RsvpEntry[]>(
    (entries, [userId, going], i) => answerRsvp(entries, { userId, going, at: minute(i) }, capacity).entries,
    start,
  );
}
const ids = (entries: RsvpEntry[]) => entries.map((e) => e.userId);

describe('RSVP with a capacity and a waitlist', () => {
  it('fills up to capacity, then waitlists first-come', () => {
    const entries = answers(2, [
      ['ana', true],
      ['ben', true],
      ['cai', true],
      ['dee', true],
    ]);
    expect(ids(goingList(entries))).toEqual(['ana', 'ben']);
    expect(ids(waitlist(entries))).toEqual(['cai', 'dee']);
    expect(waitlistPosition(entries, 'dee')).toBe(2);
    expect(waitlistPosition(entries, 'ana')).toBeNull();
  });

  it('promotes the first on the waitlist when someone going drops, and says so', () => {
    const entries = answers(2, [
      ['ana', true],
      ['ben', true],
      ['cai', true],
      ['dee', true],
    ]);
    const result = answerRsvp(entries, { userId: 'ana', going: false, at: minute(10) }, 2);
    expect(result.status).toBe('not-going');
    expect(result.changes).toEqual([
      { userId: 'ana', from: 'going', to: 'not-going' },
      { userId: 'cai', from: 'waitlisted', to: 'going' },
    ]);
    expect(ids(goingList(result.entries))).toEqual(['ben', 'cai']);
    expect(ids(waitlist(result.entries))).toEqual(['dee']);
  });

  it('someone leaving the waitlist promotes nobody; coming back goes to the end', () => {
    let entries = answers(1, [
      ['ana', true],
      ['ben', true],
      ['cai', true],
    ]);
    const left = answerRsvp(entries, { userId: 'ben', going: false, at: minute(5) }, 1);
    expect(left.changes).toEqual([{ userId: 'ben', from: 'waitlisted', to: 'not-going' }]);
    entries = answerRsvp(left.entries, { userId: 'ben', going: true, at: minute(6) }, 1).entries;
    expect(ids(waitlist(entries))).toEqual(['cai', 'ben']);
  });

  it('answering the same again changes nothing and keeps one’s place', () => {
    const entries = answers(1, [
      ['ana', true],
      ['ben', true],
    ]);
    const again = answerRsvp(entries, { userId: 'ben', going: true, at: minute(9) }, 1);
    expect(again).toEqual({ entries, changes: [], status: 'waitlisted' });
    const declined = answers(1, [['cai', false]]);
    expect(answerRsvp(declined, { userId: 'cai', going: false, at: minute(9) }, 1).changes).toEqual([]);
  });

  it('a lower capacity keeps everyone going and sends new answers to the waitlist', () => {
    const entries = answers(null, [
      ['ana', true],
      ['ben', true],
      ['cai', true],
    ]);
    expect(changeCapacity(entries, 2, minute(5))).toEqual({ entries, changes: [] });
    const late = answerRsvp(entries, { userId: 'dee', going: true, at: minute(6) }, 2);
    expect(late.status).toBe('waitlisted');
    // One leaves: 2 going, capacity 2, so dee still waits.
    const drop = answerRsvp(late.entries, { userId: 'ana', going: false, at: minute(7) }, 2);
    expect(drop.changes).toEqual([{ userId: 'ana', from: 'going', to: 'not-going' }]);
    expect(goingCount(drop.entries)).toBe(2);
    // Another leaves: now there is room.
    const second = answerRsvp(drop.entries, { userId: 'ben', going: false, at: minute(8) }, 2);
    expect(second.changes.at(-1)).toEqual({ userId: 'dee', from: 'waitlisted', to: 'going' });
  });

  it('a higher capacity promotes from the waitlist in order', () => {
    const entries = answers(1, [
      ['ana', true],
      ['ben', true],
      ['cai', true],
      ['dee', true],
    ]);
    const raised = changeCapacity(entries, 3, minute(9));
    expect(raised.changes.map((c) => c.userId)).toEqual(['ben', 'cai']);
    expect(ids(waitlist(raised.entries))).toEqual(['dee']);
    expect(changeCapacity(entries, null, minute(9)).changes.map((c) => c.userId)).toEqual(['ben', 'cai', 'dee']);
  });

  it('a newcomer never passes someone already waiting, even when the stored list has room', () => {
    // Stored state with room and a waitlist (capacity raised without promoting): the waiting person goes first.
    const stored: RsvpEntry[] = [
      { userId: 'ana', status: 'going', at: minute(0) },
      { userId: 'ben', status: 'waitlisted', at: minute(1) },
    ];
    const result = answerRsvp(stored, { userId: 'cai', going: true, at: minute(2) }, 2);
    expect(result.status).toBe('waitlisted');
    expect(result.changes).toEqual([
      { userId: 'cai', from: null, to: 'waitlisted' },
      { userId: 'ben', from: 'waitlisted', to: 'going' },
    ]);
  });

  it('RSVPs close at the start and on a cancelled occurrence', () => {
    const start = at('2026-03-05T09:00:00Z');
    expect(rsvpOpen({ start, status: 'scheduled' }, at('2026-03-05T08:59:59Z'))).toBe(true);
    expect(rsvpOpen({ start, status: 'moved' }, at('2026-03-05T09:00:00Z'))).toBe(false);
    expect(rsvpOpen({ start, status: 'cancelled' }, at('2026-03-01T00:00:00Z'))).toBe(false);
  });

  it("I'm here is open from 15 minutes before the start to the end, never on a cancelled occurrence", () => {
    const o = { start: at('2026-03-05T09:00:00Z'), end: at('2026-03-05T10:00:00Z') };
    expect(checkInOpen({ ...o, status: 'scheduled' }, at('2026-03-05T08:44:59Z'))).toBe(false);
    expect(checkInOpen({ ...o, status: 'scheduled' }, at('2026-03-05T08:45:00Z'))).toBe(true);
    expect(checkInOpen({ ...o, status: 'moved' }, at('2026-03-05T09:59:59Z'))).toBe(true);
    expect(checkInOpen({ ...o, status: 'scheduled' }, at('2026-03-05T10:00:00Z'))).toBe(false);
    expect(checkInOpen({ ...o, status: 'cancelled' }, at('2026-03-05T09:10:00Z'))).toBe(false);
  });
});

describe('waitlist properties', () => {
  const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
  const steps = fc.array(fc.record({ user: fc.constantFrom(...users), going: fc.boolean() }), { maxLength: 60 });

  it('never more going than capacity, and promotion is first-come (against a reference queue)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), steps, (capacity, list) => {
        let entries: RsvpEntry[] = [];
        const going = new Set<string>();
        const waiting: string[] = [];
        list.forEach(({ user, going: yes }, i) => {
          const waitBefore = [...waiting];
          const result = answerRsvp(entries, { userId: user, going: yes, at: minute(i) }, capacity);
          entries = result.entries;
          // Reference: a set of people going and a FIFO queue.
          if (yes && !going.has(user) && !waiting.includes(user)) waiting.push(user);
          if (!yes && waiting.includes(user)) waiting.splice(waiting.indexOf(user), 1);
          if (!yes) going.delete(user);
          const promoted: string[] = [];
          while (going.size < capacity && waiting.length > 0) {
            const next = waiting.shift()!;
            going.add(next);
            if (next !== user) promoted.push(next);
          }
          expect(goingCount(entries)).toBeLessThanOrEqual(capacity);
          expect(new Set(ids(goingList(entries)))).toEqual(going);
          expect(ids(waitlist(entries))).toEqual(waiting);
          const reported = result.changes.filter((c) => c.userId !== user).map((c) => c.userId);
          expect(reported).toEqual(promoted);
          // Everyone promoted came off the front of the waitlist, in order.
          expect(waitBefore.filter((u) => u !== user).slice(0, reported.length)).toEqual(reported);
          if (waiting.length > 0) expect(goingCount(entries)).toBe(capacity);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('a capacity change never drops anyone going, and going never grows while it is over capacity', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        steps,
        steps,
        (before, after, first, second) => {
          let entries = answers(
            before,
            first.map((s) => [s.user, s.going]),
          );
          const goingBefore = new Set(ids(goingList(entries)));
          entries = changeCapacity(entries, after, minute(100)).entries;
          const goingAfter = ids(goingList(entries));
          for (const user of goingBefore) expect(goingAfter).toContain(user);
          second.forEach(({ user, going }, i) => {
            const countBefore = goingCount(entries);
            entries = answerRsvp(entries, { userId: user, going, at: minute(101 + i) }, after).entries;
            if (countBefore >= after) expect(goingCount(entries)).toBeLessThanOrEqual(countBefore);
            else expect(goingCount(entries)).toBeLessThanOrEqual(after);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the T-1 day decision', () => {
  it('calls off an occurrence short of minAttendees, first', () => {
    expect(decide({ going: 2, minAttendees: 3, agendaItems: 0, ifEmpty: 'async' })).toEqual({
      kind: 'cancel',
      reason: 'too-few',
      going: 2,
      needed: 3,
    });
    expect(decide({ going: 3, minAttendees: 3, agendaItems: 0 })).toEqual({ kind: 'go' });
  });

  it('with ifEmpty and no agenda item: cancel or async', () => {
    expect(decide({ going: 5, agendaItems: 0, ifEmpty: 'cancel' })).toEqual({ kind: 'cancel', reason: 'no-agenda' });
    expect(decide({ going: 5, agendaItems: 0, ifEmpty: 'async' })).toEqual({ kind: 'async', reason: 'no-agenda' });
    expect(decide({ going: 0, agendaItems: 1, ifEmpty: 'cancel' })).toEqual({ kind: 'go' });
    expect(decide({ going: 0, agendaItems: 0 })).toEqual({ kind: 'go' });
  });
});

describe('office hours queue', () => {
  it('is first signed up, first seen; signing up again changes the topic and keeps the place', () => {
    let queue = joinQueue([], { userId: 'ana', topic: 'Terraform state', at: minute(3) }).queue;
    const ben = joinQueue(queue, { userId: 'ben', topic: 'CI caching', at: minute(1) });
    expect(ben.position).toBe(1); // signed up earlier (the stored time decides)
    queue = joinQueue(ben.queue, { userId: 'cai', topic: 'Kafka lag', at: minute(5) }).queue;
    const again = joinQueue(queue, { userId: 'ana', topic: 'Terraform imports', at: minute(9) });
    expect(again).toMatchObject({ position: 2, updated: true });
    expect(queueOrder(again.queue).map((e) => `${e.userId}: ${e.topic}`)).toEqual([
      'ben: CI caching',
      'ana: Terraform imports',
      'cai: Kafka lag',
    ]);
    const rejoined = joinQueue(leaveQueue(again.queue, 'ben'), { userId: 'ben', topic: 'CI caching', at: minute(10) });
    expect(queueOrder(rejoined.queue).map((e) => e.userId)).toEqual(['ana', 'cai', 'ben']);
    expect(rejoined.position).toBe(3);
  });
});

describe('figures', () => {
  it('counts members, events held, average going and attendance, agenda items per community', () => {
    const figures = communityFigures({
      communityIds: ['frontend', 'sre', 'books'],
      members: [
        { communityId: 'frontend', userId: 'ana' },
        { communityId: 'frontend', userId: 'ben' },
        { communityId: 'frontend', userId: 'ben' },
        { communityId: 'sre', userId: 'ana' },
      ],
      occurrences: [
        { key: 'f@1', communityId: 'frontend', start: at('2026-03-05T09:00:00Z'), status: 'scheduled' },
        { key: 'f@2', communityId: 'frontend', start: at('2026-03-12T09:00:00Z'), status: 'moved' },
        { key: 'f@3', communityId: 'frontend', start: at('2026-03-19T09:00:00Z'), status: 'cancelled' },
        { key: 'f@4', communityId: 'frontend', start: at('2026-03-26T09:00:00Z'), status: 'scheduled' }, // future
        { key: 's@1', communityId: 'sre', start: at('2026-03-10T09:00:00Z'), status: 'scheduled' },
      ],
      rsvps: [
        { occurrenceKey: 'f@1', userId: 'ana', status: 'going' },
        { occurrenceKey: 'f@1', userId: 'ben', status: 'going' },
        { occurrenceKey: 'f@1', userId: 'cai', status: 'waitlisted' },
        { occurrenceKey: 'f@2', userId: 'ana', status: 'going' },
        { occurrenceKey: 'f@3', userId: 'ana', status: 'going' },
        { occurrenceKey: 'f@4', userId: 'ana', status: 'going' },
        { occurrenceKey: 's@1', userId: 'ana', status: 'not-going' },
      ],
      attendance: [
        { occurrenceKey: 'f@1', userId: 'ana' },
        { occurrenceKey: 'f@1', userId: 'ana' },
        { occurrenceKey: 'f@2', userId: 'ana' },
      ],
      agendaItems: [{ occurrenceKey: 'f@1' }, { occurrenceKey: 'f@1' }, { occurrenceKey: 'f@4' }],
      now: at('2026-03-20T00:00:00Z'),
    });
    expect(figures).toEqual([
      {
        communityId: 'frontend',
        members: 2,
        eventsHeld: 2,
        averageGoing: 1.5,
        averageAttendance: 1,
        agendaItems: 2,
      },
      { communityId: 'sre', members: 1, eventsHeld: 1, averageGoing: 0, averageAttendance: 0, agendaItems: 0 },
      { communityId: 'books', members: 0, eventsHeld: 0, averageGoing: null, averageAttendance: null, agendaItems: 0 },
    ]);
  });

  it('attendance is null when it is not tracked', () => {
    const [figures] = communityFigures({
      communityIds: ['sre'],
      members: [],
      occurrences: [{ key: 's@1', communityId: 'sre', start: at('2026-03-10T09:00:00Z'), status: 'scheduled' }],
      rsvps: [],
      agendaItems: [],
      now: at('2026-03-20T00:00:00Z'),
    });
    expect(figures).toMatchObject({ eventsHeld: 1, averageGoing: 0, averageAttendance: null });
  });
});
