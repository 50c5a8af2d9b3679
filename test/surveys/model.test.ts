import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY, HOUR } from '../../src/clock.js';
import {
  areaBreakdown,
  canCloseWave,
  canStartWave,
  categoryCounts,
  categoryOf,
  closeIsDue,
  closeTime,
  dueReminder,
  npsOf,
  reminderTargets,
  roundedRatio,
  type TallyCell,
  tallyOf,
  trendPoint,
  type Wave,
  waveResults,
  waveState,
} from '../../src/surveys/model.js';

/** Tally cells from plain scores (no area), one answer each. */
const scores = (...values: number[]): TallyCell[] => tallyOf(values.map((score) => ({ score, area: null })));
const nps = (...values: number[]) => npsOf(categoryCounts(scores(...values)));

describe('NPS', () => {
  it('sorts scores into categories at 6/7 and 8/9', () => {
    expect([0, 6, 7, 8, 9, 10].map(categoryOf)).toEqual([
      'detractor',
      'detractor',
      'passive',
      'passive',
      'promoter',
      'promoter',
    ]);
    expect(() => categoryOf(11)).toThrow(RangeError);
    expect(() => categoryOf(7.5)).toThrow(RangeError);
  });

  it('is 100 when all promote, −100 when all detract, 0 when all are passive', () => {
    expect(nps(9, 10, 10, 9)).toBe(100);
    expect(nps(0, 3, 6)).toBe(-100);
    expect(nps(7, 8, 8)).toBe(0);
  });

  it('is % promoters minus % detractors on a mixed wave', () => {
    // 10 answers: promoters 10,10,9,9,9 (5 = 50%), passives 8,7 (2), detractors 6,3,0 (3 = 30%) → 50 − 30 = 20.
    const cells = scores(10, 10, 9, 9, 9, 8, 7, 6, 3, 0);
    expect(categoryCounts(cells)).toEqual({ promoters: 5, passives: 2, detractors: 3, total: 10 });
    expect(npsOf(categoryCounts(cells))).toBe(20);
    // 4 answers: 1 promoter (25%), 3 detractors (75%) → −50.
    expect(nps(10, 5, 6, 2)).toBe(-50);
  });

  it('rounds to a whole number, halves away from zero', () => {
    // 8 answers, 3 promoters and 2 detractors: 100·1/8 = 12.5 → 13; mirrored → −13.
    expect(nps(9, 9, 9, 7, 7, 7, 0, 0)).toBe(13);
    expect(nps(9, 9, 7, 7, 7, 0, 0, 0)).toBe(-13);
    // 3 answers: 2 promoters → 66.67 → 67; 1 promoter → 33.33 → 33.
    expect(nps(10, 10, 8)).toBe(67);
    expect(nps(10, 8, 8)).toBe(33);
    // 6 answers, 1 detractor → −16.67 → −17.
    expect(nps(0, 8, 8, 8, 8, 8)).toBe(-17);
  });

  it('is null for an empty wave', () => {
    expect(npsOf(categoryCounts([]))).toBeNull();
    expect(npsOf({ promoters: 0, passives: 0, detractors: 0, total: 0 })).toBeNull();
  });

  it('stays within −100..100 and matches the float formula to the rounding (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 300 }), (values) => {
        const result = nps(...values)!;
        const p = values.filter((v) => v >= 9).length;
        const d = values.filter((v) => v <= 6).length;
        const exact = (100 * (p - d)) / values.length;
        expect(result).toBeGreaterThanOrEqual(-100);
        expect(result).toBeLessThanOrEqual(100);
        expect(Math.abs(result - exact)).toBeLessThanOrEqual(0.5);
      }),
    );
  });

  it('rounds ratios exactly, without floating-point drift', () => {
    expect(roundedRatio(5, 2)).toBe(3);
    expect(roundedRatio(-5, 2)).toBe(-3);
    expect(roundedRatio(-1, 3)).toBe(0);
    expect(Object.is(roundedRatio(-1, 3), 0)).toBe(true);
    expect(() => roundedRatio(1, 0)).toThrow(RangeError);
  });

  it('counts identified answers into cells per area and score', () => {
    expect(
      tallyOf([
        { score: 9, area: 'CI' },
        { score: 9, area: 'CI' },
        { score: 9, area: null },
      ]),
    ).toEqual([
      { area: 'CI', score: 9, count: 2 },
      { area: null, score: 9, count: 1 },
    ]);
  });
});

const closed = { state: 'closed' as const, comments: [], minGroupSize: 5 };

