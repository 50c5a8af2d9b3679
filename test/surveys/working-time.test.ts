import { describe, expect, it } from 'vitest';
import { nextWorkingTime, reminderTime } from '../../src/surveys/working-time.js';

const TZ = 'Europe/Berlin';
const at = (iso: string) => new Date(iso);

describe('survey working time (Europe/Berlin)', () => {
  it('keeps a working day and moves a weekend day or holiday to the next working day, same local time', () => {
    expect(nextWorkingTime(at('2026-11-04T09:00:00Z'), TZ, [])).toEqual(at('2026-11-04T09:00:00Z'));
    expect(nextWorkingTime(at('2026-11-07T09:00:00Z'), TZ, [])).toEqual(at('2026-11-09T09:00:00Z'));
    expect(nextWorkingTime(at('2027-01-01T09:00:00Z'), TZ, ['2027-01-01', '2027-01-04'])).toEqual(
      at('2027-01-05T09:00:00Z'),
    );
    // Saturday 2026-10-24 10:00 CEST (08:00Z) moves to Monday 10:00 CET (09:00Z).
    expect(nextWorkingTime(at('2026-10-24T08:00:00Z'), TZ, [])).toEqual(at('2026-10-26T09:00:00Z'));
    // The local date decides: Saturday 00:30 CET is still Friday 23:30Z.
    expect(nextWorkingTime(at('2026-11-06T23:30:00Z'), TZ, [])).toEqual(at('2026-11-08T23:30:00Z'));
  });

  it('counts reminders in local wall-clock time, across both DST changes', () => {
    const day = 86_400_000;
    expect(reminderTime(at('2026-10-22T08:00:00Z'), 4 * day, TZ, [])).toEqual(at('2026-10-26T09:00:00Z'));
    // Thursday 2026-03-26 10:00 CET + 4d: Monday 2026-03-30 10:00 CEST (08:00Z).
    expect(reminderTime(at('2026-03-26T09:00:00Z'), 4 * day, TZ, [])).toEqual(at('2026-03-30T08:00:00Z'));
    // 36h after Tuesday 10:00 is Wednesday 22:00 local.
    expect(reminderTime(at('2026-11-03T09:00:00Z'), 36 * 3_600_000, TZ, [])).toEqual(at('2026-11-04T21:00:00Z'));
  });
});
