import { describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/clock.js';
import {
  createPacer,
  type PaceLimits,
  POST_MESSAGE_LIMITS,
  planSchedule,
  rateLimitFloorMs,
  runPaced,
  type SendOutcome,
} from '../../src/surveys/pacing.js';

const START = '2026-03-02T09:00:00.000Z';
const t0 = new Date(START).getTime();
const limits: PaceLimits = { perSecond: 4, burst: 5, perChannelMs: 1000 };

describe('planSchedule and the floor', () => {
  it('sends the burst at once, then one every 1/perSecond', () => {
    expect(planSchedule(10, limits)).toEqual([0, 0, 0, 0, 0, 250, 500, 750, 1000, 1250]);
    expect(planSchedule(3, { perSecond: 1, burst: 1, perChannelMs: 1000 })).toEqual([0, 1000, 2000]);
    expect(planSchedule(0, limits)).toEqual([]);
  });

  it('gives the least time a wave can take: a 5,000-person wave at the defaults takes 20 min 48.75 s', () => {
    expect(POST_MESSAGE_LIMITS).toEqual({ perSecond: 4, burst: 5, perChannelMs: 1000 });
    expect(rateLimitFloorMs(5000, POST_MESSAGE_LIMITS)).toBe(4995 * 250);
    expect(rateLimitFloorMs(5000, POST_MESSAGE_LIMITS)).toBe(1_248_750);
    expect(rateLimitFloorMs(3, limits)).toBe(0);
    const plan = planSchedule(5000, POST_MESSAGE_LIMITS);
    expect(plan.at(-1)).toBe(rateLimitFloorMs(5000, POST_MESSAGE_LIMITS));
  });

  it('refuses limits that cannot pace anything', () => {
    const clock = createManualClock(START);
    expect(() => createPacer({ ...limits, perSecond: 0 }, clock)).toThrow(RangeError);
    expect(() => createPacer({ ...limits, burst: 0 }, clock)).toThrow(RangeError);
    expect(() => createPacer({ ...limits, burst: 1.5 }, clock)).toThrow(RangeError);
    expect(() => createPacer({ ...limits, perChannelMs: -1 }, clock)).toThrow(RangeError);
  });
});

describe('pacer', () => {
  it('keeps one channel to one send per perChannelMs, even inside a burst', () => {
    const clock = createManualClock(START);
    const pacer = createPacer(limits, clock);
    expect(pacer.reserve('C0RESULTS') - t0).toBe(0);
    expect(pacer.reserve('D1') - t0).toBe(0);
    expect(pacer.peek('D2') - t0).toBe(0); // other channels still have burst left
    expect(pacer.peek('C0RESULTS') - t0).toBe(1000);
    expect(pacer.reserve('C0RESULTS') - t0).toBe(1000);
    // A send booked ahead counts from its own start, so the pace is never exceeded (runPaced only books for now).
    expect(pacer.peek('D2') - t0).toBe(250);
  });

  it('builds the burst allowance up again after a quiet spell, and no further', () => {
    const clock = createManualClock(START);
    const pacer = createPacer(limits, clock);
    for (let i = 0; i < 5; i++) expect(pacer.reserve(`D${i}`) - t0).toBe(0);
    expect(pacer.peek('D5') - t0).toBe(250);
    clock.advance(10_000); // long quiet: five back to back again, not forty
    const starts = Array.from({ length: 7 }, (_, i) => pacer.reserve(`E${i}`) - t0);
    expect(starts).toEqual([10_000, 10_000, 10_000, 10_000, 10_000, 10_250, 10_500]);
  });

  it('honours a Retry-After pause, then resumes at the sustained pace without a burst', () => {
    const clock = createManualClock(START);
    const pacer = createPacer(limits, clock);
    pacer.reserve('D1');
    pacer.reserve('D2');
    pacer.pause(3);
    expect(pacer.pausedUntil() - t0).toBe(3000);
    const starts = Array.from({ length: 4 }, (_, i) => pacer.reserve(`D${i + 3}`) - t0);
    expect(starts).toEqual([3000, 3250, 3500, 3750]);
    // A shorter pause inside a longer one does not shorten it.
    clock.advance(1000);
    pacer.pause(1);
    expect(pacer.pausedUntil() - t0).toBe(3000);
    expect(() => pacer.pause(Number.NaN)).toThrow(RangeError);
  });
});

interface Log {
  at: number;
  id: string;
}

/** A manual-clock runner: sleeping moves the clock; sends answer at once. */
function harness(clock: ManualClock, answer: (id: string, at: number) => SendOutcome) {
  const attempts: Log[] = [];
  const delivered: Log[] = [];
  const sleeps: number[] = [];
  return {
    attempts,
    delivered,
    sleeps,
    options: {
      clock,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
      channelOf: (id: string) => id,
      send: async (id: string): Promise<SendOutcome> => {
        const at = clock.now().getTime() - t0;
        attempts.push({ at, id });
        const outcome = answer(id, at);
        if (outcome.kind === 'sent') delivered.push({ at, id });
        return outcome;
      },
    },
  };
}

const people = (n: number) => Array.from({ length: n }, (_, i) => `U${String(i + 1).padStart(4, '0')}`);

describe('runPaced', () => {
  it('sends N recipients on the planned schedule, each once', async () => {
    const clock = createManualClock(START);
    const h = harness(clock, () => ({ kind: 'sent' }));
    const result = await runPaced(people(12), { ...h.options, pacer: createPacer(limits, clock) });
    expect(result).toEqual({ sent: 12, failed: [], notStarted: [], rateLimited: 0 });
    expect(h.delivered.map((d) => d.at)).toEqual(planSchedule(12, limits));
    expect(new Set(h.delivered.map((d) => d.id)).size).toBe(12);
  });

  it('on a 429 pauses for Retry-After, sends that person again after it, and nobody twice', async () => {
    const clock = createManualClock(START);
    let refused = false;
    const h = harness(clock, (id) => {
      if (id === 'U0007' && !refused) {
        refused = true;
        return { kind: 'rate-limited', retryAfter: 3 };
      }
      return { kind: 'sent' };
    });
    const result = await runPaced(people(10), { ...h.options, pacer: createPacer(limits, clock), maxInFlight: 1 });
    expect(result).toEqual({ sent: 10, failed: [], notStarted: [], rateLimited: 1 });
    // U0007 was tried at 500 ms and refused; nothing started before 3,500 ms; then the sustained pace.
    expect(h.attempts.map((a) => [a.id, a.at])).toEqual([
      ['U0001', 0],
      ['U0002', 0],
      ['U0003', 0],
      ['U0004', 0],
      ['U0005', 0],
      ['U0006', 250],
      ['U0007', 500],
      ['U0007', 3500],
      ['U0008', 3750],
      ['U0009', 4000],
      ['U0010', 4250],
    ]);
    expect(h.delivered.map((d) => d.id)).toEqual(people(10));
  });

  it('finishes against a stricter stand-in that answers 429s, delivering each person exactly once', async () => {
    const clock = createManualClock(START);
    // The stand-in allows 2 a second with a burst of 3 (a token bucket); over that it answers 429, Retry-After 1.
    let tokens = 3;
    let last = 0;
    const h = harness(clock, (_id, at) => {
      tokens = Math.min(3, tokens + ((at - last) / 1000) * 2);
      last = at;
      if (tokens < 1) return { kind: 'rate-limited', retryAfter: 1 };
      tokens -= 1;
      return { kind: 'sent' };
    });
    const result = await runPaced(people(40), { ...h.options, pacer: createPacer(limits, clock) });
    expect(result.sent).toBe(40);
    expect(result.failed).toEqual([]);
    expect(result.rateLimited).toBeGreaterThan(0);
    expect(h.delivered.map((d) => d.id).sort()).toEqual(people(40));
  });

  it('meets a stand-in with the same limits without a single 429', async () => {
    const clock = createManualClock(START);
    const stand = createPacer(limits, clock); // the stand-in's own bucket: a send before its slot is a 429
    const h = harness(clock, (id) => {
      const slot = stand.peek(id);
      if (slot > clock.now().getTime()) return { kind: 'rate-limited', retryAfter: 1 };
      stand.reserve(id);
      return { kind: 'sent' };
    });
    const result = await runPaced(people(200), { ...h.options, pacer: createPacer(limits, clock) });
    expect(result).toMatchObject({ sent: 200, rateLimited: 0 });
    expect(h.delivered.at(-1)!.at).toBe(rateLimitFloorMs(200, limits));
  });

  it('gives up on a person after maxRateLimited 429s, and never retries a refusal', async () => {
    const clock = createManualClock(START);
    const h = harness(clock, (id) => {
      if (id === 'U0001') return { kind: 'rate-limited', retryAfter: 1 };
      if (id === 'U0002') return { kind: 'failed', error: new Error('user_not_found') };
      return { kind: 'sent' };
    });
    const send = h.options.send;
    const result = await runPaced(people(3), {
      ...h.options,
      send: async (id) => (id === 'U0003' ? Promise.reject(new Error('socket hang up')) : send(id)),
      pacer: createPacer(limits, clock),
      maxRateLimited: 2,
    });
    expect(result).toEqual({ sent: 0, failed: ['U0002', 'U0003', 'U0001'], notStarted: [], rateLimited: 3 });
    expect(h.attempts.filter((a) => a.id === 'U0001')).toHaveLength(3);
    expect(h.attempts.filter((a) => a.id === 'U0002')).toHaveLength(1);
  });

  it('stops starting sends when aborted and lists what was not started', async () => {
    const clock = createManualClock(START);
    const controller = new AbortController();
    const h = harness(clock, (id) => {
      if (id === 'U0006') controller.abort();
      return { kind: 'sent' };
    });
    const result = await runPaced(people(10), {
      ...h.options,
      pacer: createPacer(limits, clock),
      signal: controller.signal,
      maxInFlight: 1,
    });
    expect(result.sent).toBe(6);
    expect(result.notStarted).toEqual(['U0007', 'U0008', 'U0009', 'U0010']);
  });

  it('keeps no more than maxInFlight sends running at once', async () => {
    const clock = createManualClock(START);
    let running = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const pacer = createPacer({ perSecond: 1000, burst: 100, perChannelMs: 0 }, clock);
    const run = runPaced(people(9), {
      clock,
      pacer,
      sleep: async (ms) => {
        clock.advance(ms);
      },
      channelOf: (id) => id,
      maxInFlight: 3,
      send: () =>
        new Promise<SendOutcome>((resolve) => {
          running += 1;
          most = Math.max(most, running);
          release.push(() => {
            running -= 1;
            resolve({ kind: 'sent' });
          });
        }),
    });
    let done = false;
    void run.then(() => {
      done = true;
    });
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      release.shift()?.();
    }
    expect(await run).toMatchObject({ sent: 9 });
    expect(most).toBe(3);
  });
});