describe('wave results', () => {
  it('shows nothing while the wave is scheduled or open', () => {
    const cells = scores(10, 10, 10, 10, 10, 10);
    for (const state of ['scheduled', 'open'] as const) {
      expect(waveResults({ ...closed, state, invited: 6, cells, comments: ['great'] })).toEqual({
        shown: false,
        reason: 'not-closed',
      });
    }
  });

  it('divides the response rate by the people the wave reached, and counts the rest as unreachable', () => {
    // 6 in the audience, 2 of them could not be DMed (another app's bot, a deactivated account); 3 answered.
    const results = waveResults({ ...closed, minGroupSize: 3, invited: 6, reached: 4, cells: scores(9, 9, 10) });
    expect(results).toMatchObject({ answers: 3, invited: 6, reached: 4, unreachable: 2, responsePercent: 75 });
    expect(results).toMatchObject({ lowResponse: false });
    // Everyone reachable answered: 100%, not 3 of 6 = 50% flagged.
    const all = waveResults({ ...closed, minGroupSize: 3, invited: 6, reached: 3, cells: scores(9, 9, 10) });
    expect(all).toMatchObject({ reached: 3, unreachable: 3, responsePercent: 100, lowResponse: false });
    // Nobody reached: no rate; never a reached count below the answers.
    expect(waveResults({ ...closed, invited: 2, reached: 0, cells: [] })).toMatchObject({ responsePercent: null });
    expect(waveResults({ ...closed, minGroupSize: 3, invited: 5, reached: 1, cells: scores(9, 9) })).toMatchObject({
      reached: 2,
      responsePercent: 100,
    });
  });

  it('gives counts, NPS, response rate and the change since the last wave', () => {
    const results = waveResults({
      ...closed,
      invited: 16,
      cells: scores(10, 10, 9, 9, 9, 8, 7, 6, 3, 0),
      previousNps: 12,
    });
    expect(results).toMatchObject({
      shown: true,
      answers: 10,
      invited: 16,
      responseRate: 10 / 16,
      responsePercent: 63, // 62.5 → 63
      lowResponse: false,
      enoughAnswers: true,
      counts: { promoters: 5, passives: 2, detractors: 3, total: 10 },
      nps: 20,
      previousNps: 12,
      change: 8,
    });
  });

  it('flags a response rate under 60% (exactly 60% is not flagged)', () => {
    const rate = (answers: number, invited: number) =>
      waveResults({ ...closed, invited, cells: scores(...Array(answers).fill(9)) });
    expect(rate(6, 10)).toMatchObject({ responsePercent: 60, lowResponse: false });
    expect(rate(59, 100)).toMatchObject({ responsePercent: 59, lowResponse: true });
    // 5 of 9 = 55.6% → shown as 56 and flagged.
    expect(rate(5, 9)).toMatchObject({ responsePercent: 56, lowResponse: true });
    expect(rate(0, 0)).toMatchObject({ responseRate: null, responsePercent: null, lowResponse: true });
  });

  it('has no change for the first wave or after a wave without a score', () => {
    const cells = scores(9, 9, 9, 9, 9);
    expect(waveResults({ ...closed, invited: 5, cells })).toMatchObject({ nps: 100, change: null });
    expect(waveResults({ ...closed, invited: 5, cells, previousNps: null })).toMatchObject({ change: null });
    expect(waveResults({ ...closed, invited: 5, cells, previousNps: 100 })).toMatchObject({ change: 0 });
  });

  it('shows only how many answered when the wave has fewer than minGroupSize answers', () => {
    const results = waveResults({ ...closed, invited: 10, cells: scores(0, 10, 10, 10), comments: ['mine'] });
    expect(results).toEqual({
      shown: true,
      answers: 4,
      invited: 10,
      reached: 10,
      unreachable: 0,
      responseRate: 0.4,
      responsePercent: 40,
      lowResponse: true,
      enoughAnswers: false,
      counts: null,
      nps: null,
      previousNps: null,
      change: null,
      areas: [],
      hiddenAreas: 0,
      comments: [],
    });
    const empty = waveResults({ ...closed, invited: 10, cells: [], previousNps: 40 });
    expect(empty).toMatchObject({ answers: 0, nps: null, change: null, previousNps: 40 });
  });

  it('shows comments only with minGroupSize answers, sorted so their order tells nothing', () => {
    const comments = ['  slow CI ', 'Docs are great', '', 'better alerts'];
    const five = waveResults({ ...closed, invited: 5, cells: scores(1, 2, 3, 4, 5), comments });
    expect(five.shown && five.comments).toEqual(['better alerts', 'Docs are great', 'slow CI']);
    const four = waveResults({ ...closed, invited: 5, cells: scores(1, 2, 3, 4), comments });
    expect(four.shown && four.comments).toEqual([]);
  });

  it('gives one trend point per wave, a gap where there is no score', () => {
    const results = waveResults({ ...closed, invited: 8, cells: scores(9, 9, 9, 9, 0) });
    expect(trendPoint('W3', results)).toEqual({ wave: 'W3', nps: 60, responsePercent: 63 });
    expect(trendPoint('W4', waveResults({ ...closed, invited: 8, cells: scores(9) }))).toEqual({
      wave: 'W4',
      nps: null,
      responsePercent: 13,
    });
    expect(trendPoint('W5', { shown: false, reason: 'not-closed' })).toEqual({
      wave: 'W5',
      nps: null,
      responsePercent: null,
    });
  });
});

