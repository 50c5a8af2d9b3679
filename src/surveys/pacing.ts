/**
 * Paced sending for survey DMs: how fast a wave may go out so Slack rarely answers 429, and what to do when it
 * does. The pacer is pure (time comes from an injected clock); runPaced drives it with injected `send` and `sleep`.
 *
 * Slack's limits for chat.postMessage (docs.slack.dev rate-limits page and the method page): about one message per
 * second per channel with short bursts allowed, and a workspace-wide limit of "several hundred messages per minute".
 * A wave sends one DM to each person, so every DM is a different channel (chat.postMessage with `channel: U…`
 * needs no conversations.open) and the workspace-wide limit is the one that binds. The pacer enforces both: a
 * sustained rate with a burst allowance across all sends (GCRA, the virtual-scheduling form of a token bucket),
 * and a minimum gap per channel.
 *
 * This sits on top of the Web API client's own 429 handling: on a 429 the client pauses its queue for Retry-After
 * and retries. The wiring tells the pacer too (`client.on('rate_limited', (s) => pacer.pause(s))`, or a send that
 * comes back rate-limited), so no new send starts before the pause ends and the pace restarts without a burst.
 */

export interface PaceLimits {
  /** Sustained sends per second across all channels. */
  perSecond: number;
  /** Sends that may go back to back after a quiet spell (at least 1). */
  burst: number;
  /** Minimum time between two sends to the same channel, in ms. */
  perChannelMs: number;
}

/**
 * Defaults for chat.postMessage. 4 per second (240 a minute) stays under "several hundred a minute" per workspace;
 * a burst of 5 is an assumption (Slack publishes no number); 1 s per channel is Slack's posting guideline.
 */
export const POST_MESSAGE_LIMITS: PaceLimits = { perSecond: 4, burst: 5, perChannelMs: 1000 };

export interface PacerClock {
  now(): Date;
}

export interface Pacer {
  /**
   * Books the next send to `channel` and returns when it may start (ms since the epoch, never before now). A send
   * booked ahead (a channel's gap not yet over) uses up the pace from its own start, so others wait behind it: the
   * pace is never exceeded. runPaced only books sends that may start now.
   */
  reserve(channel: string): number;
  /** When a send to `channel` could start if booked now, without booking it. */
  peek(channel: string): number;
  /** Slack said 429 with Retry-After `seconds`: nothing starts before now + seconds, then no burst. */
  pause(seconds: number): void;
  /** The end of the current pause (ms since the epoch), or 0. */
  pausedUntil(): number;
}

function checkLimits(limits: PaceLimits): void {
  if (!(limits.perSecond > 0) || !Number.isFinite(limits.perSecond)) throw new RangeError('perSecond must be > 0');
  if (!Number.isInteger(limits.burst) || limits.burst < 1) throw new RangeError('burst must be a whole number >= 1');
  if (!(limits.perChannelMs >= 0)) throw new RangeError('perChannelMs must be >= 0');
}

export function createPacer(limits: PaceLimits, clock: PacerClock): Pacer {
  checkLimits(limits);
  const interval = 1000 / limits.perSecond;
  const tolerance = (limits.burst - 1) * interval;
  /** GCRA's theoretical arrival time: a send may start at tat − tolerance; each send moves tat by one interval. */
  let tat = Number.NEGATIVE_INFINITY;
  let pauseEnd = 0;
  const lastByChannel = new Map<string, number>();

  const startFor = (channel: string, now: number): number => {
    const last = lastByChannel.get(channel);
    return Math.max(now, tat - tolerance, pauseEnd, last === undefined ? now : last + limits.perChannelMs);
  };

  const forget = (now: number) => {
    // Channels whose gap has passed no longer constrain anything; keep the map small on a 5,000-person wave.
    if (lastByChannel.size < 1024) return;
    for (const [channel, last] of lastByChannel) {
      if (last + limits.perChannelMs <= now) lastByChannel.delete(channel);
    }
  };

  return {
    reserve(channel) {
      const now = clock.now().getTime();
      forget(now);
      const start = startFor(channel, now);
      tat = Math.max(tat, start) + interval;
      lastByChannel.set(channel, start);
      return start;
    },
    peek(channel) {
      return startFor(channel, clock.now().getTime());
    },
    pause(seconds) {
      if (!(seconds >= 0) || !Number.isFinite(seconds)) throw new RangeError(`not a Retry-After: ${seconds}`);
      const until = clock.now().getTime() + seconds * 1000;
      pauseEnd = Math.max(pauseEnd, until);
      // After the pause, sends resume at the sustained pace: the burst allowance builds up again from zero.
      tat = Math.max(tat, pauseEnd + tolerance);
    },
    pausedUntil() {
      return pauseEnd;
    },
  };
}

