import { describe, expect, it } from 'vitest';
import { DAY } from '../../src/clock.js';
import { MICRO_PULSE_COOLDOWN_MS, microPulseDecision, microPulseSummary } from '../../src/surveys/model.js';

/** A repeatable random source: the numbers given, in order; fails if asked for more. */
function randoms(...values: number[]): () => number {
  return () => {
    const next = values.shift();
    if (next === undefined) throw new Error('random drawn more often than expected');
    return next;
  };
}

describe('micro-pulse sampling', () => {
  const now = new Date('2026-05-31T12:00:00Z');
  const base = { inAudience: true, optedOut: false, lastAskedAt: null, sample: 0.2, now };

  it('asks a sampled share: drawn below the share asks, at or above does not', () => {
    expect(microPulseDecision({ ...base, random: randoms(0.19) })).toEqual({ ask: true });
    expect(microPulseDecision({ ...base, random: randoms(0.2) })).toEqual({ ask: false, reason: 'not-sampled' });
    expect(microPulseDecision({ ...base, sample: 1, random: randoms(0.999) })).toEqual({ ask: true });
  });

  it('asks nobody twice within 30 days, and draws no number for them', () => {
    const lastAskedAt = new Date(now.getTime() - MICRO_PULSE_COOLDOWN_MS + 1);
    expect(microPulseDecision({ ...base, lastAskedAt, random: randoms() })).toEqual({
      ask: false,
      reason: 'asked-recently',
    });
    const thirtyDaysAgo = new Date(now.getTime() - 30 * DAY);
    expect(microPulseDecision({ ...base, lastAskedAt: thirtyDaysAgo, random: randoms(0) })).toEqual({ ask: true });
  });

  it('skips people outside the audience or opted out, without drawing', () => {
    expect(microPulseDecision({ ...base, inAudience: false, random: randoms() })).toEqual({
      ask: false,
      reason: 'not-in-audience',
    });
    expect(microPulseDecision({ ...base, optedOut: true, random: randoms() })).toEqual({
      ask: false,
      reason: 'opted-out',
    });
  });

  it('asks about the share of people it is set to over many draws (seeded)', () => {
    let seed = 42;
    const lcg = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const asked = Array.from({ length: 10_000 }, () => microPulseDecision({ ...base, random: lcg })).filter(
      (d) => d.ask,
    ).length;
    expect(asked).toBeGreaterThan(1800);
    expect(asked).toBeLessThan(2200);
  });

  it('summarises a period as a mean to one decimal, only with minGroupSize answers', () => {
    // 1·1 + 2·0 + 3·2 + 4·1 + 5·1 = 16 over 5 answers = 3.2
    expect(microPulseSummary([1, 0, 2, 1, 1], 5)).toEqual({ answers: 5, mean: 3.2 });
    // 4+4+5 = 13 over 3 = 4.333… → 4.3; 4+5 = 9 over 2 = 4.5
    expect(microPulseSummary([0, 0, 0, 2, 1], 3)).toEqual({ answers: 3, mean: 4.3 });
    expect(microPulseSummary([0, 0, 0, 1, 1], 3)).toEqual({ answers: 2, mean: null });
    expect(microPulseSummary([0, 0, 0, 0, 0], 3)).toEqual({ answers: 0, mean: null });
    expect(() => microPulseSummary([1, 2], 3)).toThrow(RangeError);
  });
});