/** `n` answers in `area`, all with `score`. */
const area = (name: string | null, n: number, score = 9): TallyCell => ({ area: name, score, count: n });

describe('per-area breakdown (group suppression)', () => {
  it('shows areas with at least minGroupSize answers, largest first, with their own NPS', () => {
    const cells = [area('CI', 4, 10), area('CI', 2, 0), area('docs', 5, 8), area(null, 5)];
    expect(areaBreakdown(cells, 5)).toEqual({
      areas: [
        { area: 'CI', counts: { promoters: 4, passives: 0, detractors: 2, total: 6 }, nps: 33 },
        { area: 'docs', counts: { promoters: 0, passives: 5, detractors: 0, total: 5 }, nps: 0 },
      ],
      hiddenAreas: 0,
    });
  });

  it('hides an area under minGroupSize, and a shown one too when the hidden rest could be subtracted out', () => {
    // CI 8, docs 6, deploys 2: hiding deploys alone leaves a rest of 2 = total − CI − docs, so docs is hidden too.
    expect(areaBreakdown([area('CI', 8), area('docs', 6), area('deploys', 2)], 5)).toMatchObject({
      areas: [{ area: 'CI' }],
      hiddenAreas: 2,
    });
    // With 3 more answers without an area the rest is 5, a group big enough to stand on its own.
    expect(areaBreakdown([area('CI', 8), area('docs', 6), area('deploys', 2), area(null, 3)], 5)).toMatchObject({
      areas: [{ area: 'CI' }, { area: 'docs' }],
      hiddenAreas: 1,
    });
    // Two areas of 5 and a lone answer elsewhere: one of the two (the later name) joins the rest, which is then 6.
    expect(areaBreakdown([area('CI', 5), area('docs', 5), area('deploys', 1)], 5)).toMatchObject({
      areas: [{ area: 'CI' }],
      hiddenAreas: 2,
    });
    // One area of 5 and a lone answer without an area: nothing can be shown apart from the wave as a whole.
    expect(areaBreakdown([area('CI', 5), area(null, 1)], 5)).toEqual({ areas: [], hiddenAreas: 1 });
  });

  it('never leaves a rest of 1..minGroupSize−1 answers next to shown areas (property)', () => {
    const cell = fc.record({
      area: fc.constantFrom('CI', 'docs', 'deploys', 'support', null),
      score: fc.integer({ min: 0, max: 10 }),
      count: fc.integer({ min: 0, max: 9 }),
    });
    fc.assert(
      fc.property(fc.array(cell, { maxLength: 30 }), fc.integer({ min: 3, max: 8 }), (cells, k) => {
        const { areas } = areaBreakdown(cells, k);
        const total = categoryCounts(cells).total;
        const rest = total - areas.reduce((sum, a) => sum + a.counts.total, 0);
        for (const a of areas) expect(a.counts.total).toBeGreaterThanOrEqual(k);
        if (areas.length > 0) expect(rest === 0 || rest >= k).toBe(true);
      }),
    );
  });

  it('gives no areas when the wave itself is under minGroupSize', () => {
    const results = waveResults({ ...closed, invited: 9, cells: [area('CI', 4)], minGroupSize: 3 });
    expect(results).toMatchObject({ enoughAnswers: true, areas: [{ area: 'CI' }] });
    expect(waveResults({ ...closed, invited: 9, cells: [area('CI', 4)] })).toMatchObject({ areas: [] });
  });
});

describe('reminder targeting', () => {
  it('reaches the invited minus who answered minus who opted out, sorted', () => {
    const invited = new Set(['U5', 'U1', 'U3', 'U2', 'U4']);
    expect(reminderTargets(invited, new Set(['U2', 'U9']), new Set(['U4']))).toEqual(['U1', 'U3', 'U5']);
    expect(reminderTargets(invited, new Set(invited), new Set())).toEqual([]);
  });

  it('gives the same list whatever order people answered in (property)', () => {
    const ids = fc.uniqueArray(
      fc.integer({ min: 1, max: 60 }).map((n) => `U${n}`),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(ids, ids, ids, (invited, answered, optedOut) => {
        const targets = reminderTargets(new Set(invited), new Set(answered), new Set(optedOut));
        const reversed = reminderTargets(new Set(invited), new Set([...answered].reverse()), new Set(optedOut));
        expect(reversed).toEqual(targets);
        for (const id of targets) {
          expect(invited.includes(id) && !answered.includes(id) && !optedOut.includes(id)).toBe(true);
        }
        expect(targets.length).toBe(invited.filter((id) => !answered.includes(id) && !optedOut.includes(id)).length);
      }),
    );
  });
});