/**
 * The start times (ms after `start`) of `count` sends to distinct channels at the given limits, with nothing sent
 * before: the first `burst` at once, then one every 1/perSecond.
 */
export function planSchedule(count: number, limits: PaceLimits): number[] {
  let now = 0;
  const pacer = createPacer(limits, { now: () => new Date(now) });
  const starts: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = pacer.reserve(`C${i}`);
    starts.push(at);
    now = at;
  }
  return starts;
}

/**
 * The least time `count` sends to distinct channels can take at these limits, from the first start to the last:
 * what a run is measured against. (count − burst) intervals, or 0 when the burst covers them all.
 */
export function rateLimitFloorMs(count: number, limits: PaceLimits): number {
  checkLimits(limits);
  return Math.max(0, count - limits.burst) * (1000 / limits.perSecond);
}

// ---------- the runner ----------

/** What one send did: delivered, refused for good (logged and counted), or rate-limited (tried again later). */
export type SendOutcome =
  | { kind: 'sent' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'rate-limited'; retryAfter: number };

export interface RunPacedOptions<T> {
  pacer: Pacer;
  clock: PacerClock;
  /** Waits `ms` (the real one uses a timer; tests advance a manual clock). */
  sleep: (ms: number) => Promise<void>;
  channelOf: (item: T) => string;
  /** Sends one item. It must not throw for a Slack refusal: it answers `failed` or `rate-limited`. */
  send: (item: T) => Promise<SendOutcome>;
  /** Sends running at once (default 4): with ~250 ms per call, one at a time could not keep 4 a second. */
  maxInFlight?: number;
  /** A rate-limited item is tried again at most this many times (default 5), then counted as failed. */
  maxRateLimited?: number;
  /** Stops starting new sends (the rest stay for the next run, which resumes from the database). */
  signal?: AbortSignal;
}

export interface RunPacedResult<T> {
  sent: number;
  failed: T[];
  /** Items not started because the run was stopped. */
  notStarted: T[];
  rateLimited: number;
}

/**
 * Sends every item at the pacer's pace, `maxInFlight` at a time. A rate-limited send pauses the pacer for its
 * Retry-After and goes back to the front of the queue; nothing is sent twice by this loop (a send that answered
 * `sent` or `failed` is never repeated). Crash-safety across restarts is the caller's: `send` records each outcome.
 */
export async function runPaced<T>(items: Iterable<T>, options: RunPacedOptions<T>): Promise<RunPacedResult<T>> {
  const queue: { item: T; tries: number }[] = [...items].map((item) => ({ item, tries: 0 }));
  const maxInFlight = options.maxInFlight ?? 4;
  const maxRateLimited = options.maxRateLimited ?? 5;
  const inFlight = new Set<Promise<void>>();
  const result: RunPacedResult<T> = { sent: 0, failed: [], notStarted: [], rateLimited: 0 };

  const launch = (entry: { item: T; tries: number }) => {
    const running = (async () => {
      let outcome: SendOutcome;
      try {
        outcome = await options.send(entry.item);
      } catch (error) {
        outcome = { kind: 'failed', error };
      }
      if (outcome.kind === 'sent') result.sent += 1;
      else if (outcome.kind === 'failed') result.failed.push(entry.item);
      else {
        result.rateLimited += 1;
        options.pacer.pause(outcome.retryAfter);
        if (entry.tries + 1 > maxRateLimited) result.failed.push(entry.item);
        else queue.unshift({ item: entry.item, tries: entry.tries + 1 });
      }
    })();
    inFlight.add(running);
    void running.finally(() => inFlight.delete(running));
  };

  while (queue.length > 0 || inFlight.size > 0) {
    if (options.signal?.aborted) {
      result.notStarted.push(...queue.splice(0).map((entry) => entry.item));
      await Promise.all(inFlight);
      // A send that was rate-limited while stopping went back to the queue: it was not sent either.
      result.notStarted.push(...queue.splice(0).map((entry) => entry.item));
      break;
    }
    if (queue.length === 0 || inFlight.size >= maxInFlight) {
      await Promise.race(inFlight);
      continue;
    }
    const next = queue[0]!;
    const wait = options.pacer.peek(options.channelOf(next.item)) - options.clock.now().getTime();
    if (wait > 0) {
      await options.sleep(wait);
      continue; // a pause may have begun while waiting: look again
    }
    queue.shift();
    options.pacer.reserve(options.channelOf(next.item));
    launch(next);
  }
  return result;
}
