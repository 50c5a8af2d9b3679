import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY } from '../../src/clock.js';
import {
  ALWAYS,
  type BusinessSchedule,
  businessMsBetween,
  dueAt,
  isOpen,
  nextOpening,
  type Pause,
  type Schedule,
} from '../../src/support/business-time.js';

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe', // a 30-minute DST change
  'Asia/Kolkata',
  'America/St_Johns',
  'Pacific/Chatham',
];

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

const businessSchedule: fc.Arbitrary<BusinessSchedule> = fc
  .record({
    days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
    start: fc.integer({ min: 0, max: 95 }).map((q) => q * 15),
    length: fc.integer({ min: 1, max: 96 }).map((q) => q * 15),
    timezone: fc.constantFrom(...ZONES),
    holidays: fc.array(
      fc.integer({ min: 0, max: 400 }).map((n) => new Date(Date.UTC(2026, 0, 1) + n * DAY).toISOString().slice(0, 10)),
      { maxLength: 8 },
    ),
  })
  .map(({ days, start, length, timezone, holidays }) => ({
    kind: 'business' as const,
    days,
    start: hhmm(start),
    end: hhmm(Math.min(start + length, 24 * 60)),
    timezone,
    holidays,
  }));

const schedule: fc.Arbitrary<Schedule> = fc.oneof(
  { weight: 6, arbitrary: businessSchedule },
  { weight: 1, arbitrary: fc.constant(ALWAYS) },
);

const START = Date.UTC(2026, 0, 1);
const instant = fc.integer({ min: START, max: START + 330 * DAY }).map((ms) => new Date(ms));
const span = fc.integer({ min: 0, max: 40 * DAY });
const pauses: fc.Arbitrary<Pause[]> = fc.array(
  fc.tuple(instant, fc.integer({ min: 0, max: 5 * DAY })).map(([from, length]) => ({
    from,
    to: new Date(from.getTime() + length),
  })),
  { maxLength: 3 },
);

const plus = (date: Date, ms: number) => new Date(date.getTime() + ms);

describe('business time properties', () => {
  it('is never negative and never exceeds wall time', () => {
    fc.assert(
      fc.property(schedule, instant, fc.integer({ min: -5 * DAY, max: 40 * DAY }), pauses, (s, from, length, p) => {
        const ms = businessMsBetween(s, from, plus(from, length), p);
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThanOrEqual(Math.max(0, length));
      }),
    );
  });

  it('adds up over a split point', () => {
    fc.assert(
      fc.property(schedule, instant, span, span, pauses, (s, a, ab, bc, p) => {
        const b = plus(a, ab);
        const c = plus(b, bc);
        expect(businessMsBetween(s, a, c, p)).toBe(businessMsBetween(s, a, b, p) + businessMsBetween(s, b, c, p));
      }),
    );
  });

  it('dueAt(start, elapsed(start, x)) is no later than x and has the same elapsed time', () => {
    fc.assert(
      fc.property(schedule, instant, span, pauses, (s, start, length, p) => {
        const x = plus(start, length);
        const elapsed = businessMsBetween(s, start, x, p);
        const due = dueAt(s, start, elapsed, p);
        expect(due.getTime()).toBeLessThanOrEqual(x.getTime());
        expect(businessMsBetween(s, start, due, p)).toBe(elapsed);
      }),
    );
  });

  it('elapsed(start, dueAt(start, n)) is n, and dueAt grows with n', () => {
    fc.assert(
      fc.property(
        schedule,
        instant,
        fc.integer({ min: 0, max: 10 * DAY }),
        fc.integer({ min: 0, max: DAY }),
        pauses,
        (s, start, n, more, p) => {
          const due = dueAt(s, start, n, p);
          expect(businessMsBetween(s, start, due, p)).toBe(n);
          expect(dueAt(s, start, n + more, p).getTime()).toBeGreaterThanOrEqual(due.getTime());
        },
      ),
    );
  });

  it('isOpen agrees with the count, and nextOpening is the first open instant', () => {
    fc.assert(
      fc.property(schedule, instant, (s, at) => {
        expect(isOpen(s, at)).toBe(businessMsBetween(s, at, plus(at, 1)) === 1);
        const next = nextOpening(s, at);
        expect(next.getTime()).toBeGreaterThanOrEqual(at.getTime());
        expect(isOpen(s, next)).toBe(true);
        expect(businessMsBetween(s, at, next)).toBe(0);
      }),
    );
  });
});