const opens = new Date('2026-03-02T09:00:00Z');
const wave = (over: Partial<Wave> = {}): Wave => ({
  opensAt: opens,
  closesAt: new Date(opens.getTime() + 7 * DAY),
  closedAt: null,
  ...over,
});
const at = (ms: number) => new Date(opens.getTime() + ms);

describe('reminders over time', () => {
  const reminders = [3 * DAY, 5 * DAY];

  it('sends each reminder once when its time comes', () => {
    expect(dueReminder(wave(), reminders, 0, at(3 * DAY - 1))).toEqual({ send: false, sentAfter: 0 });
    expect(dueReminder(wave(), reminders, 0, at(3 * DAY))).toEqual({ send: true, sentAfter: 1 });
    expect(dueReminder(wave(), reminders, 1, at(4 * DAY))).toEqual({ send: false, sentAfter: 1 });
    expect(dueReminder(wave(), reminders, 1, at(5 * DAY))).toEqual({ send: true, sentAfter: 2 });
    expect(dueReminder(wave(), reminders, 2, at(6 * DAY))).toEqual({ send: false, sentAfter: 2 });
  });

  it('sends one reminder, not two, after a pause that missed both', () => {
    expect(dueReminder(wave(), reminders, 0, at(6 * DAY))).toEqual({ send: true, sentAfter: 2 });
  });

  it('sends none once the wave no longer takes answers or is closed', () => {
    expect(dueReminder(wave({ closesAt: at(4 * DAY) }), reminders, 1, at(5 * DAY))).toEqual({
      send: false,
      sentAfter: 1,
    });
    expect(dueReminder(wave({ closedAt: at(2 * DAY) }), reminders, 0, at(3 * DAY)).send).toBe(false);
  });
});

describe('wave state', () => {
  it('goes scheduled → open → closed', () => {
    expect(waveState(wave(), at(-1))).toBe('scheduled');
    expect(waveState(wave(), at(0))).toBe('open');
    expect(waveState(wave(), at(10 * DAY))).toBe('open'); // past its close time until it is closed
    expect(waveState(wave({ closedAt: at(7 * DAY) }), at(7 * DAY))).toBe('closed');
  });

  it('closes openFor after opening, or at the next scheduled start if that is earlier', () => {
    expect(closeTime(opens, 7 * DAY)).toEqual(at(7 * DAY));
    expect(closeTime(opens, 7 * DAY, at(7 * DAY - HOUR))).toEqual(at(7 * DAY - HOUR));
    expect(closeTime(opens, 7 * DAY, at(14 * DAY))).toEqual(at(7 * DAY));
    expect(closeTime(opens, 7 * DAY, opens)).toEqual(at(7 * DAY)); // "next" start that is this one is ignored
  });

  it('knows when the close is due', () => {
    expect(closeIsDue(wave(), at(7 * DAY - 1))).toBe(false);
    expect(closeIsDue(wave(), at(7 * DAY))).toBe(true);
    expect(closeIsDue(wave({ closedAt: at(7 * DAY) }), at(8 * DAY))).toBe(false);
  });

  it('starts a new wave only when the last is closed, or closes a due one first', () => {
    expect(canStartWave(null, at(0))).toEqual({ ok: true, closeLatestFirst: false });
    expect(canStartWave(wave({ closedAt: at(DAY) }), at(2 * DAY))).toEqual({ ok: true, closeLatestFirst: false });
    expect(canStartWave(wave(), at(7 * DAY))).toEqual({ ok: true, closeLatestFirst: true });
    expect(canStartWave(wave(), at(DAY))).toEqual({
      ok: false,
      message: 'the current wave is still open; close it first',
    });
  });

  it('closes only an open wave', () => {
    expect(canCloseWave(wave(), at(DAY))).toEqual({ ok: true });
    expect(canCloseWave(wave(), at(-1))).toEqual({ ok: false, message: 'this wave has not opened yet' });
    expect(canCloseWave(wave({ closedAt: at(DAY) }), at(2 * DAY))).toEqual({
      ok: false,
      message: 'this wave is already closed',
    });
  });
});
