/**
 * The one way tests wait.
 *
 * - `eventually(check)` polls until `check` passes (returns a value that is not `false`, `null` or `undefined`, and
 *   does not throw); it returns that value. On timeout it fails naming what it waited for and the last error.
 * - `settled(app)` is the barrier to pass before asserting that something did NOT happen: it resolves once the app
 *   has no work left that could still cause an effect (see `busy`).
 *
 * Never wait with a fixed sleep: a loaded machine makes any fixed delay too short.
 */

/** What the barrier can see of a running app (test/support/harness.ts TestApp has all of it). */
export interface Observable {
  groundcrew: {
    slack: { inFlight(): number };
    services: { scheduler: { running(): readonly string[] } };
  };
  slack: { calls: readonly unknown[] };
  /** Requests the test has sent to the app and outbound HTTP calls the app has started, not yet answered. */
  pending(): { toApp: number; outbound: number };
}

export interface WaitOptions {
  /** Give up after this long (default 5 s: generous on a loaded machine; a passing wait returns as soon as it holds). */
  timeoutMs?: number;
  /** Named in the failure message. */
  what?: string;
  /** More context for the failure message, read when the wait times out (e.g. a child process's output). */
  describe?: () => string;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const POLL_MS = 5;

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, POLL_MS));

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Polls `check` until it passes; returns its value. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<Exclude<T, false | null | undefined>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let last = 'it never held';
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== null && value !== undefined) {
        return value as Exclude<T, false | null | undefined>;
      }
      last = `last result: ${String(value)}`;
    } catch (error) {
      last = `last error: ${describeError(error)}`;
    }
    if (Date.now() > deadline) {
      const what = options.what ?? check.toString().replace(/\s+/g, ' ').slice(0, 200);
      const context = options.describe ? `\n${options.describe()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${last}${context}`);
    }
    await tick();
  }
}

/** What the app is still doing, or null when it is idle. */
export function busy(app: Observable): string | null {
  const reasons: string[] = [];
  const listeners = app.groundcrew.slack.inFlight();
  if (listeners > 0) reasons.push(`${listeners} Bolt listener(s) running`);
  const jobs = app.groundcrew.services.scheduler.running();
  if (jobs.length > 0) reasons.push(`job(s) running: ${jobs.join(', ')}`);
  const { toApp, outbound } = app.pending();
  if (toApp > 0) reasons.push(`${toApp} request(s) to the app unanswered`);
  if (outbound > 0) reasons.push(`${outbound} outbound HTTP call(s) in progress`);
  return reasons.length > 0 ? reasons.join('; ') : null;
}

/**
 * Resolves once the app has finished every piece of work that could still cause an effect: no Bolt listener in
 * flight (acked or not), no scheduler job running, no request from the test unanswered, no outbound HTTP call
 * (webhook, GitHub) in progress, and the number of Web API calls unchanged, all seen on consecutive polls.
 * Everything the app starts runs inside one of those (handlers await their Slack calls, notifiers and webhook
 * sends), so once they are all idle, nothing more can happen without a new request or job run.
 */
export async function settled(app: Observable, options: WaitOptions = {}): Promise<void> {
  const needed = 3;
  let idleStreak = 0;
  let calls = -1;
  await eventually(
    () => {
      const reason = busy(app);
      if (reason !== null || app.slack.calls.length !== calls) {
        idleStreak = 0;
        calls = app.slack.calls.length;
        if (reason !== null) throw new Error(reason);
        throw new Error(`Web API calls still being made (${calls} so far)`);
      }
      idleStreak++;
      if (idleStreak < needed) throw new Error('idle, confirming');
      return true;
    },
    { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, what: options.what ?? 'the app to settle' },
  );
}

/** A latch the test opens: what waits on it (a held remote answer, a slow listener) goes on only when told to. */
export interface Gate {
  /** Resolves once `open()` was called. */
  readonly opened: Promise<void>;
  open(): void;
  isOpen(): boolean;
}

export function gate(): Gate {
  let open!: () => void;
  let isOpen = false;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    opened,
    open() {
      isOpen = true;
      open();
    },
    isOpen: () => isOpen,
  };
}

/**
 * A nock reply for a remote that takes the request and never answers (`.reply(noAnswer)`): groundcrew's own
 * timeout decides what happens, with no timer in the test racing it.
 */
export const noAnswer = (): Promise<never> => new Promise<never>(() => {});
